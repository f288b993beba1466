/* ipam-ckpt: vpc-ipamd's checkpoint (see ipam-ckpt.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipamd/ipam-ckpt.h"
#include "lib/util/util.h"

static json_t *entry_obj(const struct ipam_key *k, uint32_t ip4, int64_t assigned_ms,
			 const char *pod_namespace, const char *pod_name)
{
	char ip[NET_IP4_STRLEN];

	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:{s:s, s:s, s:i}}", "networkName", k->network,
			 "containerID", k->container_id, "ifName", k->ifname, "ipv4",
			 net_ip4_format(ip4, ip), "allocationTimestamp",
			 (json_int_t)assigned_ms * 1000000, "metadata", "k8sPodNamespace",
			 pod_namespace, "k8sPodName", pod_name, "interfacesCount", 1);
}

static json_t *entry_json(const struct ipam_addr *a)
{
	return entry_obj(&a->key, a->ip, a->assigned_ms, a->pod_namespace, a->pod_name);
}

static char *render(const struct ipam_ds *ds)
{
	json_t *list = json_array(), *doc;
	char *s = NULL;

	for (size_t i = 0; list && i < ds->n_enis; i++)
		for (size_t k = 0; k < ds->enis[i].n_addrs; k++)
			if (ds->enis[i].addrs[k].assigned &&
			    json_array_append_new(list, entry_json(&ds->enis[i].addrs[k]))) {
				json_decref(list);
				return NULL;
			}
	doc = json_pack("{s:s, s:o}", "version", IPAM_CKPT_VERSION, "allocations", list);
	if (doc)
		s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return s;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int journal_path(const char *path, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s%s", path, IPAM_CKPT_JOURNAL_SUFFIX);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int fsync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, e = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		e = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return e;
}

int ipam_ckpt_write(const char *path, const struct ipam_ds *ds)
{
	char tmp[4096];
	char *s = render(ds);
	int fd, e;

	if (!s)
		return -ENOMEM;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		free(s);
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = -errno;
		free(s);
		return e;
	}
	e = write_all(fd, s, strlen(s));
	if (e == 0 && fsync(fd) < 0)
		e = -errno;
	if (close(fd) < 0 && e == 0)
		e = -errno;
	free(s);
	if (e == 0 && rename(tmp, path) < 0)
		e = -errno;
	if (e < 0) {
		unlink(tmp);
		return e;
	}
	if ((e = fsync_dir(path)) < 0)
		return e;
	/*
	 * The snapshot holds every change of the journal now.  Emptying it is
	 * an optimisation, not a condition: replaying it again is harmless.
	 */
	if (journal_path(path, tmp, sizeof(tmp)) == 0 &&
	    (fd = open(tmp, O_WRONLY | O_TRUNC | O_CLOEXEC)) >= 0) {
		if (fdatasync(fd) < 0) {
			/* the next append flushes the new size anyway */
		}
		close(fd);
	}
	return 0;
}

