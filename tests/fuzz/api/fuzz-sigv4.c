/*
 * libFuzzer target: the SigV4 Authorization parser, and for headers it
 * accepts, verification of a request whose query string and body are
 * the rest of the input (canonicalisation on arbitrary bytes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sigv4/sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t hlen = nl ? (size_t)(nl - data) : size;
	char *header = malloc(hlen + 1), *rest;
	struct sigv4_auth a;

	if (!header)
		return 0;
	memcpy(header, data, hlen);
	header[hlen] = '\0';
	if (sigv4_parse_authorization(header, &a) == 0) {
		size_t rlen = nl ? size - hlen - 1 : 0;
		struct sigv4_header h[] = {
		    {"Host", "h"}, {"X-Amz-Date", "20150830T123600Z"}, {a.signed_headers, "v"}};
		struct sigv4_request req = {"POST", "/a/./b/../", NULL, h, 3, NULL, 0};

		rest = malloc(rlen + 1);
		if (rest) {
			memcpy(rest, nl ? nl + 1 : data, rlen);
			rest[rlen] = '\0';
			req.query = rest;
			req.payload = rest;
			req.payload_size = rlen;
			(void)sigv4_verify(&req, &a, "secret", "20150830T123600Z");
			free(rest);
		}
		/* Sanity: what was parsed is well-formed. */
		if (strlen(a.signature) != 64 || strlen(a.date) != 8 || !a.access_key[0])
			abort();
	}
	free(header);
	return 0;
}
