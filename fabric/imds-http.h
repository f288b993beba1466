/*
 * imds-http: the Instance Metadata Service's HTTP endpoint, a libmicrohttpd
 * listener on a socket the caller bound in the fabric's namespace
 * (169.254.169.254:80).  The data path delivers an instance's IMDS
 * packets to that socket from a per-interface source address, so the
 * client address says which instance asks (cfg.who); the answer comes from
 * imds_answer() over the current model (cfg.with_model).  A token PUT's
 * response leaves with IP TTL = the instance's hop limit (IP_TTL on the
 * connection), so a container one hop further does not get it, as on AWS.
 * The client address names an ENI (the data path's service pool maps
 * (ENI, private IP) to addresses); the instance is the one that ENI is
 * attached to at the moment of the request.
 */
#ifndef OPENVPC_FABRIC_IMDS_HTTP_H
#define OPENVPC_FABRIC_IMDS_HTTP_H

#include <stdint.h>

#include "fabric/imds.h"

struct imds_http_config {
	int listen_fd; /* bound and listening; owned by the server from start on */
	/* The ENI behind client address ip (host order): 0, or -ENOENT. */
	int (*who)(void *userdata, uint32_t ip, char ret_eni_id[MODEL_ID_LEN]);
	/* Call fn with the current model (under whatever lock guards it). */
	int (*with_model)(void *userdata, void (*fn)(void *fn_userdata, const struct model *m),
			  void *fn_userdata);
	void *userdata;
	struct imds_key key;
	int64_t (*now)(void); /* Unix seconds; NULL: time() */
};

struct imds_http;

/* 0, -EINVAL, -ENOMEM or -errno (libmicrohttpd could not start). */
int imds_http_start(const struct imds_http_config *cfg, struct imds_http **ret);
/* Stops and frees.  Accepts NULL; returns NULL. */
struct imds_http *imds_http_stop(struct imds_http *h);

#endif
