/*
 * vpcd: the openvpc control-plane daemon.
 *
 * Wires the EC2 Query API server (api/) to the SQLite store (store/): every
 * Region's model is loaded on first use, every mutating action is committed
 * before its answer.  The fabric (instances' namespaces and packets) does
 * not exist yet, so vpcd always runs the control plane alone; --no-fabric is
 * accepted for forward compatibility.
 *
 * This is the program layer: it parses flags, reads the credentials file,
 * holds the state directory's lock, logs one line per request to stderr and
 * waits for SIGINT/SIGTERM.  Exit status: 0 after a clean shutdown, 1 on a
 * start-up failure, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/server.h"
#include "fabric/fabric.h"
#include "fabric/svc.h"
#include "fabric/flowlog-sink.h"
#include "lib/model/ops-vpc.h"
#include "lib/util/util.h"
#include "store/store.h"

#define CREDENTIALS_FILE_MAX (1 << 20)

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vpcd --state-dir DIR [--listen ADDR:PORT] [--region R]\n"
		"            [--credentials FILE] [--account-id ID] [--no-fabric] [--no-fsync]\n"
		"            [--fabric-prefix P] [--fabric-teardown] [--public-pool CIDR]\n"
		"            [--flow-log-interval S] [--flow-log-delay S]\n"
		"            [--quota NAME=N]...\n"
		"\n"
		"Serve the EC2 Query API (version 2016-11-15) over HTTP, with state kept\n"
		"durably in DIR/vpcd.db (SQLite).\n"
		"\n"
		"  --listen ADDR:PORT   address to listen on (default 127.0.0.1:%d;\n"
		"                       IPv6 as [::1]:PORT)\n"
		"  --state-dir DIR      state directory (created if missing); required\n"
		"  --region R           Region for requests that carry no SigV4 scope\n"
		"                       (default %s); signed requests use their scope's Region\n"
		"  --credentials FILE   verify SigV4 signatures against the key pairs in FILE,\n"
		"                       one 'ACCESS_KEY_ID SECRET' per line ('#' comments);\n"
		"                       without it any well-formed signature is accepted\n"
		"  --account-id ID      12-digit account id (default %s)\n"
		"  --no-fabric          run the control plane only (no namespaces, no packets)\n"
		"  --no-fsync           answer a write once it is committed to SQLite's WAL in\n"
		"                       the kernel, without waiting for the disk: it survives\n"
		"                       kill -9 of vpcd, not a power cut or kernel crash (which\n"
		"                       may lose the last writes, never corrupt the state)\n"
		"  --fabric-prefix P    prefix of every namespace the fabric makes: instances\n"
		"                       are P<instance-id>, the fabric itself Pfabric\n"
		"                       (default: instances by ID, fabric 'openvpc-fabric')\n"
		"  --fabric-teardown    remove the fabric's namespaces and links on exit\n"
		"                       (default: leave them for the next vpcd to adopt)\n"
		"  --public-pool CIDR   where public IPs and Elastic IPs come from\n"
		"                       (default 198.51.100.0/24; /16 to /30)\n"
		"  --flow-log-interval S  aggregate flow-log records over S seconds instead of\n"
		"                       each flow log's MaxAggregationInterval (0: their own)\n"
		"  --flow-log-delay S   deliver flow-log objects S seconds after their first\n"
		"                       record (default 60; AWS takes a few minutes); files go to\n"
		"                       DIR/s3/<bucket>/[<prefix>/]AWSLogs/... and\n"
		"                       DIR/cloudwatch/<log-group>/<eni-id>\n"
		"  --quota NAME=N       raise (or lower) a Region quota, as AWS does on request:\n"
		"                       NAME a field of struct model_quotas (lib/model/ops.h),\n"
		"                       e.g. enis_per_region=10000; repeatable\n"
		"  -h, --help           this text\n"
		"\n"
		"In DIR: vpcd.db (the SQLite store), vpcd.lock (one vpcd per DIR), imds.key\n"
		"(signs IMDSv2 tokens), s3/ and cloudwatch/ (delivered flow logs).\n"
		"Logs to stderr, one line per request: action, HTTP status, error code, ms.\n"
		"SIGINT or SIGTERM stops it cleanly.  Exit status: 0 after a clean shutdown,\n"
		"1 when it cannot start, 2 bad usage.  Reference: docs/reference/vpcd.md.\n",
		API_DEFAULT_PORT, API_DEFAULT_REGION, API_DEFAULT_ACCOUNT);
}

static int parse_listen(const char *s, char *addr, size_t addr_size, uint16_t *port)
{
	const char *colon;
	long p;
	size_t alen;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		alen = (size_t)(end - s - 1);
		s++;
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		alen = (size_t)(colon - s);
	}
	if (alen == 0 || alen >= addr_size)
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (util_parse_long(colon + 1, 1, 65535, &p) < 0)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

static int read_file(const char *path, char **ret)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return -errno;
	buf = malloc(CREDENTIALS_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, CREDENTIALS_FILE_MAX + 1, f);
	fclose(f);
	if (n > CREDENTIALS_FILE_MAX) {
		free(buf);
		return -E2BIG;
	}
	buf[n] = '\0';
	*ret = buf;
	return 0;
}

/* ---- persistence adapters ------------------------------------------------------ */

