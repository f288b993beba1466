/*
 * flowlog-sink: flow-log records to S3-style gzip objects and CloudWatch
 * stream files (design in flowlog-sink.h).
 *
 * Layout.  The flow-log map is an array of entries sorted by ID (bsearch per
 * record, with the last hit cached), replaced whole by flowlog_sink_update;
 * parsed formats move from an old entry to its successor so that each flow
 * log's format is parsed once.  Buffers ("groups") are kept twice: in a
 * list in creation order (what flush walks) and, while open, in a chained
 * hash keyed by (flow log, window, ENI) (what a record looks up).  A closed
 * group (full) leaves the hash and waits in the list for the next flush.
 *
 * Locks.  data_lock guards the map, the groups and the counters; it is
 * never held across I/O.  update_lock serialises updaters, so an updater
 * may read the current map without data_lock (only updaters change it).
 * flush_lock serialises flushers, so CloudWatch appends keep their order.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "fabric/flowlog-sink.h"
#include "lib/engine/flowlog-format.h"
#include "lib/util/util.h"

#define SINK_HASH_BUCKETS 1024
#define SINK_LINE_MAX 4096
#define SINK_PATH_MAX 4096
#define SINK_NAME_TRIES 16

enum sink_kind { SINK_NONE, SINK_S3, SINK_CWL };

struct sink_entry {
	char id[MODEL_ID_LEN];
	enum sink_kind kind;
	char *folder;	   /* below state_dir: "s3/<bucket>[/<prefix>]" or "cloudwatch/<group>" */
	char *header;	   /* S3: the field names line */
	char *format;	   /* the LogFormat string (NULL = default) */
	struct flowlog_format *fmt; /* NULL when unusable (kind then SINK_NONE) */
	bool borrowed;		    /* fmt still belongs to the entry this one replaces */
};

struct sink_group {
	struct sink_group *next;       /* creation order */
	struct sink_group *hash_next;  /* open groups only */
	uint64_t hash;
	bool open;
	enum sink_kind kind;
	char fl_id[MODEL_ID_LEN];
	int64_t window;		       /* S3: window start (Unix s) */
	char eni[MODEL_ID_LEN];	       /* CloudWatch: the stream */
	char *dir;		       /* absolute directory */
	char *stem;		       /* S3: name without hash; CloudWatch: file name */
	char *header;		       /* S3 */
	uint64_t first_ms;
	char *buf;
	size_t len, cap;
	uint64_t n_records;
};

struct flowlog_sink {
	struct flowlog_sink_config cfg;
	char *state_dir;

	pthread_mutex_t data_lock, update_lock, flush_lock;
	/* Under data_lock (entries also readable by the holder of update_lock): */
	struct sink_entry **entries;
	size_t n_entries;
	const struct sink_entry *last_hit;
	char account[MODEL_ACCOUNT_LEN];
	char region[MODEL_AZ_LEN];
	struct sink_group *head, *tail;
	struct sink_group *hash[SINK_HASH_BUCKETS];
	size_t n_groups;
	struct flowlog_sink_stats st;
};

/* ---- helpers ------------------------------------------------------------------------ */

