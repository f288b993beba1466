/* imds-http: the IMDS HTTP endpoint (see imds-http.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fabric/imds-http.h"
#include "lib/util/util.h"

#define DEFAULT_TTL 64
#define PATH_MAX_LEN 1024

struct imds_http {
	struct imds_http_config cfg;
	struct MHD_Daemon *d;
};

/* One request's question and answer, across the with_model callback. */
struct ask {
	struct imds_http *h;
	const char *eni_id;
	struct imds_req q;
	struct imds_resp r;
	int err;
};

static int64_t now_s(const struct imds_http *h)
{
	return h->cfg.now ? h->cfg.now() : (int64_t)time(NULL);
}

static void answer(void *ud, const struct model *m)
{
	struct ask *a = ud;
	const struct model_eni *e = model_find_eni(m, a->eni_id);
	const char *instance = e && e->attachment.present ? e->attachment.instance_id : "";

	a->err = imds_answer(&a->h->cfg.key, m, instance, now_s(a->h), &a->q, &a->r);
}

static enum MHD_Result reply(struct MHD_Connection *con, int status, const char *body,
			     const char *type, int token_ttl, int ip_ttl)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
								     MHD_RESPMEM_MUST_COPY);
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
	char ttl[16];
	enum MHD_Result ok;
	int t = ip_ttl > 0 ? ip_ttl : DEFAULT_TTL;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Server", "EC2ws");
	if (token_ttl > 0) {
		snprintf(ttl, sizeof(ttl), "%d", token_ttl);
		MHD_add_response_header(resp, "X-aws-ec2-metadata-token-ttl-seconds", ttl);
	}
	if (ci)
		setsockopt(ci->connect_fd, IPPROTO_IP, IP_TTL, &t, sizeof(t));
	ok = MHD_queue_response(con, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ok;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *con, const char *url,
			       const char *method, const char *version, const char *upload_data,
			       size_t *upload_size, void **con_cls)
{
	struct imds_http *h = cls;
	const union MHD_ConnectionInfo *ci;
	char eni[MODEL_ID_LEN], path[PATH_MAX_LEN];
	uint32_t ip;

	(void)version;
	(void)upload_data;
	if (!*con_cls) { /* headers only: wait for the (empty) body */
		*con_cls = (void *)1;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* bodies are ignored, as IMDS does */
		return MHD_YES;
	}
	ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr || ci->client_addr->sa_family != AF_INET)
		return reply(con, 403, "Forbidden", "text/plain", 0, 0);
	ip = ntohl(((const struct sockaddr_in *)ci->client_addr)->sin_addr.s_addr);
	if (h->cfg.who(h->cfg.userdata, ip, eni) < 0)
		return reply(con, 404, "Not Found", "text/plain", 0, 0);
	util_strscpy(path, url, sizeof(path));
	struct ask a = {
	    .h = h,
	    .eni_id = eni,
	    .q = {.method = method,
		  .path = path,
		  .token = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-aws-ec2-metadata-token"),
		  .ttl = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
						     "X-aws-ec2-metadata-token-ttl-seconds"),
		  .forwarded = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-Forwarded-For") != NULL},
	    .err = -EIO,
	};
	if (h->cfg.with_model(h->cfg.userdata, answer, &a) < 0 || a.err < 0)
		return reply(con, 500, "Internal Server Error", "text/plain", 0, 0);
	enum MHD_Result ok = reply(con, a.r.status, a.r.body, a.r.content_type, a.r.token_ttl,
				   a.r.ip_ttl);
	imds_resp_clear(&a.r);
	return ok;
}

int imds_http_start(const struct imds_http_config *cfg, struct imds_http **ret)
{
	struct imds_http *h;

	if (cfg->listen_fd < 0 || !cfg->who || !cfg->with_model)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->cfg = *cfg;
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handler, h,
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)cfg->listen_fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1024,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30, MHD_OPTION_END);
	if (!h->d) {
		int e = errno ? -errno : -EINVAL;

		free(h);
		return e;
	}
	*ret = h;
	return 0;
}

struct imds_http *imds_http_stop(struct imds_http *h)
{
	if (!h)
		return NULL;
	MHD_stop_daemon(h->d);
	free(h);
	return NULL;
}
