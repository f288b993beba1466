/*
 * Durability under kill -9.
 *
 * A child process runs a stream of saves.  Save number K (K = 1, 2, ...)
 * makes the model equal to state(K):
 *
 *   - VPCs "vpc-seq-<i>" for K - WINDOW < i <= K (each save adds one and,
 *     past the window, deletes the oldest), tagged seq = i;
 *   - "vpc-counter" tagged seq = K;
 *   - "vpc-payload" with a large tag that changes every save (so a save
 *     spans several database pages), tagged seq = K.
 *
 * After store_save_region() returns 0 the child writes K to a pipe.  The
 * parent kills the child with SIGKILL at a pseudo-random moment (fixed
 * seed), reopens the store and checks that what is stored is exactly
 * state(K) for one K with last_acknowledged <= K <= last_acknowledged + 1
 * (the save in flight may or may not have committed): every acknowledged
 * save is there, and no save is there in part.  The same again in
 * group-commit mode (store_set_group_commit), where the child acknowledges
 * after store_sync(), and a third time in batch mode (store_set_batch, as
 * vpcd runs): two numbered saves and, between them, a save that fails
 * (a duplicate ID) share one transaction; the child acknowledges both after
 * store_commit() and store_sync().  The stored state must then be an even
 * K (a batch is atomic, the failed save took nothing with it).
 *
 * The same with background checkpoints (store_set_background_checkpoints,
 * with a threshold of a few pages so that kills land in checkpoints and WAL
 * restarts), and with them and store_set_no_fsync (vpcd --no-fsync): every
 * acknowledged save survives kill -9 there too.  Background checkpoints keep
 * the WAL file small under a stream of saves.
 *
 * Group commit with threads: concurrent writers, each saving under the
 * caller's lock and syncing outside it as vpcd does, all get 0, share
 * fdatasyncs, and every acknowledged save is on disk after a reopen;
 * without group commit store_sync() has nothing to do.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/checkpointer.h"
#include "tests/unit/store/fixture.h"
#include "tests/unit/store/helpers.h"

#define WINDOW	     10
#define PAYLOAD_SIZE 12000
#define TRIALS	     6

static void payload_text(char *buf, size_t size, uint32_t k)
{
	for (size_t i = 0; i + 1 < size; i++)
		buf[i] = (char)('a' + (k + i * 7) % 26);
	buf[size - 1] = '\0';
}

static void set_seq(struct model_vpc *vpc, uint32_t k)
{
	char v[16];

	snprintf(v, sizeof(v), "%u", k);
	if (model_tags_set(&vpc->tags, "seq", v) < 0)
		_exit(3);
}

static struct model_vpc *add_vpc(struct model *m, const char *id)
{
	struct model_vpc *vpc = model_add_vpc(m);

	if (!vpc)
		_exit(3);
	util_strscpy(vpc->id, id, sizeof(vpc->id));
	vpc->state = MODEL_STATE_AVAILABLE;
	if (model_vpc_add_cidr(vpc, "vpc-cidr-assoc-x", (struct net_cidr4){0x0a000000, 16}) < 0)
		_exit(3);
	return vpc;
}

/*
 * The child: saves forever until killed.  Never returns.  The modes from
 * BATCH on commit in batches; VPCD adds background checkpoints (with a small
 * threshold, so that kills land in checkpoints and WAL restarts), NOFSYNC
 * also turns store_sync()'s fdatasync off (vpcd --no-fsync).
 */
enum mode { PLAIN, GROUP, BATCH, VPCD, NOFSYNC };

#define CHECKPOINT_PAGES 4

