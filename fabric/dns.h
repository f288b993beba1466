/*
 * dns: the Amazon DNS server of every VPC (VPC base + 2 and 169.254.169.253),
 * a UDP server on port 53 in the service namespace.
 *
 * What it is.  The data path hands an instance's packets to a DNS address to
 * the service namespace with the source rewritten to a service-pool address
 * that names the ENI (dp-svc.h), exactly as for IMDS.  The server reads each
 * query with the address it was sent to (IP_PKTINFO), asks cfg.who which ENI
 * the client address stands for, answers with dns_wire_answer() over the
 * current model (cfg.with_model; the rule is lib/model/dns.h: the asking
 * ENI's VPC decides), and replies from the address the query went to, so a
 * client that asked 10.0.0.2 hears from 10.0.0.2.
 *
 * Limits: at most cfg.rate queries per second per ENI (AWS: 1,024, not
 * adjustable); more are dropped, as AWS drops them.  Queries from a VPC with
 * DNS support disabled are not answered.  UDP only: the answers are a
 * question and at most one record, never truncated.
 *
 * Threads: one thread of its own; start() takes ownership of cfg.fd.
 */
#ifndef OPENVPC_FABRIC_DNS_H
#define OPENVPC_FABRIC_DNS_H

#include <stdint.h>

#include "lib/model/model.h"

#define DNS_RATE_DEFAULT 1024 /* queries per second per ENI */

struct dns_server_config {
	int fd; /* a bound UDP socket (port 53); owned by the server from start on */
	/* The ENI behind client address ip (host order): 0, or -ENOENT. */
	int (*who)(void *userdata, uint32_t ip, char ret_eni_id[MODEL_ID_LEN]);
	/* Call fn with the current model (under whatever lock guards it). */
	int (*with_model)(void *userdata, void (*fn)(void *fn_userdata, const struct model *m),
			  void *fn_userdata);
	void *userdata;
	uint32_t rate;		 /* queries per second per ENI; 0: DNS_RATE_DEFAULT */
	int64_t (*now_ms)(void); /* monotonic milliseconds; NULL: CLOCK_MONOTONIC */
};

struct dns_server_stats {
	uint64_t answered, dropped_rate, dropped_unknown, dropped_disabled, dropped_malformed;
};

struct dns_server;

/* 0, -EINVAL, -ENOMEM or -errno (the thread could not start). */
int dns_server_start(const struct dns_server_config *cfg, struct dns_server **ret);
/* Counters so far (any thread). */
void dns_server_stats(struct dns_server *s, struct dns_server_stats *ret);
/* Stops and frees.  Accepts NULL; returns NULL. */
struct dns_server *dns_server_stop(struct dns_server *s);

#endif
