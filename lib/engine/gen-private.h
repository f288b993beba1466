/*
 * gen-private: the layout of a compiled generation, shared by the pipeline's
 * own files (gen.c compiles it; process.c, analyze.c and flowlog-emit.c read
 * it).  Nothing outside lib/engine includes this.
 *
 * Indices: every array is indexed by the object's position in the
 * generation; cross references are indices (UINT32_MAX = none).  Strings are
 * copies owned by the generation, so a generation outlives the model it was
 * compiled from.
 */
#ifndef OPENVPC_ENGINE_GEN_PRIVATE_H
#define OPENVPC_ENGINE_GEN_PRIVATE_H

#include <stdatomic.h>

#include "lib/engine/ct.h"
#include "lib/engine/engine.h"
#include "lib/engine/lpm.h"
#include "lib/engine/nacl.h"
#include "lib/engine/sgcls.h"

#define GEN_NONE UINT32_MAX

/* Hard limits of one generation (AWS quotas x margin). */
#define GEN_MAX_ENIS 65536
#define GEN_MAX_ROUTES_PER_TABLE 2048
#define GEN_MAX_SG_RULES_PER_ENI 4096

struct gen_owner_ip {
	uint32_t ip, eni;
};

struct gen_vpc {
	char id[MODEL_ID_LEN];
	struct net_cidr4 *cidrs;
	size_t n_cidrs;
	uint32_t dns_ip;	 /* primary CIDR base + 2 */
	uint32_t igw, vgw;	 /* attached gateways or GEN_NONE */
	struct gen_owner_ip *ips; /* private IPs -> ENI, sorted by ip (any number of them) */
	size_t n_ips;
	struct lpm4 *owners;	 /* delegated prefixes (/28) -> ENI index */
};

struct gen_subnet {
	char id[MODEL_ID_LEN];
	struct net_cidr4 cidr;
	uint32_t vpc, rtb, nacl;
	char az_id[MODEL_AZ_LEN];
};

struct gen_route {
	struct model_route route; /* as the API shows it (dest, target, origin) */
	bool active;		  /* false: blackhole */
	uint32_t target;	  /* igw/nat/eni/vgw index for those targets, else GEN_NONE */
};

struct gen_rtb {
	char id[MODEL_ID_LEN];
	uint32_t vpc;
	struct gen_route *routes;
	size_t n_routes;
	struct lpm4 *lpm; /* destination -> index into routes (the winning route) */
};

struct gen_nacl {
	char id[MODEL_ID_LEN];
	struct nacl *in, *out; /* tags: index into the model NACL's entries */
};

struct gen_sg {
	char id[MODEL_ID_LEN];
	size_t n_rules; /* ingress + egress, for SG_HAS_NO_RULES */
	size_t n_ingress, n_egress;
};

struct gen_eni {
	char id[MODEL_ID_LEN];
	char instance_id[MODEL_ID_LEN]; /* "" when none (or requester-managed) */
	uint32_t vpc, subnet;
	uint32_t primary_ip;
	bool src_dst_check;
	uint32_t nat;		/* NAT gateway this ENI belongs to, or GEN_NONE */
	struct sgcls *sg_in;	/* NULL for ENIs without security groups (NAT GW) */
	struct sgcls *sg_out;
	uint32_t *sgs;		/* SG indices, for traces */
	size_t n_sgs;
	struct ct_timeouts timeouts;
	uint32_t *flow_logs;	/* flow-log indices covering this ENI */
	size_t n_flow_logs;
};

struct gen_igw {
	char id[MODEL_ID_LEN];
	uint32_t vpc;
	uint32_t edge_rtb; /* gateway route table or GEN_NONE */
};

struct gen_vgw {
	char id[MODEL_ID_LEN];
	uint32_t vpc;
	uint32_t edge_rtb;
	struct lpm4 *known; /* prefixes the VGW can deliver to (VPN routes), value unused */
};

struct gen_nat {
	char id[MODEL_ID_LEN];
	uint32_t vpc, subnet, eni;
	uint32_t private_ip, public_ip; /* public 0 for a private NAT gateway */
	bool available;
};

struct gen_flow_log {
	char id[MODEL_ID_LEN];
	enum model_flow_traffic traffic;
	char *format; /* NULL = default */
	int interval_s;
};

/* Public IP -> (ENI, private IP), for IGW 1:1 NAT. */
struct gen_pubmap {
	uint32_t public_ip, private_ip, eni;
};

struct eng_gen {
	atomic_int refs;
	uint64_t serial; /* unique per compiled generation in this process */
	char account_id[MODEL_ACCOUNT_LEN];
	char region[MODEL_AZ_LEN];
	struct gen_vpc *vpcs;
	size_t n_vpcs;
	struct gen_subnet *subnets;
	size_t n_subnets;
	struct gen_rtb *rtbs;
	size_t n_rtbs;
	struct gen_nacl *nacls;
	size_t n_nacls;
	struct gen_sg *sgs;
	size_t n_sgs;
	struct gen_eni *enis;
	size_t n_enis;
	struct gen_igw *igws;
	size_t n_igws;
	struct gen_vgw *vgws;
	size_t n_vgws;
	struct gen_nat *nats;
	size_t n_nats;
	struct gen_flow_log *flow_logs;
	size_t n_flow_logs;
	struct gen_pubmap *pubmap; /* sorted by public_ip */
	size_t n_pubmap;
};

/* SG classifier tags: SG index in the generation and rule index in the model SG. */
static inline uint32_t gen_sg_tag(uint32_t sg, uint32_t rule)
{
	return sg << 16 | rule;
}

static inline uint32_t gen_sg_tag_sg(uint32_t tag)
{
	return tag >> 16;
}

static inline uint32_t gen_sg_tag_rule(uint32_t tag)
{
	return tag & 0xffff;
}

/* The ENI owning ip in vpc, or GEN_NONE. */
uint32_t gen_owner(const struct eng_gen *g, uint32_t vpc, uint32_t ip);
/* The subnet of vpc containing ip, or GEN_NONE. */
uint32_t gen_subnet_for_ip(const struct eng_gen *g, uint32_t vpc, uint32_t ip);
/* Public IP lookup: 1 found (outputs set), 0 not. */
int gen_public_lookup(const struct eng_gen *g, uint32_t public_ip, uint32_t *ret_eni,
		      uint32_t *ret_private_ip);
/* The public IP mapped to a private IP of an ENI, or 0. */
uint32_t gen_public_of(const struct eng_gen *g, uint32_t eni, uint32_t private_ip);
/* Does the ENI own ip (as one of its addresses or prefixes)? */
bool gen_eni_owns(const struct eng_gen *g, uint32_t eni, uint32_t ip);
/* Is ip inside one of the VPC's CIDRs? */
bool gen_in_vpc(const struct eng_gen *g, uint32_t vpc, uint32_t ip);

#endif
