/*
 * http: the libmicrohttpd listeners of the API server, and their wait for
 * the group commit.
 *
 * The main listener (api_server_listen) is an event loop of our own: one
 * thread waits on libmicrohttpd's epoll fd (external polling, MHD_USE_EPOLL)
 * and runs MHD_run(), which calls access_handler() for every ready
 * connection; a complete request runs with api_server_begin().  When its
 * answer must wait for the group commit (the request saved, or follows
 * changes not yet durable), it is put on the loop's pending list with its
 * response (api_server_begin's wait callback, under the server mutex), its
 * connection suspended (MHD_suspend_connection) unless the last commit
 * needed no fdatasync (then it is answered after this very pass).
 * After the pass, and the passes over requests that arrived meanwhile
 * (loop_absorb), loop_flush() commits once for the whole list
 * (persist.commit, under the server mutex: the batch transaction holds
 * exactly the saves of the requests taken).  When no fdatasync is needed
 * (vpcd --no-fsync) the batch is answered at once; otherwise it waits with
 * its commit's sequence number, and the syncer thread runs fdatasyncs back
 * to back while commits are not covered (each covers every commit made
 * before it started), waking the loop after each; the loop answers the
 * waiting requests that an ended one covers (api_server_end: 500
 * InternalError when the commit or the sync failed), in commit order:
 * every answer logged, the log flushed once, the connections resumed and
 * MHD_run() again, which calls access_handler() for each and queues the
 * answer.  Nothing is answered before the commit and the fdatasync that
 * cover it, nor before its log line was handed to the log's flush.  The
 * loop thread is the only one to call into the main daemon.  Thread hops
 * per request cost more than the work on 2 CPUs: this replaced a thread
 * pool with a commit thread (docs/benchmarks.md, EC2 API, 2026-11-27
 * 21:30-22:20).
 *
 * Extra listeners (api_server_listen_socket) use libmicrohttpd's own epoll
 * thread; their requests wait on the commit queue, whose thread commits,
 * syncs and resumes them the same way.
 *
 * A suspended connection is not polled: a client that disconnects is
 * noticed after the resume, and request_completed() frees the kept
 * response.  One not suspended can end while it waits (libmicrohttpd's
 * connection timeout, should a sync take that long): request_completed()
 * then also takes it off the loop's list.  libmicrohttpd must not be
 * stopped with suspended connections, so api_server_stop() first drains
 * the commit queue (later requests of the extra listeners sync in their
 * thread) and stops the commit thread, then stops the loop, which answers
 * what is pending or syncing (without sending: MHD_stop_daemon closes
 * those connections) before it ends.
 *
 * The raw request URI (needed for the SigV4 canonical query string) is
 * captured with MHD_OPTION_URI_LOG_CALLBACK, which also allocates the
 * per-request state.  Bodies are buffered up to API_BODY_MAX bytes; a
 * larger body is read to its end and discarded, and the request is answered
 * 413 by the dispatcher, so clients see a clean HTTP error rather than a
 * reset connection.
 */
#include "api/req-private.h"
#include "api/server-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * libmicrohttpd's per-connection memory pool (headers, read buffer), zeroed
 * on every request of a kept-alive connection: its default 32 kB was a
 * twentieth of a DescribeSubnets' instructions and a tenth of a write's.
 * SDK requests' headers are under 2 kB (4 kB with a session token); headers
 * over about 15 kB get libmicrohttpd's 431.  Bodies are copied out of the
 * read buffer as they arrive, so the 1 MiB body limit is unaffected.
 */
#define API_HTTP_POOL_SIZE 16384

enum http_wait {
	HTTP_RUNNING, /* not yet answered */
	HTTP_WAITING, /* on a list (pending, waiting, the commit queue), resp kept */
	HTTP_RESUMED, /* synced: resp finished (api_server_end) and logged, to queue */
};

struct http_conn {
	char *uri; /* raw, with the query string */
	char *body;
	size_t size, cap;
	bool too_large;
	bool started; /* the first call (headers only) has been seen */
	enum http_wait wait;
	struct MHD_Connection *con;
	struct api_http_response resp; /* while WAITING / RESUMED */
	struct http_conn *next;	       /* on a list (pending, waiting, the commit queue) */
	struct http_loop *loop; /* the main listener's loop; NULL: an extra listener */
	uint64_t seq;		/* the loop's commit that holds its save */
	int result;		/* the commit's and the sync's, for api_server_end */
	bool suspended;		/* MHD_suspend_connection'ed while WAITING */
};

