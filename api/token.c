/*
 * token: ClientToken idempotency for mutating actions (see server.h).
 * A token seen before with the same parameter hash replays the stored
 * answer; with another hash it is IdempotentParameterMismatch.
 */
#include "api/token-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "api/params.h"
#include "lib/sigv4/sigv4.h"

/* hex SHA-256 over the action and every parameter but ClientToken and DryRun. */
int api_params_hash(const struct api_params *p, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[32];
	unsigned int len = 0;
	int ok;

	if (!md)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(md, sigv4_sha256_md(), NULL);
	for (size_t i = 0; ok && i < p->n; i++) {
		const char *n = p->items[i].name;

		if (strcmp(n, "ClientToken") == 0 || strcmp(n, "DryRun") == 0)
			continue;
		/* name and value with their NULs: unambiguous */
		ok = EVP_DigestUpdate(md, n, strlen(n) + 1) &&
		     EVP_DigestUpdate(md, p->items[i].value, strlen(p->items[i].value) + 1);
	}
	ok = ok && EVP_DigestFinal_ex(md, d, &len) && len == 32;
	EVP_MD_CTX_free(md);
	if (!ok)
		return -EIO;
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

/*
 * Look the request's ClientToken up.  Returns 0 to proceed (ret_token set
 * when the response must be remembered), 1 with *ret_body when the stored
 * response answers the request, or a negative errno with the error set.
 */
int api_client_token_check(const struct api_persist *persist, struct api_req *r, bool declared,
			   const char *region, const char **ret_token, char hash[65],
			   char **ret_body)
{
	const char *token = api_params_get(r->params, "ClientToken");
	char *stored_hash = NULL, *stored = NULL;
	int e;

	*ret_token = NULL;
	if (!token || r->dry_run || !(r->action->flags & API_MUTATING) || !persist->token_get ||
	    !declared)
		return 0;
	if (!*token || strlen(token) > API_CLIENT_TOKEN_MAX)
		return api_fail_invalid_value(r, "The client token must be 1 to %d characters",
					      API_CLIENT_TOKEN_MAX);
	for (const char *c = token; *c; c++)
		if (*c < 0x21 || *c > 0x7e)
			return api_fail_invalid_value(r,
						      "The client token must be printable ASCII");
	if (api_params_hash(r->params, hash) < 0)
		return api_fail(r, 500, "InternalError", "Could not hash the request");
	e = persist->token_get(persist->userdata, region, token, &stored_hash, &stored);
	if (e < 0)
		return api_fail(r, 500, "InternalError", "Could not read the client token");
	if (e == 0) {
		*ret_token = token;
		return 0;
	}
	e = strcmp(stored_hash, hash) == 0;
	free(stored_hash);
	if (!e) {
		free(stored);
		return api_fail(r, 400, "IdempotentParameterMismatch",
				"Client token '%.64s' was already used with different parameters",
				token);
	}
	*ret_body = stored;
	return 1;
}
