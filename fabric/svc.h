/*
 * svc: the service namespace — where the VPC's own services listen, apart
 * from every VPC: a namespace (cfg name, e.g. P + "svc") holding one veth
 * end "svc0" with the service addresses (IMDS 169.254.169.254, the EC2
 * endpoint for instances SVC_EC2_ADDR, the time service 169.254.169.123, the
 * Amazon DNS server 169.254.169.253 and each VPC's base + 2)
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

#include <stddef.h>
#include <stdint.h>

#define SVC_IMDS_ADDR 0xa9fea9feu /* 169.254.169.254 */
#define SVC_EC2_ADDR 0xa9fea9fau  /* 169.254.169.250: openvpc's EC2 API for instances */
#define SVC_TIME_ADDR 0xa9fea97bu /* 169.254.169.123 */
#define SVC_DNS_ADDR 0xa9fea9fdu  /* 169.254.169.253: the Amazon DNS server (also VPC base + 2) */
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
/* A UDP socket bound to 0.0.0.0:port inside svc_ns (the caller owns it), or -errno. */
int svc_udp(const char *svc_ns, uint16_t port);
/*
 * Make the service link hold the /32 addresses want[] (the VPCs' DNS
 * addresses, base + 2) besides its fixed ones, removing those of had[] that
 * are no longer wanted.  0 or the first negative errno (the rest is still done).
 */
int svc_sync_addrs(const char *svc_ns, const uint32_t *want, size_t n_want, const uint32_t *had,
		   size_t n_had);
/* Remove the namespace (its veth end goes with it, and so does the fabric end). */
int svc_teardown(const char *svc_ns);

#endif