/*
 * The main listener's event loop: one thread runs libmicrohttpd (external
 * epoll) and, after each pass over the ready connections, commits once for
 * the requests of that pass that must wait (pending); those that need an
 * fdatasync then wait (waiting) until one of the syncer's covers their
 * commit.  Only the loop thread touches pending and waiting and calls into
 * the daemon; the syncer and the loop share the sequence numbers (lock).
 */
struct http_loop {
	struct api_server *s;
	struct MHD_Daemon *d;
	int epfd; /* the daemon's epoll fd and wake */
	int wake; /* eventfd: api_server_stop */
	atomic_bool stop;
	struct http_conn *pending, **tail;	   /* committed by the next flush */
	struct http_conn *waiting, **waiting_tail; /* committed, waiting for a sync */
	/*
	 * The last commit needed no fdatasync (vpcd --no-fsync): the requests
	 * of the next pass wait on pending without being suspended (below).
	 */
	bool no_suspend;
	pthread_t thread;
	/* The syncer thread (default mode: fdatasyncs off the loop, back to back). */
	pthread_mutex_t lock; /* the sequence numbers below */
	pthread_cond_t ask_cond, done_cond;
	uint64_t committed; /* the loop's commits so far (seq) */
	uint64_t synced;    /* commits covered by an fdatasync that ended */
	uint64_t ok;	    /* commits covered by one that succeeded */
	int fail;	    /* the first failed fdatasync's error */
	bool syncer_stop, syncer_started;
	pthread_t syncer;
};

/* The commit queue and its thread (one per server, shared by every listener). */
struct http_commit {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct http_conn *head, **tail;
	bool draining; /* api_server_stop: no more suspends, the thread ends */
	pthread_t thread;
};

static void *commit_thread(void *arg)
{
	struct api_server *s = arg;
	struct http_commit *q = s->commit;

	for (;;) {
		struct http_conn *batch, *c, *next;
		int r;

		pthread_mutex_lock(&q->lock);
		while (!q->head && !q->draining)
			pthread_cond_wait(&q->wake, &q->lock);
		pthread_mutex_unlock(&q->lock);
		/*
		 * Take the queue and commit under the server mutex (requests are
		 * queued under it): every save of the requests taken is in this
		 * commit, and none of a request left for the next batch.
		 */
		pthread_mutex_lock(&s->lock);
		pthread_mutex_lock(&q->lock);
		batch = q->head;
		q->head = NULL;
		q->tail = &q->head;
		pthread_mutex_unlock(&q->lock);
		r = batch ? api_server_commit_locked(s) : 0;
		pthread_mutex_unlock(&s->lock);
		if (!batch)
			return NULL; /* draining, nothing left */
		/* Every request on batch saved before this commit. */
		if (r == 0 && s->persist.sync)
			r = s->persist.sync(s->persist.userdata);
		/* Finish the answers and log them all, then one flush, then send. */
		for (c = batch; c; c = c->next)
			api_server_end(s, &c->resp, r);
		api_server_log_flush(s);
		for (c = batch; c; c = next) {
			struct MHD_Connection *con = c->con;

			/* Once resumed, the loop may finish and free c at any time. */
			next = c->next;
			c->wait = HTTP_RESUMED;
			MHD_resume_connection(con);
		}
	}
}

static int commit_start(struct api_server *s)
{
	struct http_commit *q;

	if (s->commit)
		return 0;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->wake, NULL);
	q->tail = &q->head;
	s->commit = q;
	if (pthread_create(&q->thread, NULL, commit_thread, s) != 0) {
		s->commit = NULL;
		pthread_cond_destroy(&q->wake);
		pthread_mutex_destroy(&q->lock);
		free(q);
		return -EAGAIN;
	}
	/* api_server_free() ends the thread even if no listener starts. */
	s->stop = api_server_stop;
	return 0;
}

/* Resume everything queued, end the thread; later requests sync in place. */
static void commit_drain(struct api_server *s)
{
	struct http_commit *q = s->commit;

	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->draining = true;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
}

