/*
 * server: vpcd's EC2 API server: Regions, authentication, dispatch, HTTP.
 *
 * What.  A struct api_server owns the per-Region models, the per-daemon
 * random generator, the credential table and the HTTP listener
 * (libmicrohttpd's epoll thread pool).  api_server_handle() is
 * the whole request path without the network (tests and the fuzzer call it
 * directly): parse, authenticate, dispatch, persist, render.
 *
 * Persistence is injected (struct api_persist) so the API does not depend on
 * the store's implementation: vpcd wires store_load_region() /
 * store_save_region() into it; tests use memory.  A Region is loaded on its
 * first request; when the loader reports it fresh (never stored), the
 * region_init hook runs (vpcd: create the default VPC) and the Region is
 * saved.
 *
 * Concurrency.  One mutex serialises every request's model access, handler
 * and save: a mutating action runs, then persist.save() writes it (into
 * the open batch when persist.commit is set), then the change callback
 * runs, then the mutex is released, persist.commit() and persist.sync()
 * (when set) make it durable, and the response goes out.  The listener
 * (http.c) is an event loop that never waits in sync(): a request whose
 * answer must wait (persist.unsynced()) is suspended and queued, still
 * under the mutex, for one commit thread, which takes the queue and runs
 * commit() in one critical section, then sync() once for every request
 * taken, and resumes them all; meanwhile the loop runs other requests,
 * which form the next batch (group commit).  If the save fails the Region
 * is reloaded from the store and the client gets InternalError (500).
 *
 * Authentication.  Without credentials any well-formed SigV4 Authorization
 * header is accepted (a request without one too) and only its scope is
 * used.  With credentials: no Authorization -> MissingAuthenticationToken
 * (403), a malformed one -> IncompleteSignature (400), an unknown access
 * key -> AuthFailure (401), a wrong signature -> SignatureDoesNotMatch
 * (403), X-Amz-Date more than 15 minutes from the server clock ->
 * RequestExpired (400).
 *
 * Idempotency.  A mutating action that declares ClientToken and gets one
 * is answered from the token memory when the token was seen before with
 * the same parameters (the stored response is replayed, nothing runs), and
 * with IdempotentParameterMismatch when the parameters differ.  The token
 * is remembered after the change is saved.  Parameters are compared by a
 * SHA-256 over the action and every parameter except ClientToken and
 * DryRun.
 *
 * Shutdown: api_server_stop() stops the listener and waits for the request
 * in progress; api_server_free() then frees the models.
 */
#ifndef OPENVPC_API_SERVER_H
#define OPENVPC_API_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "api/api.h"
#include "lib/sigv4/sigv4.h"

#define API_DEFAULT_ACCOUNT  "123456789012"
#define API_DEFAULT_REGION   "us-east-1"
#define API_DEFAULT_PORT     8787
#define API_REGIONS_MAX	     32	  /* Regions one daemon keeps */
#define API_CREDENTIALS_MAX  1024 /* lines of a credentials file */
#define API_CLOCK_SKEW_MAX   900  /* seconds (15 minutes) */
#define API_CLIENT_TOKEN_MAX 64	  /* characters of a ClientToken (AWS) */