static int log_open(struct ipam_ckpt_log *lg, const char *path)
{
	char jpath[4096];
	int fd, e;

	if ((e = journal_path(path, jpath, sizeof(jpath))) < 0)
		return e;
	fd = open(jpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if ((e = fsync_dir(path)) < 0) { /* the journal's name, when just created */
		close(fd);
		return e;
	}
	lg->fd = fd;
	lg->open = true;
	return 0;
}

/* One line, flushed; a failed write is cut off again so that no later line follows a torn one. */
static int log_append(struct ipam_ckpt_log *lg, const char *path, json_t *rec)
{
	char *s = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
	off_t before;
	size_t n;
	int e;

	json_decref(rec);
	if (!s)
		return -ENOMEM;
	n = strlen(s);
	s[n] = '\n'; /* json_dumps' terminator becomes the line's end */
	if (!lg->open && (e = log_open(lg, path)) < 0)
		goto out;
	before = lseek(lg->fd, 0, SEEK_END);
	e = before < 0 ? -errno : write_all(lg->fd, s, n + 1);
	if (e == 0 && fdatasync(lg->fd) < 0)
		e = -errno;
	if (e < 0) {
		if (before >= 0 && ftruncate(lg->fd, before) < 0) {
			/* the reader ignores an unterminated last line */
		}
		ipam_ckpt_log_close(lg);
		goto out;
	}
	lg->records++;
out:
	free(s);
	return e;
}

int ipam_ckpt_log_add(struct ipam_ckpt_log *lg, const char *path, const struct ipam_ckpt_entry *ent)
{
	json_t *o = entry_obj(&ent->key, ent->ip, ent->assigned_ms, ent->pod_namespace, ent->pod_name);

	if (o && json_object_set_new(o, "op", json_string("add")) < 0) {
		json_decref(o);
		o = NULL;
	}
	return log_append(lg, path, o);
}

int ipam_ckpt_log_del(struct ipam_ckpt_log *lg, const char *path, const struct ipam_key *key)
{
	return log_append(lg, path,
			  json_pack("{s:s, s:s, s:s, s:s}", "op", "del", "networkName", key->network,
				    "containerID", key->container_id, "ifName", key->ifname));
}

void ipam_ckpt_log_reset(struct ipam_ckpt_log *lg)
{
	lg->records = 0;
}

void ipam_ckpt_log_close(struct ipam_ckpt_log *lg)
{
	if (lg && lg->open) {
		close(lg->fd);
		lg->open = false;
	}
}

/* i indexes "allocations" in the snapshot; (size_t)-1 - line numbers a journal line. */
static int fail(char *errbuf, size_t errlen, const char *why, size_t i, const char *field)
{
	if (i > (size_t)-1 / 2)
		snprintf(errbuf, errlen, "journal line %zu: %s: %s", (size_t)-1 - i, field, why);
	else
		snprintf(errbuf, errlen, "allocations[%zu].%s: %s", i, field, why);
	return -EINVAL;
}

static int str_field(json_t *o, const char *key, char *dst, size_t size, size_t i, char *errbuf,
		     size_t errlen)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (!v || util_strscpy(dst, v, size) < 0)
		return fail(errbuf, errlen, "missing, not a string or too long", i, key);
	return 0;
}

static int parse_key(json_t *o, size_t i, struct ipam_key *k, char *errbuf, size_t errlen)
{
	int e;

	if ((e = str_field(o, "networkName", k->network, sizeof(k->network), i, errbuf, errlen)) < 0 ||
	    (e = str_field(o, "containerID", k->container_id, sizeof(k->container_id), i, errbuf,
			   errlen)) < 0)
		return e;
	return str_field(o, "ifName", k->ifname, sizeof(k->ifname), i, errbuf, errlen);
}

static int parse_entry(json_t *o, size_t i, struct ipam_ckpt_entry *ent, char *errbuf,
		       size_t errlen)
{
	json_t *meta = json_object_get(o, "metadata"), *ts = json_object_get(o, "allocationTimestamp");
	int e;

	*ent = (struct ipam_ckpt_entry){0};
	if ((e = parse_key(o, i, &ent->key, errbuf, errlen)) < 0)
		return e;
	const char *ip = json_string_value(json_object_get(o, "ipv4"));
	if (!ip || net_ip4_parse(ip, &ent->ip) < 0)
		return fail(errbuf, errlen, "not an IPv4 address", i, "ipv4");
	if (ts && (!json_is_integer(ts) || json_integer_value(ts) < 0))
		return fail(errbuf, errlen, "not a non-negative integer", i,
			    "allocationTimestamp");
	ent->assigned_ms = ts ? (int64_t)(json_integer_value(ts) / 1000000) : 0;
	if (meta && json_is_object(meta)) {
		const char *ns = json_string_value(json_object_get(meta, "k8sPodNamespace"));
		const char *pod = json_string_value(json_object_get(meta, "k8sPodName"));

		util_strscpy(ent->pod_namespace, ns ? ns : "", sizeof(ent->pod_namespace));
		util_strscpy(ent->pod_name, pod ? pod : "", sizeof(ent->pod_name));
	}
	return 0;
}

static bool same_key(const struct ipam_key *a, const struct ipam_key *b)
{
	return strcmp(a->network, b->network) == 0 && strcmp(a->container_id, b->container_id) == 0 &&
	       strcmp(a->ifname, b->ifname) == 0;
}