static void writer(const char *dir, int fd, enum mode mode)
{
	static char payload[PAYLOAD_SIZE];
	struct store *s;
	struct model *m;
	struct model_vpc *counter, *big;

	if (store_open(dir, &s) < 0 || store_load_region(s, "123456789012", "us-east-1", &m) < 0)
		_exit(2);
	if (mode != PLAIN && store_set_group_commit(s) < 0)
		_exit(2);
	if (mode >= BATCH && store_set_batch(s) < 0)
		_exit(2);
	if (mode >= VPCD && store_set_background_checkpoints(s, CHECKPOINT_PAGES) < 0)
		_exit(2);
	if (mode == NOFSYNC && store_set_no_fsync(s) < 0)
		_exit(2);
	counter = add_vpc(m, "vpc-counter");
	big = add_vpc(m, "vpc-payload");
	for (uint32_t k = 1;; k++) {
		char id[MODEL_ID_LEN];

		/* counter and big stay valid: only vpc-seq-* objects are removed. */
		snprintf(id, sizeof(id), "vpc-seq-%08u", k);
		set_seq(add_vpc(m, id), k);
		if (k > WINDOW) {
			snprintf(id, sizeof(id), "vpc-seq-%08u", k - WINDOW);
			if (model_remove_vpc(m, id) != 1)
				_exit(4);
		}
		set_seq(counter, k);
		set_seq(big, k);
		payload_text(payload, sizeof(payload), k);
		if (model_tags_set(&big->tags, "payload", payload) < 0)
			_exit(3);
		if (store_save_region(s, m) < 0)
			_exit(5);
		if (mode >= BATCH && k % 2) {
			/* A failing save in the middle of the batch: its own error only. */
			FX_SET(model_add_subnet(m)->id, "vpc-counter");
			if (store_save_region(s, m) != -EEXIST)
				_exit(8);
			if (model_remove_subnet(m, "vpc-counter") != 1)
				_exit(8);
			continue; /* k is acknowledged with k + 1 */
		}
		if (mode >= BATCH && store_commit(s) < 0)
			_exit(9);
		if (store_sync(s) < 0)
			_exit(7);
		for (uint32_t a = mode >= BATCH ? k - 1 : k; a <= k; a++)
			if (write(fd, &a, sizeof(a)) != sizeof(a))
				_exit(6);
	}
}

static uint32_t tag_seq(const struct model_vpc *vpc)
{
	const char *v = vpc ? model_tags_get(&vpc->tags, "seq") : NULL;
	long x;

	cr_assert(v, "seq tag missing");
	cr_assert_eq(util_parse_long(v, 0, UINT32_MAX, &x), 0);
	return (uint32_t)x;
}

/* The stored model must be exactly state(k) for some k; returns k. */
static uint32_t check_state(const struct model *m)
{
	static char payload[PAYLOAD_SIZE];
	const struct model_vpc *counter = model_find_vpc(m, "vpc-counter");
	const struct model_vpc *big = model_find_vpc(m, "vpc-payload");
	uint32_t k, lo, n = 0;

	cr_assert(counter && big, "fixed objects missing");
	k = tag_seq(counter);
	cr_assert_eq(tag_seq(big), k, "payload at %u, counter at %u", tag_seq(big), k);
	payload_text(payload, sizeof(payload), k);
	cr_assert_str_eq(model_tags_get(&big->tags, "payload"), payload, "torn payload");
	lo = k > WINDOW ? k - WINDOW + 1 : 1;
	for (size_t i = 0; i < m->n_vpcs; i++) {
		const struct model_vpc *v = m->vpcs[i];
		unsigned long x;

		if (v == counter || v == big)
			continue;
		cr_assert_eq(sscanf(v->id, "vpc-seq-%lu", &x), 1, "stray object %s", v->id);
		cr_assert(x >= lo && x <= k, "%s present in state %u", v->id, k);
		cr_assert_eq(tag_seq(v), x);
		n++;
	}
	cr_assert_eq(n, k - lo + 1, "state %u holds %u of its %u VPCs", k, n, k - lo + 1);
	return k;
}

/* Read acknowledgements until at least `until` or EOF; returns the last. */
static uint32_t read_acks(int fd, uint32_t last, uint32_t until)
{
	uint32_t k;

	while (last < until) {
		ssize_t r = read(fd, &k, sizeof(k));

		if (r == 0)
			break;
		cr_assert_eq(r, (ssize_t)sizeof(k), "short read from the pipe");
		cr_assert_eq(k, last + 1, "acknowledgements out of order");
		last = k;
	}
	return last;
}

