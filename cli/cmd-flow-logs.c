/*
 * cmd-flow-logs: `vpcctl flow-logs tail` — the flow-log objects vpcd wrote
 * under <state-dir>/s3 (fabric/flowlog-sink.h), gunzipped and printed in
 * time order: by the window in the object's name, then by delivery time
 * (mtime), then by name.  --follow polls every 500 ms and prints objects as
 * they appear.  Only S3 objects are read (CloudWatch stream files under
 * <state-dir>/cloudwatch are plain text already).
 *
 * A malformed object (not gzip, truncated, no header, a record that does
 * not match its header) gets one message on stderr naming the file; the
 * others are still printed and the exit status is 1.
 *
 * On a terminal (stderr) and with text output, a status line tells what
 * it is doing while it scans, and while --follow waits for new objects.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cli/cli-opts.h"
#include "cli/cmd-flow-logs.h"
#include "cli/flowlogs-render.h"
#include "cli/progress.h"

#define FL_MAX_OBJECTS 1000000
#define FL_LINE_MAX 8192

struct object {
	char *path;
	char window[16]; /* YYYYMMDDTHHmmZ */
	struct timespec mtime;
};

struct scan {
	const char *flow_log_id;
	const char *region_dir; /* "/vpcflowlogs/<region>/" */
	struct object *objs;
	size_t n, cap;
	int error;
};

/* The walk callback has no user pointer: one scan at a time. */
static struct scan *cur_scan;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vpcctl flow-logs tail [--state-dir DIR] [--region R] [--follow]\n"
		"                             [--flow-log-id ID] [--output text|json] [--quiet]\n"
		"\n"
		"Print the flow-log records vpcd delivered as S3 objects under\n"
		"DIR/s3/<bucket>/[<prefix>/]AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/,\n"
		"oldest first.\n"
		"\n"
		"  --state-dir DIR    vpcd's --state-dir (default $OPENVPC_STATE_DIR, else .)\n"
		"  --region R         only the objects of Region R (default: every Region)\n"
		"  --follow, -f       keep polling (every 500 ms) and print new objects until\n"
		"                     SIGINT or SIGTERM\n"
		"  --flow-log-id ID   only the objects of this flow log (fl-...)\n"
		"  --output FORMAT    text (aligned columns, default) or json (one object per\n"
		"                     record, keys the file's field names)\n"
		"  --quiet, -q        no progress on stderr (shown only on a terminal)\n"
		"  -h, --help         this text\n"
		"\n"
		"Exit status: 0, 1 when an object is malformed or DIR cannot be read (the\n"
		"others are still printed), 2 bad usage.\n");
}

/* "<acct>_vpcflowlogs_<region>_<fl-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz" -> fl-id, window. */
static bool parse_name(const char *name, char *fl_id, size_t fl_size, char *window,
		       size_t window_size)
{
	char stem[512], *hash, *win, *id;
	size_t len = strlen(name);

	if (len < 8 || len - 7 >= sizeof(stem) || strcmp(name + len - 7, ".log.gz") != 0 ||
	    !strstr(name, "_vpcflowlogs_"))
		return false;
	memcpy(stem, name, len - 7);
	stem[len - 7] = '\0';
	if (!(hash = strrchr(stem, '_')))
		return false;
	*hash = '\0';
	if (!(win = strrchr(stem, '_')))
		return false;
	*win++ = '\0';
	if (!(id = strrchr(stem, '_')))
		return false;
	id++;
	if (strlen(win) != 14 || win[8] != 'T' || win[13] != 'Z' || strlen(win) >= window_size ||
	    strlen(id) >= fl_size || strncmp(id, "fl-", 3) != 0)
		return false;
	strcpy(window, win);
	strcpy(fl_id, id);
	return true;
}

