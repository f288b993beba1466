/*
 * http: the libmicrohttpd listener of the API server.
 *
 * A thread per connection (libmicrohttpd's internal accept thread starts
 * them) calls api_server_handle() once a request's body is complete.  A
 * request may block there: on the server's mutex, and after a write on the
 * group commit's fsync (server.h), which is what lets several writers share
 * one fsync; with one polling thread they could not overlap.  The raw request
 * URI (needed for the SigV4 canonical query string) is captured with
 * MHD_OPTION_URI_LOG_CALLBACK, which also allocates the per-connection
 * request state.  Bodies are buffered up to API_BODY_MAX bytes; a larger
 * body is read to its end and discarded, and the request is answered 413
 * by the dispatcher, so clients see a clean HTTP error rather than a reset
 * connection.
 */
#include "api/req-private.h"
#include "api/server-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/*
 * libmicrohttpd's per-connection memory pool (headers, read buffer), zeroed
 * on every request of a kept-alive connection: its default 32 kB was a
 * twentieth of a DescribeSubnets' instructions and a tenth of a write's.
 * SDK requests' headers are under 2 kB (4 kB with a session token); headers
 * over about 15 kB get libmicrohttpd's 431.  Bodies are copied out of the
 * read buffer as they arrive, so the 1 MiB body limit is unaffected.
 */
#define API_HTTP_POOL_SIZE 16384

struct http_conn {
	char *uri; /* raw, with the query string */
	char *body;
	size_t size, cap;
	bool too_large;
	bool started; /* the first call (headers only) has been seen */
};

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct http_conn *c = calloc(1, sizeof(*c));

	(void)cls;
	(void)con;
	if (c)
		c->uri = strdup(uri ? uri : "/");
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

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *con, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	struct api_server *s = cls;
	struct http_conn *c = *con_cls;
	struct header_collect hc = {0};
	struct api_http_request req = {0};
	struct api_http_response resp;
	char *q;

	(void)url;
	(void)version;
	if (!c)
		return MHD_NO;
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
	if (api_server_handle(s, &req, &resp) < 0)
		return MHD_NO;
	return send_body(con, resp.status, resp.body, resp.body_size);
}

int api_server_listen(struct api_server *s, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss = {0};
	struct MHD_Daemon *d;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;

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
	d = MHD_start_daemon(flags, port, NULL, NULL, access_handler, s, MHD_OPTION_SOCK_ADDR,
			     (struct sockaddr *)&ss, MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL,
			     MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)256,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_HTTP_POOL_SIZE,
			     MHD_OPTION_END);
	if (!d)
		return errno ? -errno : -EADDRINUSE;
	s->daemon = d;
	s->stop = api_server_stop;
	return 0;
}

int api_server_listen_socket(struct api_server *s, int fd)
{
	struct MHD_Daemon *d;
	size_t i;

	for (i = 0; i < API_EXTRA_LISTENERS && s->extra[i]; i++)
		;
	if (i == API_EXTRA_LISTENERS)
		return -ENOSPC;
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, access_handler, s,
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
	for (size_t i = 0; i < API_EXTRA_LISTENERS; i++)
		if (s->extra[i]) {
			MHD_stop_daemon(s->extra[i]);
			s->extra[i] = NULL;
		}
	if (!s->daemon)
		return;
	MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
}