static int key_cmp(const void *pa, const void *pb)
{
	const struct ipam_key *a = &(*(const struct ipam_ckpt_entry *const *)pa)->key;
	const struct ipam_key *b = &(*(const struct ipam_ckpt_entry *const *)pb)->key;
	int c = strcmp(a->network, b->network);

	if (!c)
		c = strcmp(a->container_id, b->container_id);
	if (!c)
		c = strcmp(a->ifname, b->ifname);
	if (!c) /* equal keys in file order, so the error names the later one */
		c = (a > b) - (a < b);
	return c;
}

/*
 * A snapshot holds each key once (ipam_ckpt_write writes the datastore's
 * allocations); a file naming one twice is corrupt, not "the last wins".
 * Sorted, so O(n log n) over the 64 MiB a snapshot may be.
 */
static int check_unique(const struct ipam_ckpt_entry *ents, size_t n, char *errbuf, size_t errlen)
{
	const struct ipam_ckpt_entry **by_key;
	int e = 0;

	if (n < 2)
		return 0;
	by_key = malloc(n * sizeof(*by_key));
	if (!by_key)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		by_key[i] = &ents[i];
	qsort(by_key, n, sizeof(*by_key), key_cmp);
	for (size_t i = 1; i < n && !e; i++)
		if (same_key(&by_key[i - 1]->key, &by_key[i]->key)) {
			snprintf(errbuf, errlen,
				 "allocations[%zu]: the same networkName, containerID and ifName "
				 "as allocations[%zu]",
				 (size_t)(by_key[i] - ents), (size_t)(by_key[i - 1] - ents));
			e = -EINVAL;
		}
	free(by_key);
	return e;
}

int ipam_ckpt_parse(const char *buf, size_t len, struct ipam_ckpt_entry **ret_entries,
		    size_t *ret_n, char *errbuf, size_t errlen)
{
	json_error_t jerr;
	json_t *doc, *list, *it;
	struct ipam_ckpt_entry *ents = NULL;
	size_t i;
	int e = -EINVAL;

	if (len > IPAM_CKPT_MAX_BYTES) {
		snprintf(errbuf, errlen, "larger than %u bytes", IPAM_CKPT_MAX_BYTES);
		return -EINVAL;
	}
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		snprintf(errbuf, errlen, "not JSON: %s (line %d)", jerr.text, jerr.line);
		return -EINVAL;
	}
	const char *v = json_string_value(json_object_get(doc, "version"));
	list = json_object_get(doc, "allocations");
	if (!v || strcmp(v, IPAM_CKPT_VERSION) != 0) {
		snprintf(errbuf, errlen, "version: expected \"%s\"", IPAM_CKPT_VERSION);
		goto out;
	}
	if (!json_is_array(list)) {
		snprintf(errbuf, errlen, "allocations: not an array");
		goto out;
	}
	ents = calloc(json_array_size(list) + 1, sizeof(*ents));
	if (!ents) {
		e = -ENOMEM;
		goto out;
	}
	json_array_foreach(list, i, it) {
		if ((e = parse_entry(it, i, &ents[i], errbuf, errlen)) < 0)
			goto out;
	}
	if ((e = check_unique(ents, json_array_size(list), errbuf, errlen)) < 0)
		goto out;
	*ret_entries = ents;
	*ret_n = json_array_size(list);
	ents = NULL;
	e = 0;
out:
	free(ents);
	json_decref(doc);
	return e;
}

/* One journal line applied to work[0..*n) (room for one more). */
static int replay_line(json_t *o, size_t line, struct ipam_ckpt_entry *work, size_t *n,
		       char *errbuf, size_t errlen)
{
	const char *op = json_string_value(json_object_get(o, "op"));
	size_t where = (size_t)-1 - line, i;
	struct ipam_ckpt_entry ent = {0};
	int e;

	if (!op || (strcmp(op, "add") != 0 && strcmp(op, "del") != 0))
		return fail(errbuf, errlen, "not \"add\" or \"del\"", where, "op");
	if (op[0] == 'a')
		e = parse_entry(o, where, &ent, errbuf, errlen);
	else
		e = parse_key(o, where, &ent.key, errbuf, errlen);
	if (e < 0)
		return e;
	for (i = 0; i < *n && !same_key(&work[i].key, &ent.key); i++)
		;
	if (op[0] == 'a') {
		work[i] = ent;
		if (i == *n)
			(*n)++;
	} else if (i < *n) {
		memmove(&work[i], &work[i + 1], (*n - i - 1) * sizeof(*work));
		(*n)--;
	}
	return 0;
}