/* What the persistence hooks see: the store, and the fabric of one Region. */
struct vpcd {
	struct store *st;
	struct fabric *fabric; /* NULL with --no-fabric */
	char fabric_region[MODEL_AZ_LEN];
	struct flowlog_sink *flowlogs; /* with the fabric */
	struct api_server *srv;	       /* for IMDS: the model of the fabric's Region */
	uint32_t flowlog_interval_s;
	uint64_t flowlog_delay_ms;
	bool verify_hints; /* OPENVPC_VERIFY_SAVE_HINTS: check every save hint (tests) */
};

static void fabric_log(const char *when, int r, const struct fabric_report *rep)
{
	const struct plumb_counts *c = &rep->plumb;

	if (r < 0) {
		fprintf(stderr, "vpcd: error: fabric (%s): %s\n", when, strerror(-r));
		return;
	}
	if (c->errors)
		fprintf(stderr, "vpcd: warning: fabric (%s): %u ENI(s) not plumbed, first: %s\n", when,
			c->errors, strerror(-c->first_error));
	if (rep->outside.errors)
		fprintf(stderr, "vpcd: warning: fabric (%s): %u gateway object(s) not built, first: %s\n",
			when, rep->outside.errors, strerror(-rep->outside.first_error));
	if (rep->started || c->ns_created || c->ns_removed || c->ports_created ||
	    c->ports_removed || c->ports_updated)
		fprintf(stderr,
			"vpcd: info: fabric (%s): instances +%u -%u =%u, ENIs +%u -%u ~%u =%u%s\n",
			when, c->ns_created, c->ns_removed, c->ns_unchanged, c->ports_created,
			c->ports_removed, c->ports_updated, c->ports_unchanged,
			rep->started ? ", data path started" : "");
}

static void fabric_sync(struct vpcd *d, const struct model *m, const char *when)
{
	struct fabric_report rep = {0};
	int r;

	if (!d->fabric || strcmp(m->region, d->fabric_region) != 0)
		return;
	/* The sink learns new flow logs before the data path can emit their records. */
	if (d->flowlogs && flowlog_sink_update(d->flowlogs, m) < 0)
		fprintf(stderr, "vpcd: error: flow logs (%s): out of memory, destinations not "
				"updated\n", when);
	r = fabric_apply(d->fabric, m, &rep);
	fabric_log(when, r, &rep);
}

static int persist_load(void *ud, const char *account_id, const char *region,
			struct model **ret_model, bool *ret_fresh)
{
	struct store *st = ((struct vpcd *)ud)->st;
	char **regions = NULL;
	size_t n = 0;
	bool fresh = true;
	int r;

	r = store_list_regions(st, &regions, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(regions[i], region) == 0)
			fresh = false;
		free(regions[i]);
	}
	free(regions);
	r = store_load_region(st, account_id, region, ret_model);
	if (r < 0)
		return r;
	*ret_fresh = fresh;
	return 0;
}

