/*
 * dns: the VPC's DNS names and what the Amazon DNS server answers.
 *
 * What it is.  Every private IPv4 address of a VPC has a private DNS
 * hostname, "ip-10-0-1-5.ec2.internal" in us-east-1 and
 * "ip-10-0-1-5.REGION.compute.internal" elsewhere; a public IPv4 address has
 * a public one, "ec2-198-51-100-5.compute-1.amazonaws.com" in us-east-1 and
 * "ec2-198-51-100-5.REGION.compute.amazonaws.com" elsewhere, which exists
 * only when its VPC has both enableDnsSupport and enableDnsHostnames.  The
 * API (DescribeInstances, DescribeNetworkInterfaces), IMDS and the Amazon DNS
 * server (VPC base + 2 and 169.254.169.253) all take the names from here.
 *
 * The resolver (model_dns_resolve) is the rule of the Amazon DNS server for a
 * question asked from inside a VPC, as openvpc implements it:
 *   - a VPC without enableDnsSupport gets no answer at all (-EPERM: drop);
 *   - private hostnames resolve to their address when the address belongs to
 *     an ENI of the asking VPC and that VPC has enableDnsHostnames; the
 *     reverse name (PTR) likewise;
 *   - public hostnames resolve to the private address inside the VPC that
 *     owns the public IP (split horizon), to the public address elsewhere;
 *   - a name of those zones that does not exist is NXDOMAIN; another type of
 *     an existing name is NOERROR with no answer;
 *   - every other name is REFUSED: openvpc never sends a query outside the
 *     namespaces it made (AWS would recurse to the internet).
 * Names compare case-insensitively, with or without the final dot.
 * Pure functions: no I/O, no allocation.
 */
#ifndef OPENVPC_MODEL_DNS_H
#define OPENVPC_MODEL_DNS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/model/model.h"

#define MODEL_DNS_NAME_LEN 96 /* longest hostname with the longest Region name, and NUL */
#define MODEL_DNS_TTL 60      /* seconds, on every answer */

#define MODEL_DNS_TYPE_A 1
#define MODEL_DNS_TYPE_PTR 12
#define MODEL_DNS_TYPE_ANY 255

enum model_dns_rcode {
	MODEL_DNS_NOERROR = 0,
	MODEL_DNS_NXDOMAIN = 3,
	MODEL_DNS_REFUSED = 5,
};

struct model_dns_answer {
	enum model_dns_rcode rcode;
	uint16_t type; /* MODEL_DNS_TYPE_A or _PTR when there is a record, else 0 */
	uint32_t a;    /* the address (type A), host order */
	char ptr[MODEL_DNS_NAME_LEN]; /* the hostname (type PTR), without the final dot */
};

/* The Region's private domain ("ec2.internal", "eu-west-1.compute.internal"). */
void model_dns_private_domain(const char *region, char ret_name[MODEL_DNS_NAME_LEN]);
/* The private hostname of ip in region ("ip-10-0-1-5.ec2.internal"). */
void model_dns_private_name(const char *region, uint32_t ip, char ret_name[MODEL_DNS_NAME_LEN]);
/* The public hostname of public_ip in region ("ec2-198-51-100-5.compute-1.amazonaws.com"). */
void model_dns_public_name(const char *region, uint32_t public_ip,
			   char ret_name[MODEL_DNS_NAME_LEN]);
/* Whether the VPC gives public DNS hostnames (enableDnsSupport and enableDnsHostnames). */
bool model_vpc_dns_hostnames(const struct model_vpc *v);

/*
 * The Amazon DNS server's answer to (qname, qtype) asked from vpc_id.
 * 0 with *ret written; -ENOENT when the VPC does not exist, -EPERM when it
 * has DNS support disabled (no answer is sent), -EINVAL for a name longer
 * than a DNS name can be.
 */
int model_dns_resolve(const struct model *m, const char *vpc_id, const char *qname, uint16_t qtype,
		      struct model_dns_answer *ret);

#endif