/* After every listener stopped (no loop thread can look at the queue). */
static void commit_free(struct api_server *s)
{
	struct http_commit *q = s->commit;

	if (!q)
		return;
	pthread_cond_destroy(&q->wake);
	pthread_mutex_destroy(&q->lock);
	free(q);
	s->commit = NULL;
}

/* Append c to the list whose tail is *tail, suspending its connection if asked. */
static void wait_onto(struct http_conn *c, struct http_conn ***tail, bool suspend)
{
	c->wait = HTTP_WAITING;
	c->next = NULL;
	c->suspended = suspend;
	if (suspend)
		MHD_suspend_connection(c->con);
	**tail = c;
	*tail = &c->next;
}

/* Take c off the list whose head is *head and tail *tail, if it is there. */
static void unlink_from(struct http_conn *c, struct http_conn **head, struct http_conn ***tail)
{
	for (struct http_conn **p = head; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			if (!*p)
				*tail = p;
			return;
		}
}

/*
 * Hold c's answer until a commit and sync cover its request (called under
 * the server mutex by api_server_begin): on its loop's pending list (the
 * main listener), else on the commit queue.  false when the queue is
 * draining (the caller syncs in place).  On the queue the connection is
 * suspended before the commit thread can see it (it may resume it at once).
 * On the loop's list it is suspended only when an fdatasync will follow
 * (the last commit needed one): otherwise the loop commits and answers it
 * right after this pass, and a connection not suspended spares
 * libmicrohttpd two epoll_ctl calls and a read (while it waits,
 * access_handler() may be called again and answers nothing).
 */
static bool commit_wait(struct api_server *s, void *arg, const struct api_http_response *resp)
{
	struct http_commit *q = s->commit;
	struct http_conn *c = arg;

	(void)resp;
	if (c->loop) {
		wait_onto(c, &c->loop->tail, !c->loop->no_suspend);
		return true;
	}
	if (!q)
		return false;
	pthread_mutex_lock(&q->lock);
	if (q->draining) {
		pthread_mutex_unlock(&q->lock);
		return false;
	}
	wait_onto(c, &q->tail, true);
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	return true;
}

/*
 * Answer a batch (each request's result: the commit's and the sync's) and
 * resume it; run the daemon to send the answers unless stopping (then
 * MHD_stop_daemon closes the resumed connections).
 */
static void loop_finish(struct http_loop *l, struct http_conn *batch, bool run)
{
	struct http_conn *c, *next;

	for (c = batch; c; c = c->next)
		api_server_end(l->s, &c->resp, c->result);
	api_server_log_flush(l->s);
	for (c = batch; c; c = next) {
		next = c->next;
		c->wait = HTTP_RESUMED;
		if (c->suspended)
			MHD_resume_connection(c->con);
	}
	if (run)
		MHD_run(l->d); /* sends them; may leave new requests pending */
}

/*
 * Commit the pending requests' saves (one COMMIT for all): answered at once
 * when they need no fdatasync (vpcd --no-fsync, or the commit failed), else
 * listed as waiting with the commit's sequence number, which the syncer is
 * asked to cover.
 */
static void loop_commit(struct http_loop *l, bool run)
{
	struct api_server *s = l->s;
	struct http_conn *batch = l->pending, *c;
	bool need_sync;
	uint64_t seq;
	int r;

	l->pending = NULL;
	l->tail = &l->pending;
	pthread_mutex_lock(&s->lock);
	r = api_server_commit_locked(s);
	need_sync = r == 0 && s->persist.sync &&
		    (!s->persist.unsynced || s->persist.unsynced(s->persist.userdata) != 0);
	pthread_mutex_unlock(&s->lock);
	if (r == 0)
		l->no_suspend = !need_sync;
	if (!need_sync) {
		for (c = batch; c; c = c->next)
			c->result = r;
		loop_finish(l, batch, run);
		return;
	}
	pthread_mutex_lock(&l->lock);
	seq = ++l->committed;
	pthread_cond_signal(&l->ask_cond);
	pthread_mutex_unlock(&l->lock);
	for (c = batch; c; c = c->next)
		c->seq = seq;
	*l->waiting_tail = batch;
	while (*l->waiting_tail)
		l->waiting_tail = &(*l->waiting_tail)->next;
}