static void kill_trials(enum mode mode)
{
	const char *env = getenv("STORE_DURABILITY_TRIALS");
	long trials = TRIALS;
	struct util_rng rng;
	unsigned landed_inside = 0;

	/* More trials on demand (e.g. STORE_DURABILITY_TRIALS=300), same seed. */
	if (env)
		cr_assert_eq(util_parse_long(env, 1, 100000, &trials), 0, "bad trial count");
	util_rng_seed(&rng, 20261126);
	for (long trial = 0; trial < trials; trial++) {
		char *dir = th_tmpdir();
		struct store *s;
		struct model *m;
		int fds[2], status;
		uint32_t acked, stored;
		pid_t pid;
		struct timespec delay;

		cr_assert_eq(pipe(fds), 0);
		pid = fork();
		cr_assert_geq(pid, 0);
		if (pid == 0) {
			close(fds[0]);
			writer(dir, fds[1], mode);
		}
		close(fds[1]);
		/* Let it get going, then kill it at a random point. */
		acked = read_acks(fds[0], 0, 3 + (uint32_t)util_rng_below(&rng, 20));
		cr_assert_geq(acked, 3, "the writer died early");
		delay.tv_sec = 0;
		delay.tv_nsec = (long)util_rng_below(&rng, 30 * 1000 * 1000);
		nanosleep(&delay, NULL);
		cr_assert_eq(kill(pid, SIGKILL), 0);
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			  "the writer exited by itself (status %d)", status);
		/* Acknowledgements still in the pipe were sent before the kill. */
		acked = read_acks(fds[0], acked, UINT32_MAX);
		close(fds[0]);

		cr_assert_eq(store_open(dir, &s), 0);
		cr_assert_eq(store_load_region(s, NULL, "us-east-1", &m), 0);
		stored = check_state(m);
		cr_assert(stored == acked || stored == acked + 1 ||
			      (mode >= BATCH && stored == acked + 2),
			  "trial %ld: acknowledged %u, stored %u", trial, acked, stored);
		cr_assert(mode < BATCH || stored % 2 == 0, "trial %ld: a batch stored in part (%u)",
			  trial, stored);
		landed_inside += stored == acked + 1;
		model_free(m);
		store_close(s);

		sqlite3 *db = th_db(dir);
		char *ok = th_rows(db, "PRAGMA integrity_check");
		cr_assert_str_eq(ok, "ok\n");
		free(ok);
		sqlite3_close(db);
		cr_log_info("trial %ld: killed after %u acknowledged saves, stored state %u", trial,
			    acked, stored);
		th_rmdir(dir);
	}
	cr_log_info("%ld trials, %u killed after a commit but before its acknowledgement", trials,
		    landed_inside);
}

Test(durability, kill_9_loses_nothing_acknowledged_and_tears_nothing, .timeout = 240)
{
	kill_trials(PLAIN);
}

Test(durability, group_commit_kill_9_loses_nothing_acknowledged)
{
	kill_trials(GROUP);
}

Test(durability, batch_kill_9_loses_nothing_acknowledged_and_tears_no_batch, .timeout = 240)
{
	kill_trials(BATCH);
}

Test(durability, background_checkpoints_kill_9_loses_nothing_acknowledged, .timeout = 240)
{
	kill_trials(VPCD);
}

Test(durability, no_fsync_kill_9_loses_nothing_acknowledged, .timeout = 240)
{
	kill_trials(NOFSYNC);
}

#define THREADS		8
#define SAVES_PER_THREAD 25

struct shared {
	pthread_mutex_t lock; /* the store and the model, as vpcd's server mutex */
	struct store *s;
	struct model *m;
	int failures;
};

struct worker {
	struct shared *sh;
	int index;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;

	for (int k = 0; k < SAVES_PER_THREAD; k++) {
		struct model_vpc *vpc;
		int r = 0;

		pthread_mutex_lock(&sh->lock);
		vpc = model_add_vpc(sh->m);
		if (!vpc) {
			r = -1;
		} else {
			snprintf(vpc->id, sizeof(vpc->id), "vpc-t%d-%03d", w->index, k);
			vpc->state = MODEL_STATE_AVAILABLE;
			if (model_vpc_add_cidr(vpc, "vpc-cidr-assoc-x",
					       (struct net_cidr4){0x0a000000, 16}) < 0 ||
			    store_save_region(sh->s, sh->m) < 0)
				r = -1;
		}
		pthread_mutex_unlock(&sh->lock);
		if (r == 0 && store_sync(sh->s) < 0)
			r = -1;
		if (r < 0) {
			pthread_mutex_lock(&sh->lock);
			sh->failures++;
			pthread_mutex_unlock(&sh->lock);
		}
	}
	return NULL;
}

