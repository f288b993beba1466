/*
 * svc: the service namespace — where the VPC's own services listen, apart
 * from every VPC: a namespace (cfg name, e.g. P + "svc") holding one veth
 * end "svc0" with the service addresses (IMDS 169.254.169.254, the EC2
 * endpoint for instances SVC_EC2_ADDR, the time service 169.254.169.123)
 * and a route to the data path's service pool (169.254.0.0/17) through an
 * on-link gateway whose MAC is the VPC router's (a permanent neighbour, so
 * nothing is ever ARPed).  The other end, in the fabric namespace, is the
 * data path's SERVICE port (dp.h "Services").
 *
 * svc_setup() is idempotent: what exists and matches is kept, a broken pair
 * is rebuilt.  svc_listen() opens a listening TCP socket on a service
 * address inside the namespace (the server that uses it can run in any
 * namespace: a socket keeps its own).
 */
#ifndef OPENVPC_FABRIC_SVC_H
#define OPENVPC_FABRIC_SVC_H

#include <stdint.h>

#define SVC_IMDS_ADDR 0xa9fea9feu /* 169.254.169.254 */
#define SVC_EC2_ADDR 0xa9fea9fau  /* 169.254.169.250: openvpc's EC2 API for instances */
#define SVC_TIME_ADDR 0xa9fea97bu /* 169.254.169.123 */
#define SVC_POOL_ADDR 0xa9fe0000u /* 169.254.0.0/17: the data path's service pool */
#define SVC_POOL_LEN 17
#define SVC_FABRIC_LINK "svc0" /* in the fabric namespace (not plumb's prefix) */

struct svc_port {
	int ifindex;	/* the fabric-side end, in the fabric namespace */
	uint8_t mac[6]; /* the service-side end's MAC (the port's peer) */
};

/*
 * Make the service namespace svc_ns and its link to fabric_ns.  0 or a
 * negative errno with why[] filled.
 */
int svc_setup(const char *svc_ns, const char *fabric_ns, const uint8_t router_mac[6],
	      struct svc_port *ret_port, char *why, size_t why_size);
/* A listening TCP socket on addr:port inside svc_ns (the caller owns it), or -errno. */
int svc_listen(const char *svc_ns, uint32_t addr, uint16_t port);
/* Remove the namespace (its veth end goes with it, and so does the fabric end). */
int svc_teardown(const char *svc_ns);

#endif