/*
 * Before a commit: the requests that arrived while the pass ran (the epoll
 * fd is readable again) join it, for up to LOOP_ABSORB_PASSES more passes,
 * rather than each next pass paying a commit of its own (BEGIN and COMMIT
 * cost about as much as a tag write's handling).  Measured with 8 clients:
 * --no-fsync +20% requests per second, and a fifth less CPU per request with
 * fdatasync (docs/benchmarks.md, EC2 API, 2026-11-28).  The bound keeps a
 * steady stream from holding back the requests already handled.
 */
#define LOOP_ABSORB_PASSES 8

static void loop_absorb(struct http_loop *l)
{
	for (int i = 0; i < LOOP_ABSORB_PASSES; i++) {
		struct epoll_event ev[2];
		int n = epoll_wait(l->epfd, ev, 2, 0);
		bool ready = false;

		for (int k = 0; k < n; k++)
			ready |= ev[k].data.fd != l->wake; /* the wake is for loop_flush */
		if (!ready)
			return;
		MHD_run(l->d);
	}
}

/*
 * After a pass over the ready connections: commit what is pending, and
 * answer the waiting requests whose commit an ended fdatasync covers (in
 * commit order), until neither is left (answering runs the daemon, which
 * may leave new requests pending).  With block (api_server_stop), wait
 * for the syncer until nothing waits.
 */
static void loop_flush(struct http_loop *l, bool block)
{
	for (;;) {
		struct http_conn *done, **t;
		uint64_t synced, ok;
		int fail;

		if (l->pending) {
			if (!block)
				loop_absorb(l);
			loop_commit(l, !block); /* may answer at once, and run the daemon */
			continue;
		}
		if (!l->waiting)
			return;
		pthread_mutex_lock(&l->lock);
		while (block && l->synced < l->committed)
			pthread_cond_wait(&l->done_cond, &l->lock);
		synced = l->synced;
		ok = l->ok;
		fail = l->fail;
		pthread_mutex_unlock(&l->lock);
		if (l->waiting->seq > synced)
			return; /* the syncer's wake brings us back */
		/* Take the covered head of the list (seq grows along it). */
		done = l->waiting;
		for (t = &done; *t && (*t)->seq <= synced; t = &(*t)->next)
			(*t)->result = (*t)->seq <= ok ? 0 : (fail ? fail : -EIO);
		l->waiting = *t;
		*t = NULL;
		if (!l->waiting)
			l->waiting_tail = &l->waiting;
		loop_finish(l, done, !block);
	}
}

/* Wake the loop from another thread (its epoll_wait returns). */
static void loop_wake(struct http_loop *l)
{
	uint64_t one = 1;

	if (write(l->wake, &one, sizeof(one)) < 0) {
		/* an eventfd at its maximum is readable anyway */
	}
}

/*
 * The syncer: while the loop has commits no fdatasync covers yet, one
 * fdatasync for all of them (back to back: the next starts as soon as one
 * ends), then wakes the loop.
 */