struct api_persist {
	void *userdata;
	/*
	 * Load a Region's model (an empty one when nothing is stored); *ret_fresh
	 * true when the Region was never stored.  0 or -errno.  NULL: every
	 * Region starts fresh and empty.
	 */
	int (*load)(void *userdata, const char *account_id, const char *region,
		    struct model **ret_model, bool *ret_fresh);
	/* Durably save the Region's model.  0 or -errno.  NULL: nothing is saved. */
	int (*save)(void *userdata, const struct model *m);
	/*
	 * Initialise a fresh Region (the default VPC).  0, or a negative errno
	 * with *err set.  NULL: fresh Regions stay empty.
	 */
	int (*region_init)(void *userdata, struct model *m, struct model_ctx *ctx,
			   struct model_err *err);
	/*
	 * Idempotency (ClientToken) memory.  token_get: 1 with both heap outputs
	 * when known, 0 when not, or -errno.  token_put: 0 or -errno (-EEXIST:
	 * already stored).  Both NULL: ClientToken is accepted and ignored.
	 */
	int (*token_get)(void *userdata, const char *region, const char *token,
			 char **ret_param_hash, char **ret_response);
	int (*token_put)(void *userdata, const char *region, const char *token,
			 const char *param_hash, const char *response);
	/*
	 * Group commit: make every save and token put so far durable.  Called
	 * outside the server's mutex, by the listener's commit thread once for
	 * all the requests waiting (api_server_handle: after each request); the
	 * answers wait for it, and a success becomes InternalError (500) when it
	 * fails.  0 or -errno.  NULL: save and token_put are durable when they
	 * return.
	 */
	int (*sync)(void *userdata);
	/*
	 * save, when only the objects with IDs ids[0..n_ids) changed since the
	 * last save (api_set_touched(); store_save_region_hint()).  NULL: save
	 * is called instead.
	 */
	int (*save_hint)(void *userdata, const struct model *m, const char *const *ids,
			 size_t n_ids);
	/*
	 * Whether sync() has anything to do: nonzero when some save or token
	 * put is not yet covered by a successful sync() (or sync() failed for
	 * good), 0 when everything is durable.  It must not block.  NULL with
	 * sync set: every answer waits for sync().
	 */
	int (*unsynced)(void *userdata);
	/*
	 * Batches: commit every save and token put since the last commit (one
	 * transaction; store_commit()).  Called under the server's mutex, before
	 * sync(), by the listener's commit thread, in the same critical section
	 * that takes the waiting requests, so a request whose save it commits
	 * is always answered after it (api_server_handle: after each request).
	 * 0 or -errno; on failure nothing of the batch is stored: the server
	 * reloads every Region from the store (then runs the change callback
	 * for each) and the waiting answers become InternalError (500).  NULL:
	 * every save and token put commits itself.
	 */
	int (*commit)(void *userdata);
};

struct api_credential {
	char access_key[SIGV4_KEY_MAX];
	char secret[256];
};

struct api_config {
	const char *account_id;	    /* NULL: API_DEFAULT_ACCOUNT */
	const char *default_region; /* NULL: API_DEFAULT_REGION */
	/* NULL with n_credentials 0: accept any well-formed signature. */
	const struct api_credential *credentials;
	size_t n_credentials;
	struct api_persist persist;
	/* Seed of the daemon's generator; 0 reads /dev/urandom. */
	uint64_t seed;
	/* Wall clock in Unix seconds; NULL: time(). */
	int64_t (*now)(void);
	/* Where public IPs and Elastic IPs come from; len 0: 198.51.100.0/24. */
	struct net_cidr4 public_pool;
	/* Every Region's quotas (copied); NULL: AWS's defaults (model_quotas_default). */
	const struct model_quotas *quotas;
};

/*
 * Set one quota from "name=value", name a field of struct model_quotas
 * ("enis_per_region=10000"), value 1..API_QUOTA_MAX.  0, -EINVAL (no '='),
 * -ERANGE (bad value), -ENOENT (no such quota).  api_quota_name(i): the
 * i-th name, NULL past the last (for usage texts).
 */
#define API_QUOTA_MAX 1000000
int api_quota_set(struct model_quotas *q, const char *setting);
const char *api_quota_name(size_t i);

/* One HTTP request as the server sees it (headers and strings borrowed). */
struct api_http_request {
	const char *method;
	const char *path;
	const char *query; /* without '?', may be NULL */
	const struct sigv4_header *headers;
	size_t n_headers;
	const char *body;
	size_t body_size;
};

struct api_http_response {
	int status;
	char *body; /* heap, XML */
	size_t body_size;
	char action[64]; /* for the log line ("-" when unknown) */
	char code[64];	 /* error code, "" on success */
	/* For api_server_handle_end(): */
	char request_id[37];
	bool failed; /* an error answer (a failed sync does not change it) */
	struct timespec start;
};

/*
 * A new server.  Copies the configuration (credentials included).  0,
 * -EINVAL (bad account id or region), -EIO (no /dev/urandom), -ENOMEM.
 */
