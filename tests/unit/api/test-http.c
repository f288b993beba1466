/*
 * The HTTP listener's wait for the group commit (api/http.c), over real
 * loopback connections with a fake store: concurrent writers on several
 * kept-alive connections are all answered, never before a sync covered
 * their commit, and share syncs (with --no-fsync's store: never before a
 * commit covered them, no sync, commits shared); a failed sync answers 500
 * InternalError;
 * a client that disconnects while its request waits for the sync, and a
 * server stopped while one waits, neither crash nor leak (ASan).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/server.h"

#define VPC_ID	   "vpc-0123456789abcdef0"
#define CLIENTS	   8
#define PER_CLIENT 40

/* The fake store: commits counted by save, covered by sync. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t commits, synced, syncs;
	uint64_t answered_writes; /* 200 answers to CreateTags / DeleteTags */
	uint64_t early;		  /* answers that came before a sync covered them */
	uint64_t lines, flushed, flushes; /* log lines, of them flushed, flush calls */
	uint64_t received, late;	  /* answers read by clients, of them not yet flushed */
	bool gate_closed;	  /* sync blocks until opened */
	bool in_sync;
	int sync_result;
	/* vpcd --no-fsync: saves are durable once committed, sync is never needed. */
	bool no_fsync;
	uint64_t committed, batches; /* saves covered by a commit, commit calls */
	useconds_t save_delay;	     /* the next save takes this long (in_save meanwhile) */
	bool in_save;
} F = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static int fake_load(void *ud, const char *account, const char *region, struct model **ret,
		     bool *ret_fresh)
{
	struct model *m = model_new(account, region);
	struct model_vpc *v = m ? model_add_vpc(m) : NULL;

	(void)ud;
	if (!v) {
		model_free(m);
		return -ENOMEM;
	}
	strcpy(v->id, VPC_ID);
	strcpy(v->owner_id, account);
	*ret = m;
	*ret_fresh = false;
	return 0;
}

static int fake_save(void *ud, const struct model *m)
{
	useconds_t delay;

	(void)ud;
	(void)m;
	pthread_mutex_lock(&F.lock);
	F.commits++;
	delay = F.save_delay;
	F.save_delay = 0;
	F.in_save = delay > 0;
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.lock);
	if (delay) {
		usleep(delay);
		pthread_mutex_lock(&F.lock);
		F.in_save = false;
		pthread_mutex_unlock(&F.lock);
	}
	return 0;
}

static int fake_unsynced(void *ud)
{
	int r;

	(void)ud;
	pthread_mutex_lock(&F.lock);
	if (F.no_fsync)
		r = F.committed < F.commits;
	else
		r = F.sync_result < 0 || F.synced < F.commits;
	pthread_mutex_unlock(&F.lock);
	return r;
}

/* The batch commit (--no-fsync mode): every save so far is durable. */
static int fake_commit(void *ud)
{
	(void)ud;
	pthread_mutex_lock(&F.lock);
	F.committed = F.commits;
	F.batches++;
	pthread_mutex_unlock(&F.lock);
	return 0;
}

static int fake_sync(void *ud)
{
	uint64_t covers;
	int r;

	(void)ud;
	pthread_mutex_lock(&F.lock);
	covers = F.commits;
	F.in_sync = true;
	pthread_cond_broadcast(&F.cond);
	while (F.gate_closed)
		pthread_cond_wait(&F.cond, &F.lock);
	pthread_mutex_unlock(&F.lock);
	usleep(500); /* an fdatasync's time, so that requests pile up behind it */
	pthread_mutex_lock(&F.lock);
	F.in_sync = false;
	F.syncs++;
	r = F.sync_result;
	if (r == 0 && covers > F.synced)
		F.synced = covers;
	pthread_mutex_unlock(&F.lock);
	return r;
}

/* Runs just before the answer is queued: a 200 to a write must be covered by now. */
static void log_answer(void *ud, const char *action, int status, const char *code, double ms)
{
	(void)ud;
	(void)code;
	(void)ms;
	pthread_mutex_lock(&F.lock);
	F.lines++;
	pthread_mutex_unlock(&F.lock);
	if (status != 200 || (strcmp(action, "CreateTags") && strcmp(action, "DeleteTags")))
		return;
	pthread_mutex_lock(&F.lock);
	F.answered_writes++;
	if (F.answered_writes > (F.no_fsync ? F.committed : F.synced))
		F.early++;
	pthread_mutex_unlock(&F.lock);
}

/* The log's flush: every line logged so far is out. */
static void log_flushed(void *ud)
{
	(void)ud;
	pthread_mutex_lock(&F.lock);
	F.flushed = F.lines;
	F.flushes++;
	pthread_mutex_unlock(&F.lock);
}