/* Save, then bring the fabric to the saved model (a fabric error never undoes the save). */
static int persist_save(void *ud, const struct model *m)
{
	struct vpcd *d = ud;
	int r = store_save_region(d->st, m);

	if (r == 0)
		fabric_sync(d, m, "change");
	return r;
}

/*
 * The same when the request said which objects it changed (api_set_touched).
 * With OPENVPC_VERIFY_SAVE_HINTS set (the integration tests set it), a full
 * save follows every hinted one: if it finds anything left to write, the
 * hint missed an object and vpcd aborts, so the test that made the request
 * fails instead of a write being lost silently later.  It aborts too when
 * the hint named an object the store could not place (the save fell back to
 * a full one: right, but the hint is wrong and its speed lost).
 */
static int persist_save_hint(void *ud, const struct model *m, const char *const *ids, size_t n_ids)
{
	struct vpcd *d = ud;
	int r = store_save_region_hint(d->st, m, ids, n_ids);

	if (r == 0 && d->verify_hints) {
		size_t missed;

		if (store_last_save_hint_unplaced(d->st)) {
			fprintf(stderr,
				"vpcd: fatal: a save hint (%zu ID(s), first %s) named an object "
				"that is neither in Region %s nor stored\n",
				n_ids, n_ids ? ids[0] : "-", m->region);
			abort();
		}
		r = store_save_region(d->st, m);
		missed = r == 0 ? store_last_save_changes(d->st) : 0;
		if (missed) {
			fprintf(stderr,
				"vpcd: fatal: a save hint (%zu ID(s), first %s) missed %zu "
				"row(s) of Region %s\n",
				n_ids, n_ids ? ids[0] : "-", missed, m->region);
			abort();
		}
	}
	if (r == 0)
		fabric_sync(d, m, "change");
	return r;
}

/* Group commit (store.h): every acknowledged write is fsynced, shared among writers. */
static int persist_sync(void *ud)
{
	return store_sync(((struct vpcd *)ud)->st);
}

static int persist_unsynced(void *ud)
{
	return store_sync_pending(((struct vpcd *)ud)->st);
}

/* Batches (store.h): the saves since the last commit, in one transaction. */
static int persist_commit(void *ud)
{
	return store_commit(((struct vpcd *)ud)->st);
}

static int persist_token_get(void *ud, const char *region, const char *token, char **ret_param_hash,
			     char **ret_response)
{
	return store_token_get(((struct vpcd *)ud)->st, region, token, ret_param_hash, ret_response);
}

static int persist_token_put(void *ud, const char *region, const char *token,
			     const char *param_hash, const char *response)
{
	return store_token_put(((struct vpcd *)ud)->st, region, token, param_hash, response);
}

/* A Region's first use: its default VPC (172.31.0.0/16, a /20 per AZ, IGW), as on AWS. */
static int region_init(void *ud, struct model *m, struct model_ctx *ctx, struct model_err *err)
{
	struct model_vpc *vpc;

	(void)ud;
	return model_op_create_default_vpc(m, ctx, &vpc, err);
}

/*
 * The fabric of the default Region: created, then brought to the stored
 * model (adopting what a previous vpcd left), before the API listens.
 */
/* IMDS reads the fabric Region's model under the API server's lock. */
static int imds_model(void *ud, void (*cb)(void *, const struct model *), void *cb_ud)
{
	struct vpcd *d = ud;

	if (!d->srv)
		return -EAGAIN; /* still starting */
	return api_server_with_model(d->srv, d->fabric_region, cb, cb_ud);
}

/*
 * The key that signs IMDSv2 tokens, kept in STATE_DIR/imds.key (0600) so
 * tokens issued before a restart stay valid until their TTL, as on EC2.
 * Created once (random, written to a temporary file, fsynced, renamed).
 */