static int visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	struct scan *sc = cur_scan;
	const char *name = path + ftw->base;
	char fl_id[128], window[32];
	struct object *o;

	if (type != FTW_F || name[0] == '.' || !strstr(path, "/vpcflowlogs/"))
		return 0;
	if (sc->region_dir && !strstr(path, sc->region_dir))
		return 0;
	if (!parse_name(name, fl_id, sizeof(fl_id), window, sizeof(window)))
		return 0;
	if (sc->flow_log_id && strcmp(fl_id, sc->flow_log_id) != 0)
		return 0;
	if (sc->n == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 64;
		struct object *objs;

		if (cap > FL_MAX_OBJECTS) {
			sc->error = -E2BIG;
			return 1;
		}
		objs = realloc(sc->objs, cap * sizeof(*objs));
		if (!objs) {
			sc->error = -ENOMEM;
			return 1;
		}
		sc->objs = objs;
		sc->cap = cap;
	}
	o = &sc->objs[sc->n];
	o->path = strdup(path);
	if (!o->path) {
		sc->error = -ENOMEM;
		return 1;
	}
	memcpy(o->window, window, sizeof(o->window));
	o->mtime = sb->st_mtim;
	sc->n++;
	return 0;
}

static int object_cmp(const void *a, const void *b)
{
	const struct object *x = a, *y = b;
	int c = strcmp(x->window, y->window);

	if (c)
		return c;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->path, y->path);
}

static void scan_done(struct scan *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		free(sc->objs[i].path);
	free(sc->objs);
	sc->objs = NULL;
	sc->n = sc->cap = 0;
}

/* Every object below root (sorted); 0 or a negative errno (a missing root is no error). */
static int scan(const char *root, const char *flow_log_id, const char *region_dir, struct scan *sc)
{
	struct stat st;

	memset(sc, 0, sizeof(*sc));
	sc->flow_log_id = flow_log_id;
	sc->region_dir = region_dir;
	if (stat(root, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	cur_scan = sc;
	if (nftw(root, visit, 32, FTW_PHYS) < 0 && !sc->error)
		sc->error = -errno;
	cur_scan = NULL;
	if (sc->error) {
		int r = sc->error;

		scan_done(sc);
		return r;
	}
	if (sc->n > 1)
		qsort(sc->objs, sc->n, sizeof(*sc->objs), object_cmp);
	return 0;
}

/* Print one object's records; false (with a message) when it is malformed. */
static bool print_object(const char *path, bool json, bool *title_done)
{
	char line[FL_LINE_MAX], out[FL_LINE_MAX * 2];
	struct flr_header h;
	gzFile f = gzopen(path, "rb");
	const char *why = NULL;
	unsigned long lineno = 1;
	int err = Z_OK, r;

	if (!f) {
		fprintf(stderr, "vpcctl flow-logs: %s: %s\n", path, strerror(errno ? errno : EIO));
		return false;
	}
	if (!gzgets(f, line, sizeof(line)) || gzdirect(f)) {
		why = gzdirect(f) ? "not a gzip object" : "empty or unreadable";
		goto bad;
	}
	if (flr_header_parse(line, &h) < 0) {
		why = "no header line of field names";
		goto bad;
	}
	while (gzgets(f, line, sizeof(line))) {
		lineno++;
		if (line[0] == '\n' || line[0] == '\0')
			continue;
		r = json ? flr_render_json(&h, line, out, sizeof(out))
			 : flr_render_text(&h, line, out, sizeof(out));
		if (r < 0) {
			fprintf(stderr, "vpcctl flow-logs: %s: line %lu does not match the header\n",
				path, lineno);
			flr_header_done(&h);
			gzclose(f);
			return false;
		}
		if (!json && !*title_done) {
			printf("%s\n", flr_text_title());
			*title_done = true;
		}
		printf("%s\n", out);
	}
	flr_header_done(&h);
	gzerror(f, &err);
	if (err != Z_OK && err != Z_STREAM_END) {
		why = "truncated or corrupt gzip data";
		goto bad;
	}
	gzclose(f);
	fflush(stdout);
	return true;
bad:
	fprintf(stderr, "vpcctl flow-logs: %s: malformed object (%s), skipped\n", path, why);
	gzclose(f);
	return false;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static bool seen_has(char **seen, size_t n, const char *path)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(path, seen[mid]);

		if (c == 0)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct tail_opts {
	const char *state_dir, *flow_log_id, *region;
	bool follow, json, quiet;
};

static int tail(const struct tail_opts *o)
{
	char root[4096], region_dir[128];
	struct progress prog;
	char **seen = NULL;
	size_t n_seen = 0;
	bool title_done = false, any_bad = false, first = true, waiting = false;
	int rc = 0;

	if (snprintf(root, sizeof(root), "%s/s3", o->state_dir) >= (int)sizeof(root))
		return cli_usage_error("flow-logs tail", "--state-dir is too long");
	if (o->region && snprintf(region_dir, sizeof(region_dir), "/vpcflowlogs/%s/", o->region) >=
			     (int)sizeof(region_dir))
		return cli_usage_error("flow-logs tail", "--region is too long");
	progress_init(&prog, o->quiet, o->json);
	if (o->follow) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
	}
	do {
		struct scan sc;
		size_t added = 0;
		char **grown;
		int r;

		if (first)
			progress_show(&prog, "flow-logs", "scanning %s", root);
		first = false;
		r = scan(root, o->flow_log_id, o->region ? region_dir : NULL, &sc);
		if (r < 0) {
			progress_clear(&prog);
			fprintf(stderr, "vpcctl flow-logs: %s: %s\n", root, strerror(-r));
			rc = 1;
			break;
		}
		grown = sc.n ? realloc(seen, (n_seen + sc.n) * sizeof(*seen)) : seen;
		if (sc.n && !grown) {
			scan_done(&sc);
			progress_clear(&prog);
			fprintf(stderr, "vpcctl flow-logs: out of memory\n");
			rc = 1;
			break;
		}
		seen = grown;
		for (size_t i = 0; i < sc.n && !stop; i++) {
			if (seen_has(seen, n_seen, sc.objs[i].path))
				continue;
			progress_clear(&prog);
			waiting = false;
			if (!print_object(sc.objs[i].path, o->json, &title_done))
				any_bad = true;
			seen[n_seen + added++] = sc.objs[i].path;
			sc.objs[i].path = NULL;
		}
		n_seen += added;
		if (added)
			qsort(seen, n_seen, sizeof(*seen), str_cmp);
		scan_done(&sc);
		fflush(stdout);
		if (o->follow && !stop) {
			struct timespec ts = {.tv_nsec = 500 * 1000 * 1000};

			if (!waiting)
				progress_show(
				    &prog, "flow-logs",
				    "waiting for new objects under %s (%zu so far; Ctrl-C "
				    "stops)",
				    root, n_seen);
			waiting = true;
			nanosleep(&ts, NULL);
		}
	} while (o->follow && !stop);
	progress_clear(&prog);
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i]);
	free(seen);
	if (rc == 0 && any_bad)
		rc = 1;
	return rc;
}