Test(group_commit, concurrent_writers_share_fsyncs_and_lose_nothing)
{
	char *dir = th_tmpdir();
	struct shared sh = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct worker w[THREADS];
	pthread_t t[THREADS];
	uint64_t syncs;
	struct model *back;

	cr_assert_eq(store_open(dir, &sh.s), 0);
	cr_assert_eq(store_load_region(sh.s, "123456789012", "us-east-1", &sh.m), 0);
	cr_assert_eq(store_set_group_commit(sh.s), 0);
	cr_assert_eq(store_set_group_commit(sh.s), 0, "a second call is a no-op");
	cr_assert_eq(store_sync(sh.s), 0, "nothing to sync yet");
	cr_assert_eq(store_sync_count(sh.s), 0);
	cr_assert(!store_sync_pending(sh.s));
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){&sh, i};
		cr_assert_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	cr_assert_eq(sh.failures, 0);
	syncs = store_sync_count(sh.s);
	cr_log_info("%d acknowledged saves, %llu fdatasyncs", THREADS * SAVES_PER_THREAD,
		    (unsigned long long)syncs);
	cr_assert_gt(syncs, 0);
	cr_assert_lt(syncs, THREADS * SAVES_PER_THREAD, "no fsync was shared");
	/* Everything is synced: another call runs no fdatasync. */
	cr_assert(!store_sync_pending(sh.s));
	cr_assert_eq(store_sync(sh.s), 0);
	cr_assert_eq(store_sync_count(sh.s), syncs);
	/* One more commit is pending until a sync covers it. */
	{
		struct model_vpc *vpc = model_add_vpc(sh.m);

		cr_assert(vpc);
		util_strscpy(vpc->id, "vpc-pending", sizeof(vpc->id));
		vpc->state = MODEL_STATE_AVAILABLE;
		cr_assert_eq(model_vpc_add_cidr(vpc, "vpc-cidr-assoc-p",
						(struct net_cidr4){0x0a000000, 16}),
			     0);
	}
	cr_assert_eq(store_save_region(sh.s, sh.m), 0);
	cr_assert(store_sync_pending(sh.s), "a commit no fdatasync covered");
	cr_assert_eq(store_sync(sh.s), 0);
	cr_assert(!store_sync_pending(sh.s));
	cr_assert_eq(store_sync_count(sh.s), syncs + 1);
	model_free(sh.m);
	store_close(sh.s);

	cr_assert_eq(store_open(dir, &sh.s), 0);
	cr_assert_eq(store_load_region(sh.s, NULL, "us-east-1", &back), 0);
	cr_assert_eq(back->n_vpcs, THREADS * SAVES_PER_THREAD + 1);
	for (int i = 0; i < THREADS; i++)
		for (int k = 0; k < SAVES_PER_THREAD; k++) {
			char id[MODEL_ID_LEN];

			snprintf(id, sizeof(id), "vpc-t%d-%03d", i, k);
			cr_assert(model_find_vpc(back, id), "%s missing", id);
		}
	model_free(back);
	store_close(sh.s);
	th_rmdir(dir);
}

Test(group_commit, off_by_default)
{
	char *dir = th_tmpdir();
	struct store *s;
	struct model *m;
	struct model_vpc *vpc;

	cr_assert_eq(store_open(dir, &s), 0);
	cr_assert_eq(store_load_region(s, "123456789012", "us-east-1", &m), 0);
	vpc = model_add_vpc(m);
	cr_assert(vpc);
	util_strscpy(vpc->id, "vpc-1", sizeof(vpc->id));
	vpc->state = MODEL_STATE_AVAILABLE;
	cr_assert_eq(model_vpc_add_cidr(vpc, "vpc-cidr-assoc-1", (struct net_cidr4){0x0a000000, 16}),
		     0);
	cr_assert_eq(store_save_region(s, m), 0);
	/* COMMIT already fsynced (synchronous=FULL): store_sync has nothing to do. */
	cr_assert(!store_sync_pending(s));
	cr_assert(!store_sync_pending(NULL));
	cr_assert_eq(store_sync(s), 0);
	cr_assert_eq(store_sync_count(s), 0);
	cr_assert_eq(store_sync(NULL), -EINVAL);
	cr_assert_eq(store_set_group_commit(NULL), -EINVAL);
	model_free(m);
	store_close(s);
	th_rmdir(dir);
}

/*
 * Background checkpoints (vpcd's mode, with and without fsync): a stream of
 * batched saves of several pages each keeps the WAL file near the restart
 * size (16 times the threshold) instead of growing with every save, the
 * checkpointer ran, no fdatasync ran with --no-fsync, and a reopen holds
 * the last save.
 */