static void *syncer_thread(void *arg)
{
	struct http_loop *l = arg;
	struct api_server *s = l->s;

	pthread_mutex_lock(&l->lock);
	for (;;) {
		uint64_t target;
		int r;

		while (l->synced == l->committed && !l->syncer_stop)
			pthread_cond_wait(&l->ask_cond, &l->lock);
		if (l->synced == l->committed)
			break;
		target = l->committed; /* each of these commits has returned */
		pthread_mutex_unlock(&l->lock);
		r = s->persist.sync(s->persist.userdata);
		pthread_mutex_lock(&l->lock);
		l->synced = target;
		if (r == 0)
			l->ok = target;
		else if (!l->fail)
			l->fail = r;
		pthread_cond_signal(&l->done_cond);
		pthread_mutex_unlock(&l->lock);
		loop_wake(l);
		pthread_mutex_lock(&l->lock);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

static void *loop_thread(void *arg)
{
	struct http_loop *l = arg;
	uint64_t v;

	while (!atomic_load(&l->stop)) {
		MHD_UNSIGNED_LONG_LONG to;
		struct epoll_event ev[2];
		int timeout = -1, n;

		if (MHD_get_timeout(l->d, &to) == MHD_YES)
			timeout = to > INT_MAX ? INT_MAX : (int)to;
		n = epoll_wait(l->epfd, ev, 2, timeout);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++)
			if (ev[i].data.fd == l->wake && read(l->wake, &v, sizeof(v)) < 0) {
				/* EAGAIN: already read */
			}
		if (atomic_load(&l->stop))
			break;
		MHD_run(l->d);
		loop_flush(l, false);
	}
	/* libmicrohttpd must not be stopped with suspended connections. */
	loop_flush(l, true);
	return NULL;
}

static int loop_watch(struct http_loop *l, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void loop_free(struct http_loop *l)
{
	if (!l)
		return;
	if (l->syncer_started) {
		pthread_mutex_lock(&l->lock);
		l->syncer_stop = true;
		pthread_cond_signal(&l->ask_cond);
		pthread_mutex_unlock(&l->lock);
		pthread_join(l->syncer, NULL);
	}
	pthread_cond_destroy(&l->done_cond);
	pthread_cond_destroy(&l->ask_cond);
	pthread_mutex_destroy(&l->lock);
	if (l->d)
		MHD_stop_daemon(l->d);
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->wake >= 0)
		close(l->wake);
	free(l);
}

static void loop_stop(struct api_server *s)
{
	struct http_loop *l = s->loop;

	if (!l)
		return;
	atomic_store(&l->stop, true);
	loop_wake(l);
	pthread_join(l->thread, NULL);
	s->loop = NULL;
	loop_free(l);
}

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct http_conn *c = calloc(1, sizeof(*c));

	(void)con;
	if (c) {
		c->uri = strdup(uri ? uri : "/");
		c->loop = cls;
	}
	return c;
}

static void request_completed(void *cls, struct MHD_Connection *con, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	struct http_conn *c = *con_cls;

	(void)cls;
	(void)con;
	(void)toe;
	if (!c)
		return;
	/* One not suspended may end while it waits (timeout; the loop thread runs this). */
	if (c->wait == HTTP_WAITING && !c->suspended && c->loop) {
		unlink_from(c, &c->loop->pending, &c->loop->tail);
		unlink_from(c, &c->loop->waiting, &c->loop->waiting_tail);
	}
	api_http_response_done(&c->resp); /* a client gone while it waited for the sync */
	free(c->uri);
	free(c->body);
	free(c);
	*con_cls = NULL;
}

struct header_collect {
	struct sigv4_header items[SIGV4_MAX_HEADERS];
	size_t n;
	bool overflow;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	struct header_collect *h = cls;

	(void)kind;
	if (h->n >= SIGV4_MAX_HEADERS) {
		h->overflow = true;
		return MHD_NO;
	}
	h->items[h->n].name = key;
	h->items[h->n].value = value ? value : "";
	h->n++;
	return MHD_YES;
}

