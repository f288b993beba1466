/*
 * libFuzzer target: the whole EC2 Query request path without the network
 * (form parsing, dispatch, accessors, filters, pagination tokens, XML) on
 * arbitrary bodies.  The first byte chooses POST body or GET query string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct api_server *server;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_http_request req = {.path = "/"};
	struct api_http_response resp;
	char *copy;

	if (!server) {
		struct api_config cfg = {.seed = 1};

		if (api_server_new(&cfg, &server) < 0)
			abort();
	}
	if (size == 0)
		return 0;
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	if (data[0] & 1) {
		req.method = "GET";
		req.query = copy; /* NUL-terminated at the first NUL byte */
	} else {
		req.method = "POST";
		req.body = copy;
		req.body_size = size - 1;
	}
	if (api_server_handle(server, &req, &resp) == 0) {
		if (resp.status < 200 || resp.status > 599 || !resp.body)
			abort();
		api_http_response_done(&resp);
	}
	free(copy);
	return 0;
}