/* A client read an answer: its line must have been flushed before it was sent. */
static void answer_received(void)
{
	pthread_mutex_lock(&F.lock);
	if (++F.received > F.flushed)
		F.late++;
	pthread_mutex_unlock(&F.lock);
}

static struct api_server *S;
static uint16_t PORT;

static void start_mode(bool no_fsync)
{
	struct api_config cfg = {
	    .seed = 1,
	    .persist = {.load = fake_load,
			.save = fake_save,
			.sync = fake_sync,
			.unsynced = fake_unsynced,
			.commit = no_fsync ? fake_commit : NULL},
	};
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd, r = -1;

	pthread_mutex_lock(&F.lock);
	F.commits = F.synced = F.syncs = F.answered_writes = F.early = 0;
	F.lines = F.flushed = F.flushes = F.received = F.late = 0;
	F.gate_closed = F.in_sync = false;
	F.sync_result = 0;
	F.no_fsync = no_fsync;
	F.committed = F.batches = 0;
	F.save_delay = 0;
	F.in_save = false;
	pthread_mutex_unlock(&F.lock);
	cr_assert_eq(api_server_new(&cfg, &S), 0);
	api_set_log_callback(S, log_answer, NULL);
	api_set_log_flush(S, log_flushed);
	/* A free port: bound by the kernel, released, then taken by the server. */
	for (int tries = 0; tries < 20 && r < 0; tries++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		cr_assert_geq(fd, 0);
		sa.sin_port = 0;
		cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
		close(fd);
		PORT = ntohs(sa.sin_port);
		r = api_server_listen(S, "127.0.0.1", PORT);
	}
	cr_assert_eq(r, 0, "listen: %s", strerror(-r));
}

static void start(void)
{
	start_mode(false);
}

static void stop(void)
{
	S = api_server_free(S);
}

static int connect_server(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(PORT),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_request(int fd, const char *body)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf),
			 "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
			 "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
			 strlen(body), body);

	return send(fd, buf, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
}

/* CreateTags (tag key=v) or DeleteTags (value NULL) of key on the VPC. */
static int send_tag(int fd, const char *action, const char *key)
{
	char req[256];

	snprintf(req, sizeof(req),
		 "Action=%s&Version=2016-11-15&ResourceId.1=" VPC_ID "&Tag.1.Key=%s%s", action, key,
		 strcmp(action, "CreateTags") == 0 ? "&Tag.1.Value=v" : "");
	return send_request(fd, req);
}

/* One response on a kept-alive connection: its status, its body in body (NUL-terminated). */
static int read_response(int fd, char *body, size_t cap)
{
	char buf[16384];
	size_t have = 0;
	char *end = NULL;
	long clen;
	int status;

	for (;;) {
		ssize_t n;

		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end)
			break;
		n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		return -1;
	{
		const char *cl = strcasestr(buf, "Content-Length:");

		if (!cl || cl > end)
			return -1;
		clen = strtol(cl + 15, NULL, 10);
	}
	end += 4;
	while ((size_t)(buf + have - end) < (size_t)clen) {
		ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);

		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	if ((size_t)clen >= cap || buf + have - end != clen)
		return -1; /* nothing is pipelined here */
	memcpy(body, end, (size_t)clen);
	body[clen] = '\0';
	return status;
}

struct client {
	int index;
	int ok, bad;
};

static void *client_run(void *arg)
{
	struct client *c = arg;
	char req[256], body[8192];
	int fd = connect_server();

	if (fd < 0) {
		c->bad = PER_CLIENT;
		return NULL;
	}
	for (int i = 0; i < PER_CLIENT; i++) {
		snprintf(req, sizeof(req),
			 "Action=%s&Version=2016-11-15&ResourceId.1=" VPC_ID "&Tag.1.Key=c%d-%d%s",
			 i % 2 ? "DeleteTags" : "CreateTags", c->index, i / 2,
			 i % 2 ? "" : "&Tag.1.Value=v");
		if (send_request(fd, req) < 0 || read_response(fd, body, sizeof(body)) != 200) {
			c->bad++;
		} else {
			answer_received();
			c->ok++;
		}
	}
	close(fd);
	return NULL;
}

/* CLIENTS concurrent writers against a server started in the mode given, then stopped. */
static int run_writers(bool no_fsync)
{
	pthread_t t[CLIENTS];
	struct client c[CLIENTS];
	int ok = 0;

	start_mode(no_fsync);
	for (int i = 0; i < CLIENTS; i++) {
		c[i] = (struct client){.index = i};
		cr_assert_eq(pthread_create(&t[i], NULL, client_run, &c[i]), 0);
	}
	for (int i = 0; i < CLIENTS; i++) {
		pthread_join(t[i], NULL);
		cr_expect_eq(c[i].bad, 0, "client %d: %d failed", i, c[i].bad);
		ok += c[i].ok;
	}
	stop();
	return ok;
}