static enum MHD_Result send_body(struct MHD_Connection *con, int status, char *body, size_t size)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(size, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/xml;charset=UTF-8");
	ret = MHD_queue_response(con, (unsigned int)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * Queue c's answer (send_body owns the body), first finishing it with the
 * sync's result unless the commit thread did (a resumed request).
 */
static enum MHD_Result answer(struct api_server *s, struct http_conn *c,
			      struct MHD_Connection *con, int sync_result)
{
	enum MHD_Result ret;

	if (c->wait != HTTP_RESUMED)
		api_server_handle_end(s, &c->resp, sync_result);
	c->wait = HTTP_RUNNING;
	ret = send_body(con, c->resp.status, c->resp.body, c->resp.body_size);
	c->resp.body = NULL;
	return ret;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *con, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	struct api_server *s = cls;
	struct http_conn *c = *con_cls;
	struct header_collect hc = {0};
	struct api_http_request req = {0};
	bool sync, waiting;
	char *q;

	(void)url;
	(void)version;
	if (!c)
		return MHD_NO;
	if (c->wait == HTTP_RESUMED)
		return answer(s, c, con, 0);
	if (c->wait == HTTP_WAITING) /* not suspended: called again until answered */
		return MHD_YES;
	if (!c->started) {
		c->started = true;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		if (!c->too_large && c->size + n > API_BODY_MAX)
			c->too_large = true;
		if (!c->too_large) {
			if (c->size + n + 1 > c->cap) {
				size_t cap = c->cap ? c->cap : 4096;
				char *p;

				while (cap < c->size + n + 1)
					cap *= 2;
				p = realloc(c->body, cap);
				if (!p)
					return MHD_NO;
				c->body = p;
				c->cap = cap;
			}
			memcpy(c->body + c->size, upload_data, n);
			c->size += n;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!c->uri)
		return MHD_NO;
	MHD_get_connection_values(con, MHD_HEADER_KIND, collect_header, &hc);
	q = strchr(c->uri, '?');
	if (q)
		*q++ = '\0';
	req.method = method;
	req.path = c->uri;
	req.query = q;
	req.headers = hc.items;
	req.n_headers = hc.n;
	req.body = c->body ? c->body : "";
	/* An oversized body is reported by size alone: the dispatcher answers 413. */
	req.body_size = c->too_large ? (size_t)API_BODY_MAX + 1 : c->size;
	if (hc.overflow) {
		char *b = NULL;
		size_t n = 0;

		if (api_xml_error_document("InvalidRequest", "Too many request headers", "-", &b,
					   &n) < 0)
			return MHD_NO;
		return send_body(con, 400, b, n);
	}
	c->con = con;
	if (api_server_begin(s, &req, &c->resp, &sync, commit_wait, c, &waiting) < 0)
		return MHD_NO;
	if (waiting)
		return MHD_YES; /* answered when resumed */
	return answer(s, c, con, sync ? api_server_commit_sync(s) : 0);
}

int api_server_listen(struct api_server *s, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss = {0};
	unsigned int flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
	const union MHD_DaemonInfo *info;
	struct http_loop *l;
	int r;

	if (s->daemon)
		return -EALREADY;
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		flags |= MHD_USE_IPv6;
	} else {
		return -EINVAL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->s = s;
	l->tail = &l->pending;
	l->waiting_tail = &l->waiting;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->ask_cond, NULL);
	pthread_cond_init(&l->done_cond, NULL);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->epfd < 0 || l->wake < 0) {
		r = -errno;
		loop_free(l);
		return r;
	}
	l->d = MHD_start_daemon(
	    flags, port, NULL, NULL, access_handler, s, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_URI_LOG_CALLBACK, uri_log, l,
	    MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)256, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_HTTP_POOL_SIZE, MHD_OPTION_END);
	if (!l->d) {
		r = errno ? -errno : -EADDRINUSE;
		loop_free(l);
		return r;
	}
	info = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || loop_watch(l, info->epoll_fd) < 0 || loop_watch(l, l->wake) < 0) {
		loop_free(l);
		return -EIO;
	}
	if (s->persist.sync) {
		if (pthread_create(&l->syncer, NULL, syncer_thread, l) != 0) {
			loop_free(l);
			return -EAGAIN;
		}
		l->syncer_started = true;
	}
	if (pthread_create(&l->thread, NULL, loop_thread, l) != 0) {
		loop_free(l);
		return -EAGAIN;
	}
	s->loop = l;
	s->daemon = l->d;
	s->stop = api_server_stop;
	return 0;
}

int api_server_listen_socket(struct api_server *s, int fd)
{
	struct MHD_Daemon *d;
	size_t i;
	int r;

	for (i = 0; i < API_EXTRA_LISTENERS && s->extra[i]; i++)
		;
	if (i == API_EXTRA_LISTENERS)
		return -ENOSPC;
	r = s->persist.sync || s->persist.commit ? commit_start(s) : 0;
	if (r < 0)
		return r;
	d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME, 0, NULL,
			     NULL, access_handler, s,
			     MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_URI_LOG_CALLBACK,
			     uri_log, NULL, MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)256,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60, MHD_OPTION_END);
	if (!d)
		return errno ? -errno : -EINVAL;
	s->extra[i] = d;
	s->stop = api_server_stop;
	return 0;
}

void api_server_stop(struct api_server *s)
{
	if (!s)
		return;
	/* libmicrohttpd must not be stopped with suspended connections. */
	commit_drain(s);
	for (size_t i = 0; i < API_EXTRA_LISTENERS; i++)
		if (s->extra[i]) {
			MHD_stop_daemon(s->extra[i]);
			s->extra[i] = NULL;
		}
	if (s->loop) {
		loop_stop(s);
		s->daemon = NULL;
	}
	commit_free(s);
}