static int imds_key_load(const char *state_dir, struct imds_key *ret_key)
{
	char path[4096], tmp[4096];
	struct imds_key k;
	ssize_t n;
	int fd, e = 0;

	if (snprintf(path, sizeof(path), "%s/imds.key", state_dir) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/imds.key.tmp", state_dir) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, k.bytes, sizeof(k.bytes));
		e = n < 0 ? -errno : 0;
		close(fd);
		if (n == (ssize_t)sizeof(k.bytes)) {
			*ret_key = k;
			return 0;
		}
		if (e < 0)
			return e;
		/* Short (a crash before rename cannot leave this; a hand edit can): make a new one. */
	} else if (errno != ENOENT) {
		return -errno;
	}
	if (getrandom(k.bytes, sizeof(k.bytes), 0) != (ssize_t)sizeof(k.bytes))
		return -EIO;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	errno = 0;
	if (write(fd, k.bytes, sizeof(k.bytes)) != (ssize_t)sizeof(k.bytes) || fsync(fd) < 0)
		e = errno ? -errno : -EIO;
	close(fd);
	if (e == 0 && rename(tmp, path) < 0)
		e = -errno;
	if (e < 0) {
		unlink(tmp);
		return e;
	}
	*ret_key = k;
	return 0;
}

static int start_fabric(struct vpcd *d, const char *prefix, const char *account,
			const char *region, const char *state_dir)
{
	struct flowlog_sink_config sc;
	struct fabric_config fc;
	struct imds_key key;
	char fabric_ns[128], svc_ns[128];
	struct model *m = NULL;
	bool fresh = true;
	int r;

	if (geteuid() != 0) {
		fprintf(stderr, "vpcd: the fabric needs root (it makes network namespaces): run as "
				"root, or pass --no-fabric for the API alone\n");
		return -EPERM;
	}
	fabric_config_default(&fc);
	if (prefix) {
		if (snprintf(fabric_ns, sizeof(fabric_ns), "%sfabric", prefix) >= (int)sizeof(fabric_ns)) {
			fprintf(stderr, "vpcd: --fabric-prefix is too long\n");
			return -EINVAL;
		}
		fc.ns_prefix = prefix;
		fc.fabric_ns = fabric_ns;
		snprintf(svc_ns, sizeof(svc_ns), "%ssvc", prefix);
		fc.svc_ns = svc_ns;
	}
	util_strscpy(d->fabric_region, region ? region : API_DEFAULT_REGION, sizeof(d->fabric_region));
	flowlog_sink_config_default(&sc);
	sc.state_dir = state_dir;
	sc.account_id = account ? account : API_DEFAULT_ACCOUNT;
	sc.region = d->fabric_region;
	sc.delay_ms = d->flowlog_delay_ms;
	r = flowlog_sink_new(&sc, &d->flowlogs);
	if (r < 0) {
		fprintf(stderr, "vpcd: cannot set up the flow-log sink: %s\n", strerror(-r));
		return r;
	}
	fc.flowlog_fn = flowlog_sink_record;
	fc.flowlog_userdata = d->flowlogs;
	fc.flowlog_interval_override_s = d->flowlog_interval_s;
	r = imds_key_load(state_dir, &key);
	if (r < 0)
		fprintf(stderr, "vpcd: warning: %s/imds.key: %s; IMDSv2 tokens will not survive a "
				"restart\n", state_dir, strerror(-r));
	else
		fc.imds_key = &key;
	r = fabric_new(&fc, &d->fabric);
	if (r < 0) {
		fprintf(stderr, "vpcd: bad fabric configuration (--fabric-prefix '%s'): %s\n",
			prefix ? prefix : "", strerror(-r));
		return r;
	}
	r = persist_load(d, account ? account : API_DEFAULT_ACCOUNT, d->fabric_region, &m, &fresh);
	if (r < 0) {
		fprintf(stderr, "vpcd: cannot load Region %s: %s\n", d->fabric_region, strerror(-r));
		return r;
	}
	fabric_set_model_source(d->fabric, imds_model, d);
	/* Even an empty Region: the fabric and service namespaces exist from the start. */
	fabric_sync(d, m, "start");
	model_free(m);
	return 0;
}

/*
 * vpcd's EC2 API for software on instances: the same server, also at
 * SVC_EC2_ADDR:80 inside the service namespace (reached through the fabric).
 */