int flow_logs_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"state-dir", required_argument, NULL, 'D'},
	    {"region", required_argument, NULL, 'R'},
	    {"follow", no_argument, NULL, 'f'},
	    {"flow-log-id", required_argument, NULL, 'i'},
	    {"output", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct tail_opts o = {.state_dir = getenv("OPENVPC_STATE_DIR")};
	int c;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc < 2)
		return cli_usage_error("flow-logs", "a command is required: tail");
	if (strcmp(argv[1], "tail") != 0)
		return cli_usage_error("flow-logs", "unknown %s \"%s\" (the only command is tail)",
				       argv[1][0] == '-' ? "option" : "command", argv[1]);
	argc--;
	argv++;
	CLI_GETOPT_RESET();
	while ((c = getopt_long(argc, argv, ":fhq", opts, NULL)) != -1) {
		switch (c) {
		case 'D':
			o.state_dir = optarg;
			break;
		case 'R':
			o.region = optarg;
			break;
		case 'f':
			o.follow = true;
			break;
		case 'i':
			o.flow_log_id = optarg;
			break;
		case 'o':
			if (cli_output_parse("flow-logs tail", optarg, &o.json) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option("flow-logs tail", c, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("flow-logs tail", "unexpected argument \"%s\"",
				       argv[optind]);
	if (!o.state_dir || !*o.state_dir)
		o.state_dir = ".";
	return tail(&o);
}