static uint64_t realtime_ms(void *userdata)
{
	struct timespec ts;

	(void)userdata;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t group_hash(const char *fl_id, int64_t window, const char *eni)
{
	uint64_t h = UTIL_FNV1A_INIT;

	h = util_fnv1a(h, fl_id, strlen(fl_id) + 1);
	h = util_fnv1a(h, &window, sizeof(window));
	h = util_fnv1a(h, eni, strlen(eni) + 1);
	return util_hash64(h);
}

static bool has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* ---- destinations -------------------------------------------------------------------- */

int flowlog_sink_s3_folder(const char *arn, char *buf, size_t size)
{
	const char *p, *rest;
	size_t out = 0;

	if (!arn || strncmp(arn, "arn:", 4) != 0)
		return -EINVAL;
	p = strchr(arn + 4, ':'); /* end of the partition */
	if (!p || p == arn + 4 || strncmp(p, ":s3:::", 6) != 0)
		return -EINVAL;
	rest = p + 6;
	if (*rest == '\0' || *rest == '/')
		return -EINVAL;
	while (*rest) {
		const char *slash = strchr(rest, '/');
		size_t n = slash ? (size_t)(slash - rest) : strlen(rest);

		if (n == 0) {
			/* Only a trailing '/' may be empty. */
			if (slash && slash[1] == '\0')
				break;
			return -EINVAL;
		}
		if ((n == 1 && rest[0] == '.') || (n == 2 && rest[0] == '.' && rest[1] == '.') ||
		    has_control(rest, n))
			return -EINVAL;
		if (out + n + 2 > size)
			return -ENAMETOOLONG;
		if (out)
			buf[out++] = '/';
		memcpy(buf + out, rest, n);
		out += n;
		if (!slash)
			break;
		rest = slash + 1;
	}
	if (out == 0)
		return -EINVAL;
	buf[out] = '\0';
	return 0;
}

/*
 * The log group of a CloudWatch destination as one folder name: the name,
 * or the name inside "arn:...:log-group:NAME[:*]", with '/' as "%2F".
 */
static int cwl_folder(const char *dest, char *buf, size_t size)
{
	const char *name = dest, *lg;
	size_t n, out = 0;

	if (!dest)
		return -EINVAL;
	if (strncmp(dest, "arn:", 4) == 0) {
		lg = strstr(dest, ":log-group:");
		if (!lg)
			return -EINVAL;
		name = lg + strlen(":log-group:");
	}
	n = strcspn(name, ":");
	if (n == 0 || (n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '-' || c == '_' || c == '#' || c == '/';

		if (!ok)
			return -EINVAL;
		if (out + 4 > size)
			return -ENAMETOOLONG;
		if (c == '/') {
			memcpy(buf + out, "%2F", 3);
			out += 3;
		} else {
			buf[out++] = c;
		}
	}
	buf[out] = '\0';
	return 0;
}

int flowlog_sink_header(const char *format, char *buf, size_t size)
{
	struct flowlog_format *f = NULL;
	const char *p = format ? format : FLOWLOG_DEFAULT_FORMAT;
	size_t out = 0;
	int r;

	r = flowlog_format_parse(format, &f, NULL, 0);
	if (r < 0)
		return r;
	flowlog_format_free(f);
	/* The parser accepted it: "${name}" separated by single spaces. */
	while (*p) {
		const char *end;
		size_t n;

		if (p[0] != '$' || p[1] != '{')
			return -EINVAL;
		end = strchr(p, '}');
		if (!end)
			return -EINVAL;
		n = (size_t)(end - p - 2);
		if (out + n + 2 > size)
			return -ENAMETOOLONG;
		if (out)
			buf[out++] = ' ';
		memcpy(buf + out, p + 2, n);
		out += n;
		p = end + 1;
		while (*p == ' ')
			p++;
	}
	if (size == 0)
		return -ENAMETOOLONG;
	buf[out] = '\0';
	return 0;
}

int flowlog_sink_s3_key(const char *account_id, const char *region, const char *flow_log_id,
			int64_t window_start, char *dir, size_t dir_size, char *stem,
			size_t stem_size)
{
	time_t t = (time_t)window_start;
	struct tm tm;
	int n;

	if (!gmtime_r(&t, &tm))
		return -EINVAL;
	n = snprintf(dir, dir_size, "AWSLogs/%s/vpcflowlogs/%s/%04d/%02d/%02d/", account_id,
		     region, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if (n < 0 || (size_t)n >= dir_size)
		return -ENAMETOOLONG;
	n = snprintf(stem, stem_size, "%s_vpcflowlogs_%s_%s_%04d%02d%02dT%02d%02dZ", account_id,
		     region, flow_log_id, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min);
	if (n < 0 || (size_t)n >= stem_size)
		return -ENAMETOOLONG;
	return 0;
}

/* ---- the flow-log map ---------------------------------------------------------------- */

static struct sink_entry *entry_free(struct sink_entry *e)
{
	if (!e)
		return NULL;
	free(e->folder);
	free(e->header);
	free(e->format);
	if (!e->borrowed)
		flowlog_format_free(e->fmt);
	free(e);
	return NULL;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp((*(struct sink_entry *const *)a)->id, (*(struct sink_entry *const *)b)->id);
}

static struct sink_entry *entry_find(struct sink_entry **entries, size_t n, const char *id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(id, entries[mid]->id);

		if (c == 0)
			return entries[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static bool same_format(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/*
 * A new entry for fl.  The format is borrowed from old (same ID and format
 * string) or parsed.  NULL on ENOMEM only: unusable destinations and
 * formats give kind SINK_NONE.
 */
static struct sink_entry *entry_new(const struct model_flow_log *fl, const struct sink_entry *old)
{
	struct sink_entry *e = calloc(1, sizeof(*e));
	char folder[SINK_PATH_MAX], header[SINK_LINE_MAX];

	if (!e)
		return NULL;
	memcpy(e->id, fl->id, sizeof(e->id));
	if (fl->format && !(e->format = strdup(fl->format)))
		return entry_free(e);
	if (old && old->fmt && same_format(old->format, fl->format)) {
		e->fmt = old->fmt;
		e->borrowed = true;
	} else if (flowlog_format_parse(fl->format, &e->fmt, NULL, 0) == -ENOMEM) {
		return entry_free(e);
	}
	e->kind = SINK_NONE;
	if (!e->fmt)
		return e;
	if (strcmp(fl->destination_type, "s3") == 0) {
		memcpy(folder, "s3/", 3);
		if (flowlog_sink_s3_folder(fl->destination, folder + 3, sizeof(folder) - 3) < 0 ||
		    flowlog_sink_header(fl->format, header, sizeof(header)) < 0)
			return e;
		if (!(e->header = strdup(header)))
			return entry_free(e);
		e->kind = SINK_S3;
	} else if (strcmp(fl->destination_type, "cloud-watch-logs") == 0) {
		memcpy(folder, "cloudwatch/", 11);
		if (cwl_folder(fl->log_group_name ? fl->log_group_name : fl->destination,
			       folder + 11, sizeof(folder) - 11) < 0)
			return e;
		e->kind = SINK_CWL;
	} else {
		return e;
	}
	if (!(e->folder = strdup(folder)))
		return entry_free(e);
	return e;
}

int flowlog_sink_update(struct flowlog_sink *s, const struct model *m)
{
	struct sink_entry **next = NULL, **old;
	size_t n = 0, n_old;

	pthread_mutex_lock(&s->update_lock);
	if (m->n_flow_logs) {
		next = calloc(m->n_flow_logs, sizeof(*next));
		if (!next)
			goto enomem;
	}
	/*
	 * Only updaters change the map, and this one holds update_lock: reading
	 * it without data_lock is safe.  A format still in use by the current
	 * map is borrowed, and changes owner only after the swap below.
	 */
	for (size_t i = 0; i < m->n_flow_logs; i++) {
		const struct model_flow_log *fl = m->flow_logs[i];

		next[n] = entry_new(fl, entry_find(s->entries, s->n_entries, fl->id));
		if (!next[n])
			goto enomem;
		n++;
	}
	if (n > 1)
		qsort(next, n, sizeof(*next), entry_cmp);
	pthread_mutex_lock(&s->data_lock);
	old = s->entries;
	n_old = s->n_entries;
	s->entries = next;
	s->n_entries = n;
	s->last_hit = NULL;
	if (m->account_id[0])
		util_strscpy(s->account, m->account_id, sizeof(s->account));
	if (m->region[0])
		util_strscpy(s->region, m->region, sizeof(s->region));
	s->st.flow_logs = n;
	pthread_mutex_unlock(&s->data_lock);
	/* The old map is unreachable now: borrowed formats change owner. */
	for (size_t i = 0; i < n; i++) {
		if (next[i]->borrowed) {
			struct sink_entry *o = entry_find(old, n_old, next[i]->id);

			o->fmt = NULL;
			next[i]->borrowed = false;
		}
	}
	for (size_t i = 0; i < n_old; i++)
		entry_free(old[i]);
	free(old);
	pthread_mutex_unlock(&s->update_lock);
	return 0;
enomem:
	/* Nothing was swapped: borrowed formats stay with the old entries. */
	for (size_t i = 0; i < n; i++)
		entry_free(next[i]);
	free(next);
	pthread_mutex_unlock(&s->update_lock);
	return -ENOMEM;
}

/* ---- buffering (data-path thread) ----------------------------------------------------- */

static struct sink_group *group_free(struct sink_group *g)
{
	if (!g)
		return NULL;
	free(g->dir);
	free(g->stem);
	free(g->header);
	free(g->buf);
	free(g);
	return NULL;
}

static void hash_remove(struct flowlog_sink *s, struct sink_group *g)
{
	struct sink_group **pp = &s->hash[g->hash % SINK_HASH_BUCKETS];

	while (*pp && *pp != g)
		pp = &(*pp)->hash_next;
	if (*pp)
		*pp = g->hash_next;
	g->hash_next = NULL;
	g->open = false;
}

static struct sink_group *group_find(struct flowlog_sink *s, uint64_t h, const char *fl_id,
				     int64_t window, const char *eni)
{
	for (struct sink_group *g = s->hash[h % SINK_HASH_BUCKETS]; g; g = g->hash_next)
		if (g->hash == h && g->window == window && strcmp(g->fl_id, fl_id) == 0 &&
		    strcmp(g->eni, eni) == 0)
			return g;
	return NULL;
}

static struct sink_group *group_new(struct flowlog_sink *s, const struct sink_entry *e,
				    uint64_t h, int64_t window, const char *eni, uint64_t now)
{
	struct sink_group *g;
	char key_dir[256], stem[512], path[SINK_PATH_MAX];
	int n;

	if (s->n_groups >= s->cfg.max_groups)
		return NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->hash = h;
	g->kind = e->kind;
	memcpy(g->fl_id, e->id, sizeof(g->fl_id));
	g->window = window;
	util_strscpy(g->eni, eni, sizeof(g->eni));
	g->first_ms = now;
	if (e->kind == SINK_S3) {
		if (flowlog_sink_s3_key(s->account, s->region, e->id, window, key_dir,
					sizeof(key_dir), stem, sizeof(stem)) < 0)
			return group_free(g);
		n = snprintf(path, sizeof(path), "%s/%s/%s", s->state_dir, e->folder, key_dir);
		if (n > 0 && path[n - 1] == '/')
			path[n - 1] = '\0';
		g->header = strdup(e->header);
	} else {
		n = snprintf(path, sizeof(path), "%s/%s", s->state_dir, e->folder);
		util_strscpy(stem, eni, sizeof(stem));
	}
	if (n < 0 || (size_t)n >= sizeof(path))
		return group_free(g);
	g->dir = strdup(path);
	g->stem = strdup(stem);
	if (!g->dir || !g->stem || (e->kind == SINK_S3 && !g->header))
		return group_free(g);
	g->open = true;
	g->hash_next = s->hash[h % SINK_HASH_BUCKETS];
	s->hash[h % SINK_HASH_BUCKETS] = g;
	if (s->tail)
		s->tail->next = g;
	else
		s->head = g;
	s->tail = g;
	s->n_groups++;
	return g;
}

static int group_append(struct flowlog_sink *s, struct sink_group *g, const char *line,
			size_t n)
{
	if (g->len + n + 1 > g->cap) {
		size_t cap = g->cap ? g->cap : 4096;
		char *b;

		while (cap < g->len + n + 1)
			cap *= 2;
		b = realloc(g->buf, cap);
		if (!b)
			return -ENOMEM;
		g->buf = b;
		g->cap = cap;
	}
	memcpy(g->buf + g->len, line, n);
	g->buf[g->len + n] = '\n';
	g->len += n + 1;
	g->n_records++;
	s->st.buffered_size += n + 1;
	if (g->len >= s->cfg.max_object_size)
		hash_remove(s, g); /* full: written at the next flush, later records start anew */
	return 0;
}

static const struct sink_entry *lookup(struct flowlog_sink *s, const char *id)
{
	const struct sink_entry *e = s->last_hit;

	if (e && strcmp(e->id, id) == 0)
		return e;
	e = entry_find(s->entries, s->n_entries, id);
	if (e)
		s->last_hit = e;
	return e;
}

void flowlog_sink_record(const struct eng_flow_record *rec, void *userdata)
{
	struct flowlog_sink *s = userdata;
	const struct sink_entry *e;
	struct sink_group *g;
	char line[SINK_LINE_MAX];
	const char *eni = "";
	int64_t window = 0;
	uint64_t h, now;
	int n;

	if (!s || !rec)
		return;
	now = s->cfg.clock_ms(s->cfg.clock_userdata);
	pthread_mutex_lock(&s->data_lock);
	s->st.records++;
	e = rec->flow_log_id ? lookup(s, rec->flow_log_id) : NULL;
	if (!e || e->kind == SINK_NONE) {
		s->st.records_undeliverable++;
		goto out;
	}
	n = flowlog_format_line(e->fmt, rec, line, sizeof(line));
	if (n < 0) {
		s->st.records_dropped++;
		goto out;
	}
	if (s->st.buffered_size + (size_t)n + 1 > s->cfg.max_buffered_size) {
		s->st.records_dropped++;
		goto out;
	}
	if (e->kind == SINK_S3) {
		window = rec->end > 0 ? rec->end - rec->end % FLOWLOG_SINK_WINDOW_S : 0;
	} else {
		eni = rec->interface_id ? rec->interface_id : "";
		if (!*eni || strchr(eni, '/') || strcmp(eni, ".") == 0 || strcmp(eni, "..") == 0) {
			s->st.records_undeliverable++;
			goto out;
		}
	}
	h = group_hash(e->id, window, eni);
	g = group_find(s, h, e->id, window, eni);
	if (!g)
		g = group_new(s, e, h, window, eni, now);
	if (!g || group_append(s, g, line, (size_t)n) < 0)
		s->st.records_dropped++;
out:
	pthread_mutex_unlock(&s->data_lock);
}

/* ---- writing (flusher thread) ---------------------------------------------------------- */

static int mkdir_p(char *path)
{
	for (char *p = path + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST) {
				int e = -errno;

				*p = c;
				return e;
			}
			*p = c;
			if (!c)
				return 0;
		}
	}
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* gzip (header line + lines) into fd; *crc = CRC-32 of the compressed bytes. */
static int gzip_to(int fd, int level, const char *header, const char *buf, size_t len,
		   uint32_t *ret_crc, uint64_t *ret_size)
{
	unsigned char out[65536];
	z_stream z = {0};
	uLong crc = crc32(0L, Z_NULL, 0);
	uint64_t size = 0;
	int r = 0, zr;
	struct {
		const char *p;
		size_t n;
	} parts[] = {{header, strlen(header)}, {"\n", 1}, {buf, len}};

	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(parts) && r == 0; i++) {
		const char *p = parts[i].p;
		size_t left = parts[i].n;
		bool last = i == ARRAY_SIZE(parts) - 1;

		do {
			uInt chunk = left > (1u << 30) ? (1u << 30) : (uInt)left;

			z.next_in = (Bytef *)(uintptr_t)p;
			z.avail_in = chunk;
			p += chunk;
			left -= chunk;
			do {
				size_t have;

				z.next_out = out;
				z.avail_out = sizeof(out);
				zr = deflate(&z, last && left == 0 ? Z_FINISH : Z_NO_FLUSH);
				if (zr == Z_STREAM_ERROR) {
					r = -EIO;
					break;
				}
				have = sizeof(out) - z.avail_out;

				crc = crc32(crc, out, (uInt)have);
				size += have;
				r = write_all(fd, out, have);
			} while (r == 0 && z.avail_out == 0);
		} while (r == 0 && left > 0);
	}
	deflateEnd(&z);
	if (r == 0) {
		*ret_crc = (uint32_t)crc;
		*ret_size = size;
	}
	return r;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Move tmp to path unless path exists: renameat2(NOREPLACE), else link + unlink. */
static int rename_noreplace(const char *tmp, const char *path)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (link(tmp, path) < 0)
		return -errno;
	unlink(tmp);
	return 0;
}

static int write_s3(struct flowlog_sink *s, struct sink_group *g, uint64_t *ret_size)
{
	char tmp[SINK_PATH_MAX], path[SINK_PATH_MAX];
	uint32_t crc = 0;
	uint64_t size = 0;
	int fd, r;

	r = mkdir_p(g->dir);
	if (r < 0)
		return r;
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.XXXXXX", g->dir, g->stem) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = gzip_to(fd, s->cfg.gzip_level, g->header, g->buf, g->len, &crc, &size);
	if (r == 0 && fchmod(fd, 0644) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	for (int i = 0; r == 0; i++) {
		if (i == SINK_NAME_TRIES) {
			r = -EEXIST;
			break;
		}
		if (snprintf(path, sizeof(path), "%s/%s_%08" PRIx32 ".log.gz", g->dir, g->stem,
			     crc) >= (int)sizeof(path)) {
			r = -ENAMETOOLONG;
			break;
		}
		r = rename_noreplace(tmp, path);
		if (r == -EEXIST) {
			/* Another object of this window has that hash: salt it. */
			crc = (uint32_t)crc32(crc, (const Bytef *)&i, sizeof(i));
			r = 0;
			continue;
		}
		break;
	}
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	*ret_size = size;
	return fsync_dir(g->dir);
}

static int write_cwl(struct sink_group *g, uint64_t *ret_size)
{
	char path[SINK_PATH_MAX];
	int fd, r;

	r = mkdir_p(g->dir);
	if (r < 0)
		return r;
	if (snprintf(path, sizeof(path), "%s/%s", g->dir, g->stem) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, g->buf, g->len);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0)
		*ret_size = g->len;
	return r;
}

static int flush(struct flowlog_sink *s, uint64_t now_ms, bool all)
{
	struct sink_group *ready = NULL, **rtail = &ready, **pp;
	int written = 0, first_error = 0;

	pthread_mutex_lock(&s->flush_lock);
	pthread_mutex_lock(&s->data_lock);
	pp = &s->head;
	s->tail = NULL;
	while (*pp) {
		struct sink_group *g = *pp;

		if (all || !g->open || now_ms >= g->first_ms + s->cfg.delay_ms) {
			*pp = g->next;
			if (g->open)
				hash_remove(s, g);
			g->next = NULL;
			*rtail = g;
			rtail = &g->next;
			s->n_groups--;
			s->st.buffered_size -= g->len;
		} else {
			s->tail = g;
			pp = &g->next;
		}
	}
	pthread_mutex_unlock(&s->data_lock);

	while (ready) {
		struct sink_group *g = ready;
		uint64_t size = 0;
		int r;

		ready = g->next;
		if (g->n_records == 0) { /* its only record did not fit in memory */
			group_free(g);
			continue;
		}
		r = g->kind == SINK_S3 ? write_s3(s, g, &size) : write_cwl(g, &size);
		pthread_mutex_lock(&s->data_lock);
		if (r < 0) {
			s->st.write_errors++;
			s->st.last_error = r;
			s->st.records_dropped += g->n_records;
			if (!first_error)
				first_error = r;
		} else {
			s->st.objects_written++;
			s->st.bytes_written += size;
			s->st.records_written += g->n_records;
			written++;
		}
		pthread_mutex_unlock(&s->data_lock);
		group_free(g);
	}
	pthread_mutex_unlock(&s->flush_lock);
	return first_error ? first_error : written;
}

int flowlog_sink_flush(struct flowlog_sink *s, uint64_t now_ms)
{
	return flush(s, now_ms, false);
}

int flowlog_sink_flush_all(struct flowlog_sink *s)
{
	return flush(s, 0, true);
}

/* ---- life cycle ------------------------------------------------------------------------- */

void flowlog_sink_config_default(struct flowlog_sink_config *cfg)
{
	*cfg = (struct flowlog_sink_config){
	    .delay_ms = 60000,
	    .max_buffered_size = 64u << 20,
	    .max_object_size = 16u << 20,
	    .max_groups = 4096,
	    .gzip_level = 6,
	};
}

int flowlog_sink_new(const struct flowlog_sink_config *cfg, struct flowlog_sink **ret_sink)
{
	struct flowlog_sink *s;

	if (!cfg || !cfg->state_dir || !*cfg->state_dir || !cfg->account_id || !cfg->region ||
	    cfg->gzip_level < 0 || cfg->gzip_level > 9)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	if (!s->cfg.max_buffered_size)
		s->cfg.max_buffered_size = 64u << 20;
	if (!s->cfg.max_object_size)
		s->cfg.max_object_size = 16u << 20;
	if (!s->cfg.max_groups)
		s->cfg.max_groups = 4096;
	if (!s->cfg.gzip_level)
		s->cfg.gzip_level = 6;
	if (!s->cfg.clock_ms)
		s->cfg.clock_ms = realtime_ms;
	s->state_dir = strdup(cfg->state_dir);
	if (!s->state_dir) {
		free(s);
		return -ENOMEM;
	}
	s->cfg.state_dir = s->state_dir;
	s->cfg.account_id = s->cfg.region = NULL;
	if (util_strscpy(s->account, cfg->account_id, sizeof(s->account)) < 0 ||
	    util_strscpy(s->region, cfg->region, sizeof(s->region)) < 0) {
		free(s->state_dir);
		free(s);
		return -EINVAL;
	}
	pthread_mutex_init(&s->data_lock, NULL);
	pthread_mutex_init(&s->update_lock, NULL);
	pthread_mutex_init(&s->flush_lock, NULL);
	*ret_sink = s;
	return 0;
}

void flowlog_sink_stats(struct flowlog_sink *s, struct flowlog_sink_stats *ret_stats)
{
	pthread_mutex_lock(&s->data_lock);
	*ret_stats = s->st;
	pthread_mutex_unlock(&s->data_lock);
}

struct flowlog_sink *flowlog_sink_free(struct flowlog_sink *s)
{
	if (!s)
		return NULL;
	for (struct sink_group *g = s->head, *next; g; g = next) {
		next = g->next;
		group_free(g);
	}
	for (size_t i = 0; i < s->n_entries; i++)
		entry_free(s->entries[i]);
	free(s->entries);
	pthread_mutex_destroy(&s->data_lock);
	pthread_mutex_destroy(&s->update_lock);
	pthread_mutex_destroy(&s->flush_lock);
	free(s->state_dir);
	free(s);
	return NULL;
}