Test(http, concurrent_writers_wait_for_a_shared_sync)
{
	int ok = run_writers(false);

	cr_assert_eq(ok, CLIENTS * PER_CLIENT);
	cr_assert_eq(F.answered_writes, (uint64_t)ok);
	cr_assert_eq(F.commits, (uint64_t)ok);
	cr_assert_eq(F.early, 0, "%llu answers went out before their sync",
		     (unsigned long long)F.early);
	cr_log_info("%d writes, %llu syncs, %llu log flushes", ok, (unsigned long long)F.syncs,
		    (unsigned long long)F.flushes);
	cr_assert_lt(F.syncs, (uint64_t)ok, "no sync was shared");
	/* The log: every line, each flushed before its answer, several per flush. */
	cr_assert_eq(F.lines, (uint64_t)ok);
	cr_assert_eq(F.flushed, F.lines, "lines left unflushed after the stop");
	cr_assert_eq(F.late, 0, "%llu answers arrived before their log line was flushed",
		     (unsigned long long)F.late);
	cr_assert_lt(F.flushes, (uint64_t)ok, "no flush was shared");
}

/* vpcd --no-fsync: answered once committed, no fdatasync, commits shared. */
Test(http, no_fsync_writers_wait_for_a_shared_commit)
{
	int ok = run_writers(true);

	cr_assert_eq(ok, CLIENTS * PER_CLIENT);
	cr_assert_eq(F.answered_writes, (uint64_t)ok);
	cr_assert_eq(F.early, 0, "%llu answers went out before their commit",
		     (unsigned long long)F.early);
	cr_assert_eq(F.syncs, 0, "a sync ran although none was needed");
	cr_log_info("%d writes, %llu commits", ok, (unsigned long long)F.batches);
	cr_assert_lt(F.batches, (uint64_t)ok, "no commit was shared");
	cr_assert_eq(F.flushed, F.lines, "lines left unflushed after the stop");
	cr_assert_eq(F.late, 0);
}

Test(http, failed_sync_answers_internal_error)
{
	char body[8192];
	int fd, status;

	start();
	F.sync_result = -EIO;
	fd = connect_server();
	cr_assert_geq(fd, 0);
	cr_assert_eq(send_request(fd, "Action=CreateTags&Version=2016-11-15&ResourceId.1=" VPC_ID
				      "&Tag.1.Key=a"),
		     0);
	status = read_response(fd, body, sizeof(body));
	cr_assert_eq(status, 500, "%d %s", status, body);
	cr_assert(strstr(body, "<Code>InternalError</Code>"), "%s", body);
	/* A read after a commit that never became durable is not answered 200 either. */
	cr_assert_eq(send_request(fd, "Action=DescribeVpcs&Version=2016-11-15"), 0);
	cr_assert_eq(read_response(fd, body, sizeof(body)), 500);
	close(fd);
	stop();
	cr_assert_eq(F.answered_writes, 0);
}

static void close_gate(void)
{
	pthread_mutex_lock(&F.lock);
	F.gate_closed = true;
	pthread_mutex_unlock(&F.lock);
}

static void open_gate(void)
{
	pthread_mutex_lock(&F.lock);
	F.gate_closed = false;
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.lock);
}

/* Returns once the commit thread is inside sync (the request is suspended). */
static void wait_in_sync(void)
{
	pthread_mutex_lock(&F.lock);
	while (!F.in_sync)
		pthread_cond_wait(&F.cond, &F.lock);
	pthread_mutex_unlock(&F.lock);
}

Test(http, client_gone_while_waiting_for_the_sync)
{
	char body[8192];
	int fd;

	start();
	close_gate();
	for (int i = 0; i < 3; i++) {
		fd = connect_server();
		cr_assert_geq(fd, 0);
		cr_assert_eq(
		    send_request(fd, "Action=CreateTags&Version=2016-11-15&ResourceId.1=" VPC_ID
				     "&Tag.1.Key=gone"),
		    0);
		if (i == 0)
			wait_in_sync();
		else
			usleep(20000); /* queued behind the first */
		close(fd);
	}
	open_gate();
	/* The server goes on: a new connection is answered. */
	fd = connect_server();
	cr_assert_geq(fd, 0);
	cr_assert_eq(send_tag(fd, "CreateTags", "after"), 0);
	cr_assert_eq(read_response(fd, body, sizeof(body)), 200, "%s", body);
	close(fd);
	stop();
	cr_assert_eq(F.early, 0);
}

/*
 * After a commit that needed no fdatasync the loop stops suspending waiting
 * requests.  Should the next one need a sync after all (here the fake store
 * leaves --no-fsync mode), its request waits unsuspended: libmicrohttpd may
 * call the handler again meanwhile, and it is answered only after the sync.
 */