static void listen_for_instances(struct vpcd *d)
{
	int fd, r;

	if (!d->fabric)
		return;
	fd = svc_listen(fabric_svc_ns(d->fabric), SVC_EC2_ADDR, 80);
	r = fd < 0 ? fd : api_server_listen_socket(d->srv, fd);
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "vpcd: warning: no EC2 endpoint for instances (169.254.169.250): %s\n",
			strerror(-r));
		return;
	}
	fprintf(stderr, "vpcd: info: EC2 endpoint for instances at http://169.254.169.250\n");
}

/*
 * Deliver the flow-log objects that are due (all of them with all), and
 * say so when a write failed since the last call.
 */
static void flowlogs_deliver(struct vpcd *d, bool all, uint64_t *errors_seen)
{
	struct flowlog_sink_stats st;
	struct timespec ts;
	int r;

	if (!d->flowlogs)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	r = all ? flowlog_sink_flush_all(d->flowlogs)
		: flowlog_sink_flush(d->flowlogs,
				     (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
	flowlog_sink_stats(d->flowlogs, &st);
	if (r < 0 || st.write_errors != *errors_seen)
		fprintf(stderr, "vpcd: error: flow logs: %" PRIu64 " write(s) failed, last: %s (%"
			PRIu64 " records dropped in all)\n", st.write_errors - *errors_seen,
			strerror(-st.last_error), st.records_dropped);
	*errors_seen = st.write_errors;
	if (all && st.records)
		fprintf(stderr, "vpcd: info: flow logs: %" PRIu64 " records, %" PRIu64
			" delivered in %" PRIu64 " objects, %" PRIu64 " dropped, %" PRIu64
			" without a usable destination\n", st.records, st.records_written,
			st.objects_written, st.records_dropped, st.records_undeliverable);
}

/*
 * The access log: one line per request, formatted into a buffer and
 * written with one write(2) per flush, which the API server calls after the
 * lines of each group of answers (a whole commit batch) and before sending
 * any of them (api_set_log_flush), so nothing is buffered while vpcd is idle
 * or after it stopped.  Loop threads and the commit thread both log.
 */
#define LOG_BUF_SIZE 16384
#define LOG_LINE_MAX 256

static struct {
	pthread_mutex_t lock;
	char buf[LOG_BUF_SIZE];
	size_t len;
} access_log = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void log_write_locked(void)
{
	size_t off = 0;

	while (off < access_log.len) {
		ssize_t n = write(STDERR_FILENO, access_log.buf + off, access_log.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* stderr is gone: drop the lines, as fprintf would */
		off += (size_t)n;
	}
	access_log.len = 0;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strnlen(s, 64);

	memcpy(p, s, n);
	return p + n;
}

static char *put_uint(char *p, unsigned long long v)
{
	char tmp[24];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* "vpcd: info: action=A status=S[ code=C] ms=M.MM\n" (as "%.2f", without printf). */
static void log_request(void *ud, const char *action, int status, const char *code, double ms)
{
	unsigned long long cs = ms > 0 && ms < 1e15 ? (unsigned long long)(ms * 100.0 + 0.5) : 0;
	char line[LOG_LINE_MAX], *p = line;

	(void)ud;
	p = put_str(p, "vpcd: info: action=");
	p = put_str(p, action);
	p = put_str(p, " status=");
	p = put_uint(p, (unsigned)status);
	if (*code) {
		p = put_str(p, " code=");
		p = put_str(p, code);
	}
	p = put_str(p, " ms=");
	p = put_uint(p, cs / 100);
	*p++ = '.';
	*p++ = (char)('0' + cs / 10 % 10);
	*p++ = (char)('0' + cs % 10);
	*p++ = '\n';
	pthread_mutex_lock(&access_log.lock);
	if (access_log.len + (size_t)(p - line) > sizeof(access_log.buf))
		log_write_locked();
	memcpy(access_log.buf + access_log.len, line, (size_t)(p - line));
	access_log.len += (size_t)(p - line);
	pthread_mutex_unlock(&access_log.lock);
}

static void log_flush(void *ud)
{
	(void)ud;
	pthread_mutex_lock(&access_log.lock);
	if (access_log.len)
		log_write_locked();
	pthread_mutex_unlock(&access_log.lock);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"state-dir", required_argument, NULL, 's'},
	    {"region", required_argument, NULL, 'r'},
	    {"credentials", required_argument, NULL, 'c'},
	    {"account-id", required_argument, NULL, 'a'},
	    {"no-fabric", no_argument, NULL, 'n'},
	    {"no-fsync", no_argument, NULL, 'F'},
	    {"fabric-prefix", required_argument, NULL, 'p'},
	    {"fabric-teardown", no_argument, NULL, 't'},
	    {"public-pool", required_argument, NULL, 'P'},
	    {"flow-log-interval", required_argument, NULL, 'I'},
	    {"flow-log-delay", required_argument, NULL, 'D'},
	    {"quota", required_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *listen = "127.0.0.1:8787", *state_dir = NULL, *region = NULL;
	const char *creds_path = NULL, *account = NULL, *fabric_prefix = NULL;
	bool no_fabric = false, fabric_teardown = false, no_fsync = false;
	struct vpcd d = {.flowlog_delay_ms = 60000};
	struct timespec tick = {.tv_sec = 1};
	uint64_t flowlog_errors = 0;
	long v;
	struct api_config cfg = {0};
	struct model_quotas quotas;
	struct api_credential *creds = NULL;
	struct api_server *srv = NULL;
	struct store *st = NULL;
	char addr[64], lock_path[4096];
	uint16_t port;
	sigset_t sigs;
	int c, r, sig, lock_fd = -1, ret = 1;

	model_quotas_default(&quotas);
	d.verify_hints = getenv("OPENVPC_VERIFY_SAVE_HINTS") != NULL;
	cfg.quotas = &quotas;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			r = api_quota_set(&quotas, optarg);
			if (r < 0) {
				fprintf(stderr, "vpcd: bad --quota '%s': %s (want NAME=N, N 1..%d)\n",
					optarg, r == -ENOENT ? "no such quota" : "bad value",
					API_QUOTA_MAX);
				return 2;
			}
			break;
		case 'l':
			listen = optarg;
			break;
		case 's':
			state_dir = optarg;
			break;
		case 'r':
			region = optarg;
			break;
		case 'c':
			creds_path = optarg;
			break;
		case 'a':
			account = optarg;
			break;
		case 'n':
			no_fabric = true;
			break;
		case 'F':
			no_fsync = true;
			break;
		case 'p':
			fabric_prefix = optarg;
			break;
		case 't':
			fabric_teardown = true;
			break;
		case 'P':
			if (net_cidr4_parse(optarg, &cfg.public_pool) < 0 || cfg.public_pool.len < 16 ||
			    cfg.public_pool.len > 30) {
				fprintf(stderr, "vpcd: --public-pool '%s' is not a CIDR from /16 to /30\n",
					optarg);
				return 2;
			}
			break;
		case 'I':
		case 'D':
			if (util_parse_long(optarg, 0, 86400, &v) < 0) {
				fprintf(stderr, "vpcd: bad --flow-log-%s '%s' (want 0..86400 "
						"seconds)\n", c == 'I' ? "interval" : "delay", optarg);
				usage(stderr);
				return 2;
			}
			if (c == 'I')
				d.flowlog_interval_s = (uint32_t)v;
			else
				d.flowlog_delay_ms = (uint64_t)v * 1000u;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !state_dir) {
		if (!state_dir)
			fprintf(stderr, "vpcd: --state-dir is required\n");
		usage(stderr);
		return 2;
	}
	if (parse_listen(listen, addr, sizeof(addr), &port) < 0) {
		fprintf(stderr, "vpcd: bad --listen '%s' (want ADDR:PORT)\n", listen);
		usage(stderr);
		return 2;
	}
	if (creds_path) {
		char *text = NULL;

		r = read_file(creds_path, &text);
		if (r == 0) {
			r = api_credentials_parse(text, &creds, &cfg.n_credentials);
			free(text);
		}
		if (r < 0) {
			fprintf(stderr, "vpcd: credentials file %s: %s\n", creds_path,
				strerror(-r));
			return 2;
		}
		if (cfg.n_credentials == 0) {
			fprintf(stderr, "vpcd: credentials file %s holds no key pair\n",
				creds_path);
			return 2;
		}
		cfg.credentials = creds;
	}
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "vpcd: cannot create %s: %m\n", state_dir);
		goto out;
	}
	snprintf(lock_path, sizeof(lock_path), "%s/vpcd.lock", state_dir);
	lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "vpcd: cannot lock %s (another vpcd running?): %m\n", lock_path);
		goto out;
	}
	r = store_open(state_dir, &st);
	if (r < 0) {
		fprintf(stderr, "vpcd: cannot open the store in %s: %s\n", state_dir, strerror(-r));
		goto out;
	}
	cfg.account_id = account;
	cfg.default_region = region;
	d.st = st;
	/*
	 * Block the signals before any thread exists (the data path's too), so
	 * that only the wait below takes them, then wait for them there.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (!no_fabric && start_fabric(&d, fabric_prefix, account, region, state_dir) < 0)
		goto out;
	cfg.persist = (struct api_persist){
	    .userdata = &d,
	    .load = persist_load,
	    .save = persist_save,
	    .save_hint = persist_save_hint,
	    .region_init = region_init,
	    .token_get = persist_token_get,
	    .token_put = persist_token_put,
	};
	r = store_set_group_commit(st);
	if (r == 0 && no_fsync)
		r = store_set_no_fsync(st);
	if (r == 0) {
		cfg.persist.sync = persist_sync;
		cfg.persist.unsynced = persist_unsynced;
		if (store_set_batch(st) == 0)
			cfg.persist.commit = persist_commit;
	} else {
		fprintf(stderr, "vpcd: warning: no group commit (%s): one fsync per write%s\n",
			strerror(-r), no_fsync ? " (--no-fsync ignored)" : "");
	}
	r = store_set_background_checkpoints(st, 0);
	if (r < 0)
		fprintf(stderr,
			"vpcd: warning: no background checkpoints (%s): SQLite "
			"checkpoints in the writing request\n",
			strerror(-r));
	r = api_server_new(&cfg, &srv);
	if (r < 0) {
		fprintf(stderr, "vpcd: bad configuration (account id or region): %s\n",
			strerror(-r));
		ret = 2;
		goto out;
	}
	api_set_log_callback(srv, log_request, NULL);
	api_set_log_flush(srv, log_flush);
	signal(SIGPIPE, SIG_IGN);
	r = api_server_listen(srv, addr, port);
	if (r < 0) {
		fprintf(stderr, "vpcd: cannot listen on %s: %s\n", listen, strerror(-r));
		goto out;
	}
	d.srv = srv;
	listen_for_instances(&d);
	fprintf(stderr, "vpcd: info: listening on %s, state in %s, account %s, %s\n", listen,
		state_dir, account ? account : API_DEFAULT_ACCOUNT,
		creds ? "SigV4 verified" : "SigV4 not verified (no --credentials)");
	/* Every second without a signal, deliver the flow-log objects that are due. */
	for (;;) {
		sig = sigtimedwait(&sigs, NULL, &tick);
		if (sig > 0)
			break;
		flowlogs_deliver(&d, false, &flowlog_errors);
	}
	fprintf(stderr, "vpcd: info: signal %d, shutting down\n", sig);
	api_server_stop(srv);
	ret = 0;
out:
	/* The fabric first: its IMDS server reads models through srv. */
	api_server_stop(srv);
	d.fabric = fabric_free(d.fabric, fabric_teardown);
	d.srv = NULL;
	srv = api_server_free(srv);
	log_flush(NULL); /* every line was flushed with its answer; nothing is left */
	/* The data path has stopped: nothing more arrives, deliver what is buffered. */
	flowlogs_deliver(&d, true, &flowlog_errors);
	d.flowlogs = flowlog_sink_free(d.flowlogs);
	st = store_close(st);
	if (creds)
		memset(creds, 0, cfg.n_credentials * sizeof(*creds));
	free(creds);
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}