int api_server_new(const struct api_config *config, struct api_server **ret_server);
/* Stops the listener if running, frees the models.  Accepts NULL; returns NULL. */
struct api_server *api_server_free(struct api_server *s);

/*
 * Called (under the server mutex) after every committed change of a
 * Region: vpcd recompiles the engine generation there.
 */
typedef void (*api_change_fn)(void *userdata, const char *region, const struct model *m);
void api_set_change_callback(struct api_server *s, api_change_fn fn, void *userdata);

/*
 * Run fn with Region region's current model, under the server mutex (the
 * model is only valid inside fn; fn must not call back into the server).
 * A Region never used gets an empty model.  0 or -errno (load failed).
 */
int api_server_with_model(struct api_server *s, const char *region,
			  void (*fn)(void *userdata, const struct model *m), void *userdata);

/* The whole request path; *ret_response is filled on 0 (release with api_http_response_done). */
int api_server_handle(struct api_server *s, const struct api_http_request *req,
		      struct api_http_response *ret_response);
/*
 * api_server_handle() in two halves, for a listener that waits for the
 * group commit without blocking a thread.  _begin does everything up to the
 * commit and sync: 0 with *ret_response filled and *ret_sync true when the
 * answer must not go out before api_server_commit_sync() has returned (a
 * change, this request's or another's, is not yet committed or not yet
 * durable), or -ENOMEM.  The caller then runs api_server_commit_sync() (any
 * thread; one call may cover many requests) and passes its result to _end,
 * which turns a success into InternalError (500) when it is negative and
 * logs the request; sync_result 0 when *ret_sync was false.  _end does not
 * take the server mutex.
 */
int api_server_handle_begin(struct api_server *s, const struct api_http_request *req,
			    struct api_http_response *ret_response, bool *ret_sync);
void api_server_handle_end(struct api_server *s, struct api_http_response *resp, int sync_result);
/*
 * persist.commit() under the server mutex (on failure every Region is
 * reloaded), then persist.sync(): every change made before the call is
 * durable when it returns 0.  0 or -errno.
 */
int api_server_commit_sync(struct api_server *s);
void api_http_response_done(struct api_http_response *resp);

/*
 * Log callback for one line per request (the server itself never writes
 * anything): action, HTTP status, error code and milliseconds.
 */
typedef void (*api_log_fn)(void *userdata, const char *action, int status, const char *code,
			   double ms);
void api_set_log_callback(struct api_server *s, api_log_fn fn, void *userdata);
/*
 * With a flush callback (same userdata) the logger may buffer its lines:
 * flush runs after the lines of each group of answers and before any of
 * them is sent (the listener: after the lines of a whole commit batch, or
 * after the line of a request answered at once; api_server_handle_end:
 * after its line), so no line is ever behind its answer and none is left
 * in a buffer when the server is idle or stopped.
 */
typedef void (*api_log_flush_fn)(void *userdata);
void api_set_log_flush(struct api_server *s, api_log_flush_fn fn);

/*
 * Listen on addr:port (IPv4 or IPv6 literal) with libmicrohttpd's internal
 * thread.  0, -EINVAL (bad address), -EADDRINUSE / -errno.
 */
int api_server_listen(struct api_server *s, const char *addr, uint16_t port);
/*
 * Also serve on an already bound, listening socket fd (which may belong to
 * another network namespace: vpcd's endpoint for instances in the fabric).
 * The server owns fd from then on.  0, -ENOSPC (API_EXTRA_LISTENERS in use),
 * -errno.
 */
#define API_EXTRA_LISTENERS 4
int api_server_listen_socket(struct api_server *s, int fd);
/* Stop listening (waits for the request in progress).  Idempotent. */
void api_server_stop(struct api_server *s);

/* Parse a credentials file's text ("ACCESS_KEY_ID SECRET" per line, '#' comments). */
int api_credentials_parse(const char *text, struct api_credential **ret_creds, size_t *ret_n);

/* The registered actions, sorted by name (for the coverage table and tests). */
const struct api_action *api_actions(size_t *ret_count);
const struct api_action *api_action_find(const char *name);

#endif