int ipam_ckpt_replay(const char *buf, size_t len, struct ipam_ckpt_entry **entries, size_t *n,
		     char *errbuf, size_t errlen)
{
	size_t lines = 0, wn = *n, line = 0;
	const char *p = buf, *end = buf + len, *nl;
	struct ipam_ckpt_entry *work;
	int e = 0;

	if (len > IPAM_CKPT_MAX_BYTES) {
		snprintf(errbuf, errlen, "journal larger than %u bytes", IPAM_CKPT_MAX_BYTES);
		return -EINVAL;
	}
	for (const char *q = buf; q < end && (nl = memchr(q, '\n', (size_t)(end - q))); q = nl + 1)
		lines++;
	work = malloc((wn + lines + 1) * sizeof(*work));
	if (!work)
		return -ENOMEM;
	if (wn)
		memcpy(work, *entries, wn * sizeof(*work));
	/* A last line without its newline was torn by a crash before it was acknowledged. */
	for (; p < end && (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1) {
		json_error_t jerr;
		json_t *o;

		line++;
		if (nl == p)
			continue;
		o = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, &jerr);
		if (!o || !json_is_object(o)) {
			snprintf(errbuf, errlen, "journal line %zu: not a JSON object%s%s", line,
				 o ? "" : ": ", o ? "" : jerr.text);
			json_decref(o);
			e = -EINVAL;
			break;
		}
		e = replay_line(o, line, work, &wn, errbuf, errlen);
		json_decref(o);
		if (e < 0)
			break;
	}
	if (e < 0) {
		free(work);
		return e;
	}
	free(*entries);
	*entries = work;
	*n = wn;
	return 0;
}

/* The whole file into *ret_buf (malloc'd); -ENOENT when it does not exist. */
static int slurp(const char *path, char **ret_buf, size_t *ret_len, char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	int e = 0;

	if (!f) {
		e = -errno;
		if (e != -ENOENT)
			snprintf(errbuf, errlen, "%s: %s", path, strerror(-e));
		return e;
	}
	FILE *mem = open_memstream(&buf, &len);
	char chunk[65536];
	size_t n;
	while (mem && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n > IPAM_CKPT_MAX_BYTES || fwrite(chunk, 1, n, mem) != n) {
			e = -EFBIG;
			break;
		}
		fflush(mem);
	}
	if (e == 0 && (!mem || ferror(f)))
		e = -EIO;
	fclose(f);
	if (mem)
		fclose(mem);
	if (e < 0) {
		snprintf(errbuf, errlen, "cannot read %s: %s", path, strerror(-e));
		free(buf);
		return e;
	}
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

int ipam_ckpt_read(const char *path, struct ipam_ckpt_entry **ret_entries, size_t *ret_n,
		   char *errbuf, size_t errlen)
{
	struct ipam_ckpt_entry *ents = NULL;
	char *buf = NULL, jpath[4096];
	size_t len = 0, n = 0;
	int e = slurp(path, &buf, &len, errbuf, errlen);

	if (e == 0)
		e = ipam_ckpt_parse(buf ? buf : "", len, &ents, &n, errbuf, errlen);
	else if (e == -ENOENT)
		e = 0; /* first start */
	free(buf);
	buf = NULL;
	if (e == 0 && (e = journal_path(path, jpath, sizeof(jpath))) < 0)
		snprintf(errbuf, errlen, "journal path: %s", strerror(-e));
	if (e == 0) {
		e = slurp(jpath, &buf, &len, errbuf, errlen);
		if (e == 0)
			e = ipam_ckpt_replay(buf ? buf : "", len, &ents, &n, errbuf, errlen);
		else if (e == -ENOENT)
			e = 0; /* no change since the snapshot, or the old format */
		free(buf);
	}
	if (e < 0) {
		free(ents);
		return e;
	}
	*ret_entries = ents;
	*ret_n = n;
	return 0;
}