static void checkpoint_stream(bool no_fsync)
{
	static char payload[PAYLOAD_SIZE];
	const uint32_t saves = 600;
	char *dir = th_tmpdir();
	char wal[4096];
	struct store *s;
	struct model *m;
	struct model_vpc *big;
	struct stat st;
	off_t wal_max = 0;

	snprintf(wal, sizeof(wal), "%s/vpcd.db-wal", dir);
	cr_assert_eq(store_open(dir, &s), 0);
	cr_assert_eq(store_load_region(s, "123456789012", "us-east-1", &m), 0);
	cr_assert_eq(store_set_group_commit(s), 0);
	cr_assert_eq(store_set_batch(s), 0);
	if (no_fsync)
		cr_assert_eq(store_set_no_fsync(s), 0);
	cr_assert_eq(store_set_background_checkpoints(s, CHECKPOINT_PAGES), 0);
	cr_assert_eq(store_set_background_checkpoints(s, CHECKPOINT_PAGES), 0, "a no-op");
	big = add_vpc(m, "vpc-payload");
	for (uint32_t k = 1; k <= saves; k++) {
		set_seq(big, k);
		payload_text(payload, sizeof(payload), k);
		cr_assert_eq(model_tags_set(&big->tags, "payload", payload), 0);
		cr_assert_eq(store_save_region(s, m), 0);
		cr_assert_eq(store_commit(s), 0);
		cr_assert_eq(store_sync(s), 0);
		cr_assert(!store_sync_pending(s));
		cr_assert_eq(stat(wal, &st), 0);
		if (st.st_size > wal_max)
			wal_max = st.st_size;
	}
	/*
	 * Each save writes its 12 kB row, 4 pages at least: 2,400 frames and more
	 * without a restart.  With them the WAL holds 64 frames (16 times the
	 * threshold) plus what was written while a background checkpoint ran
	 * (the committing connection's own finds the checkpoint lock taken):
	 * timing, so the bound is loose, half of it.  (A quarter failed once in
	 * CI at 2.67 MB, with the suite's other tests running on both CPUs: the
	 * checkpointer thread gets the CPU late.  Without restarts it is 9.9 MB.)
	 */
	cr_assert_lt(wal_max, (off_t)saves * 2 * (4096 + 24) + 32, "the WAL grew to %lld bytes",
		     (long long)wal_max);
	cr_log_info("%s: %u saves, the WAL at most %lld bytes, %llu background checkpoints",
		    no_fsync ? "no fsync" : "fsync", saves, (long long)wal_max,
		    (unsigned long long)store_checkpoint_count(s));
	cr_assert_gt(store_checkpoint_count(s), 0, "no background checkpoint ran");
	cr_assert_eq(store_checkpoint(s), 0);
	if (no_fsync)
		cr_assert_eq(store_sync_count(s), 0, "store_sync() fdatasynced");
	else
		cr_assert_gt(store_sync_count(s), 0);
	model_free(m);
	store_close(s);

	cr_assert_eq(store_open(dir, &s), 0);
	cr_assert_eq(store_load_region(s, NULL, "us-east-1", &m), 0);
	cr_assert_eq(tag_seq(model_find_vpc(m, "vpc-payload")), saves);
	cr_assert_eq(store_checkpoint(s), -EINVAL, "no background checkpoints here");
	cr_assert_eq(store_checkpoint_count(s), 0);
	cr_assert_eq(store_set_background_checkpoints(s, 1001), -EINVAL);
	cr_assert_eq(store_set_background_checkpoints(NULL, 0), -EINVAL);
	cr_assert_eq(store_set_no_fsync(s), -EINVAL, "needs group commit");
	model_free(m);
	store_close(s);
	th_rmdir(dir);
}

Test(checkpoints, background_checkpoints_keep_the_wal_small)
{
	checkpoint_stream(false);
}

Test(checkpoints, no_fsync_never_fdatasyncs_and_keeps_the_wal_small)
{
	checkpoint_stream(true);
}

Test(checkpoints, the_checkpointer_refuses_bad_arguments_and_accepts_null)
{
	struct store_checkpointer *cp = NULL;
	char *dir = th_tmpdir();
	char path[4096];

	cr_assert_eq(store_checkpointer_start(NULL, &cp), -EINVAL);
	cr_assert_eq(store_checkpointer_start("/nonexistent/vpcd.db", NULL), -EINVAL);
	snprintf(path, sizeof(path), "%s/missing/vpcd.db", dir);
	cr_assert_lt(store_checkpointer_start(path, &cp), 0, "no such database");
	cr_assert_null(cp, "nothing returned on failure");
	cr_assert_null(store_checkpointer_stop(NULL));
	store_checkpointer_kick(NULL);
	cr_assert_eq(store_checkpointer_run(NULL), -EINVAL);
	cr_assert_eq(store_checkpointer_count(NULL), 0);
	th_rmdir(dir);
}
