/*
 * imds: what the Instance Metadata Service answers an instance (the
 * content, not the transport): IMDSv2 session tokens (PUT /latest/api/token
 * with X-aws-ec2-metadata-token-ttl-seconds 1..21600; a request carrying
 * X-Forwarded-For is refused, as on AWS), IMDSv1 unless the instance
 * requires tokens, the endpoint switch, and the metadata tree read from the
 * model at the moment of the request — so answers follow ENI and address
 * changes at once:
 *   ami-id, ami-launch-index, hostname, instance-id, instance-type,
 *   local-hostname, local-ipv4, mac, public-ipv4, reservation-id,
 *   security-groups, placement/{availability-zone,region},
 *   services/{domain,partition}, tags/instance/KEY (when enabled),
 *   network/interfaces/macs/<mac>/{device-number, interface-id,
 *   ipv4-prefix, local-hostname, local-ipv4s, mac, network-card, owner-id,
 *   public-ipv4s, security-group-ids, security-groups, subnet-id,
 *   subnet-ipv4-cidr-block, vpc-id, vpc-ipv4-cidr-block,
 *   vpc-ipv4-cidr-blocks}, and /latest/dynamic/instance-identity/document.
 * Directories list their children, one per line, sub-directories with a
 * trailing '/'.
 *
 * Tokens are stateless: hex(expiry) + a truncated HMAC-SHA256 over the
 * instance ID and the expiry under the fabric's key, so a token is valid
 * only for the instance it was issued to and until it expires, and nothing
 * is stored per token.  Time comes in as now_s; no I/O.  The hop limit is
 * the transport's business: imds_resp.ip_ttl says what IP TTL the
 * response must carry.
 */
#ifndef OPENVPC_FABRIC_IMDS_H
#define OPENVPC_FABRIC_IMDS_H

#include <stdint.h>

#include "lib/model/model.h"

#define IMDS_ADDR 0xa9fea9feu /* 169.254.169.254 */
#define IMDS_TOKEN_TTL_MAX 21600

struct imds_key {
	uint8_t bytes[32];
};

struct imds_req {
	const char *method; /* "GET", "PUT", ... */
	const char *path;   /* "/latest/meta-data/instance-id" (no query) */
	const char *token;  /* X-aws-ec2-metadata-token, NULL when absent */
	const char *ttl;    /* X-aws-ec2-metadata-token-ttl-seconds, NULL when absent */
	bool forwarded;	    /* X-Forwarded-For present */
};

struct imds_resp {
	int status;		  /* 200, 400, 401, 403, 404, 405 */
	char *body;		  /* malloc'd, NUL-terminated */
	const char *content_type; /* "text/plain" or "application/json" */
	int token_ttl;		  /* PUT token: echo in X-aws-ec2-metadata-token-ttl-seconds */
	int ip_ttl;		  /* > 0: the IP TTL the response must carry (token PUT: hop limit) */
};

/*
 * Answer q from instance_id (the instance whose ENI the request came in
 * on).  0 with *ret filled (any status), -ENOMEM.  An instance unknown to
 * the model (terminated meanwhile) gets 404.
 */
int imds_answer(const struct imds_key *key, const struct model *m, const char *instance_id,
		int64_t now_s, const struct imds_req *q, struct imds_resp *ret);
void imds_resp_clear(struct imds_resp *r);

#endif