Test(http, unsuspended_request_waits_for_a_sync)
{
	struct pollfd p;
	char body[8192];
	int fd, status;

	start_mode(true);
	fd = connect_server();
	cr_assert_geq(fd, 0);
	cr_assert_eq(send_tag(fd, "CreateTags", "first"), 0);
	cr_assert_eq(read_response(fd, body, sizeof(body)), 200, "%s", body);
	pthread_mutex_lock(&F.lock);
	F.no_fsync = false; /* from now on every commit needs a sync */
	pthread_mutex_unlock(&F.lock);
	close_gate();
	cr_assert_eq(send_tag(fd, "CreateTags", "second"), 0);
	wait_in_sync();
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 50), 0, "answered (or closed) before its sync");
	open_gate();
	status = read_response(fd, body, sizeof(body));
	cr_assert_eq(status, 200, "%d %s", status, body);
	/* The next request is suspended again (the last commit needed a sync). */
	cr_assert_eq(send_tag(fd, "DeleteTags", "second"), 0);
	cr_assert_eq(read_response(fd, body, sizeof(body)), 200, "%s", body);
	close(fd);
	stop();
	cr_assert_eq(F.early, 0, "%llu answers went out before their sync",
		     (unsigned long long)F.early);
	cr_assert_gt(F.syncs, 0);
}

/*
 * A request that arrives while the loop handles another joins that one's
 * commit (loop_absorb), rather than waiting for a commit of its own.
 */
Test(http, a_request_arriving_during_a_pass_joins_its_commit)
{
	char body[8192];
	int a, b;

	start_mode(true);
	a = connect_server();
	b = connect_server();
	cr_assert_geq(a, 0);
	cr_assert_geq(b, 0);
	/* Both connections accepted and idle first (a new one is read at once). */
	cr_assert_eq(send_tag(a, "CreateTags", "a"), 0);
	cr_assert_eq(read_response(a, body, sizeof(body)), 200, "%s", body);
	cr_assert_eq(send_tag(b, "CreateTags", "b"), 0);
	cr_assert_eq(read_response(b, body, sizeof(body)), 200, "%s", body);
	pthread_mutex_lock(&F.lock);
	F.commits = F.committed = F.batches = F.answered_writes = 0;
	F.save_delay = 200000;
	pthread_mutex_unlock(&F.lock);
	cr_assert_eq(send_tag(a, "CreateTags", "slow"), 0);
	pthread_mutex_lock(&F.lock);
	while (!F.in_save)
		pthread_cond_wait(&F.cond, &F.lock);
	pthread_mutex_unlock(&F.lock);
	cr_assert_eq(send_tag(b, "CreateTags", "quick"), 0);
	cr_assert_eq(read_response(a, body, sizeof(body)), 200, "%s", body);
	cr_assert_eq(read_response(b, body, sizeof(body)), 200, "%s", body);
	close(a);
	close(b);
	stop();
	cr_assert_eq(F.commits, 2);
	cr_assert_eq(F.batches, 1, "%llu commits for two requests", (unsigned long long)F.batches);
	cr_assert_eq(F.early, 0);
}

static void *stop_thread(void *arg)
{
	(void)arg;
	api_server_stop(S);
	return NULL;
}

Test(http, stop_while_a_request_waits_for_the_sync)
{
	char body[8192];
	pthread_t t;
	int fd, status;

	start();
	close_gate();
	fd = connect_server();
	cr_assert_geq(fd, 0);
	cr_assert_eq(send_request(fd, "Action=CreateTags&Version=2016-11-15&ResourceId.1=" VPC_ID
				      "&Tag.1.Key=stop"),
		     0);
	wait_in_sync();
	cr_assert_eq(pthread_create(&t, NULL, stop_thread, NULL), 0);
	usleep(20000);
	open_gate();
	pthread_join(t, NULL);
	/* Answered after its sync, or the connection closed by the stop: never before. */
	status = read_response(fd, body, sizeof(body));
	cr_assert(status == 200 || status == -1, "%d", status);
	close(fd);
	stop();
	cr_assert_eq(F.early, 0);
}

static int threads_now(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

Test(http, listen_failure_leaves_nothing_running)
{
	int before;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;

	start();
	stop();
	/* A port someone else listens on: listen fails, free still ends the commit thread. */
	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(fd, 1), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	{
		struct api_config cfg = {
		    .seed = 1,
		    .persist = {.load = fake_load, .save = fake_save, .sync = fake_sync},
		};

		before = threads_now();
		cr_assert_gt(before, 0);
		cr_assert_eq(api_server_new(&cfg, &S), 0);
		cr_assert_lt(api_server_listen(S, "127.0.0.1", ntohs(sa.sin_port)), 0);
		S = api_server_free(S);
		cr_assert_eq(threads_now(), before, "a thread of the server is still running");
	}
	close(fd);
}
