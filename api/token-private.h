/*
 * token-private: ClientToken idempotency, used by dispatch.c (and tests).
 */
#ifndef OPENVPC_API_TOKEN_PRIVATE_H
#define OPENVPC_API_TOKEN_PRIVATE_H

#include <stdbool.h>

#include "api/api.h"
#include "api/server.h"

/*
 * hex SHA-256 over every parameter (name and value) but ClientToken and
 * DryRun.  0 or -ENOMEM / -EIO.
 */
int api_params_hash(const struct api_params *p, char out[65]);

/*
 * Look the request's ClientToken up (declared: the action's model declares
 * ClientToken).  Returns 0 to proceed (*ret_token set, and hash filled, when
 * the answer must be remembered with persist->token_put), 1 with *ret_body
 * (heap) when the stored answer replies to the request, or a negative errno
 * with the request's error set (InvalidParameterValue for a bad token,
 * IdempotentParameterMismatch).
 */
int api_client_token_check(const struct api_persist *persist, struct api_req *r, bool declared,
			   const char *region, const char **ret_token, char hash[65],
			   char **ret_body);

#endif
