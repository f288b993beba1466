/*
 * server-private: the body of struct api_server, shared by dispatch.c (the
 * request path) and http.c (the libmicrohttpd listener).
 */
#ifndef OPENVPC_API_SERVER_PRIVATE_H
#define OPENVPC_API_SERVER_PRIVATE_H

#include <pthread.h>

#include "api/server.h"
#include "lib/util/util.h"

struct api_region {
	char name[MODEL_AZ_LEN];
	struct model *model; /* owned */
	/*
	 * A mutating handler failed since the last save: the model may hold a
	 * change no save has seen yet, so the next save compares everything
	 * (no api_set_touched() hint).
	 */
	bool unsaved;
	/*
	 * api_subnets_available_ips()'s memo: valid while the model has not
	 * changed since it was computed.  Every path that may change the model
	 * (a mutating handler, a reload) clears avail_valid first.
	 */
	uint32_t *avail;
	size_t n_avail;
	bool avail_valid;
};

struct api_server {
	pthread_mutex_t lock; /* models, rng, store, change callback */
	char account_id[MODEL_ACCOUNT_LEN];
	char default_region[MODEL_AZ_LEN];
	struct api_credential *creds;
	size_t n_creds;
	struct api_persist persist;
	int64_t (*now)(void);
	struct net_cidr4 public_pool; /* len 0: the model's default */
	struct model_quotas quotas;   /* every Region's */
	struct util_rng rng;
	struct api_region *regions;
	size_t n_regions, cap_regions;
	api_change_fn change_fn;
	void *change_userdata;
	api_log_fn log_fn;
	api_log_flush_fn log_flush;
	void *log_userdata;
	void *daemon;			    /* struct MHD_Daemon * while listening */
	void *extra[API_EXTRA_LISTENERS];   /* api_server_listen_socket daemons */
	void (*stop)(struct api_server *s); /* set by the listener */
	struct http_commit *commit;	    /* http.c: the group-commit wait queue */
	struct http_loop *loop;		    /* http.c: the main listener's event loop */
};

/*
 * api_server_handle_begin() for the listener.  When the answer must wait
 * for the group commit, wait(s, arg, resp) is called under the server mutex
 * (so before any later request runs and before the next commit), with the
 * finished response; it returns true when it took the request (queued it
 * for the commit thread), false to have the caller sync in place.
 * *ret_waiting tells which; *ret_response is filled either way.
 */
int api_server_begin(struct api_server *s, const struct api_http_request *req,
		     struct api_http_response *ret_response, bool *ret_sync,
		     bool (*wait)(struct api_server *s, void *arg, const struct api_http_response *resp),
		     void *arg, bool *ret_waiting);

/*
 * persist.commit() (if set), under the server mutex, which the caller
 * holds; on failure every Region is reloaded from the store.  0 or -errno.
 */
int api_server_commit_locked(struct api_server *s);

/*
 * api_server_handle_end() without the log flush, for a batch of answers;
 * api_server_log_flush() after the batch's last one, before the answers go out.
 */
void api_server_end(struct api_server *s, struct api_http_response *resp, int sync_result);
void api_server_log_flush(struct api_server *s);

#endif
