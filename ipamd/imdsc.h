/*
 * imdsc: vpc-ipamd's Instance Metadata Service client (IMDSv2: a session
 * token from PUT /latest/api/token, renewed before it expires or when a GET
 * answers 401; every GET carries it).  The endpoint is
 * http://169.254.169.254 unless AWS_EC2_METADATA_SERVICE_ENDPOINT says
 * otherwise (the AWS SDKs' variable).  Answers are bounded in size; every
 * call has a timeout.
 */
#ifndef OPENVPC_IPAMD_IMDSC_H
#define OPENVPC_IPAMD_IMDSC_H

#include <stddef.h>
#include <stdint.h>

#define IMDSC_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDSC_BODY_MAX (1u << 20)
#define IMDSC_TOKEN_TTL 21600

struct imdsc {
	char endpoint[256];
	char token[256];
	int64_t token_expiry; /* CLOCK_MONOTONIC seconds */
	long timeout_ms;
	long status; /* of the last request */
};

/* endpoint NULL: the environment, else the default.  0 or -ENAMETOOLONG. */
int imdsc_init(struct imdsc *c, const char *endpoint);
/*
 * GET path ("meta-data/instance-id" is relative to /latest/; a leading '/'
 * is absolute).  *ret_body is malloc'd and NUL-terminated.  0, -ENOENT
 * (404), -EACCES (401/403 after a token refresh), -ETIMEDOUT / -EIO
 * (transport), -EFBIG.
 */
int imdsc_get(struct imdsc *c, const char *path, char **ret_body);

#endif
