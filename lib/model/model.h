/*
 * model: the VPC objects as the EC2 API sees them.
 *
 * What it is.  A struct model holds every object of one (account, Region):
 * VPCs, subnets, route tables, security groups, network ACLs, ENIs,
 * instances, internet gateways, Elastic IPs, NAT gateways, VPN gateways,
 * customer gateways, VPN connections, flow logs and prefix lists.  Objects are
 * plain data keyed by their AWS ID and refer to each other by ID (never by
 * pointer), exactly as the API does, so the model can be serialised, imported
 * from `aws ec2 describe-*` JSON, or rebuilt from storage without fix-ups.
 *
 * Ownership.  The model owns every object in it and every string inside an
 * object.  Objects live in arrays of pointers, in the order added (the order
 * Describe* lists them); look-ups by ID go through a hash index per array
 * (lib/model/index.h), not a scan.  A pointer returned by a lookup
 * stays valid until that object is removed or the model is freed.  Strings
 * inside objects are heap-allocated and freed with the object.
 *
 * Invariants kept by the mutating operations (model-ops.h), not by the
 * plain data functions here: every subnet lies inside a CIDR of its VPC and
 * overlaps no other subnet; every subnet has exactly one route table (an
 * explicit association or the VPC's main table) and exactly one network ACL
 * (an explicit association, which for the default ACL is also recorded); each
 * route table holds one local route per VPC CIDR; IDs are unique.
 *
 * The engine never reads this structure on the packet path: it compiles it
 * into lookup tables (lib/engine).  Threading: a model is not thread-safe,
 * not even for readers alone: a look-up by ID updates the index it goes
 * through (catching up with appended objects), so every use of one model,
 * reads included, needs the caller's serialisation (vpcd: the server mutex,
 * also around the fabric's IMDS and DNS look-ups); the daemon publishes
 * compiled generations for the packet path.
 */
#ifndef OPENVPC_MODEL_H
#define OPENVPC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/net/net.h"

#define MODEL_ID_LEN 48	  /* longest AWS ID ("subnet-cidr-assoc-" + 17 hex) + NUL, rounded */
#define MODEL_AZ_LEN 32	  /* "ap-southeast-2a", "use1-az6" */
#define MODEL_ACCOUNT_LEN 13 /* 12 digits + NUL */
#define MODEL_MAC_LEN 18   /* "0a:1b:2c:3d:4e:5f" + NUL */

/* ---- tags ---------------------------------------------------------------- */

struct model_tag {
	char *key;
	char *value;
};

struct model_tags {
	struct model_tag *items;
	size_t n, cap;
};

/* Set (insert or replace) a tag. 0 or -ENOMEM. */
int model_tags_set(struct model_tags *tags, const char *key, const char *value);
/* Remove a tag; when value is non-NULL only if it matches. Returns 1 removed, 0 absent. */
int model_tags_remove(struct model_tags *tags, const char *key, const char *value);
/* Value of key or NULL. */
const char *model_tags_get(const struct model_tags *tags, const char *key);
void model_tags_clear(struct model_tags *tags);
int model_tags_copy(struct model_tags *dst, const struct model_tags *src);

/* ---- VPC ----------------------------------------------------------------- */

enum model_cidr_state {
	MODEL_CIDR_ASSOCIATING,
	MODEL_CIDR_ASSOCIATED,
	MODEL_CIDR_DISASSOCIATING,
	MODEL_CIDR_DISASSOCIATED,
	MODEL_CIDR_FAILING,
	MODEL_CIDR_FAILED,
};

struct model_vpc_cidr {
	char association_id[MODEL_ID_LEN]; /* vpc-cidr-assoc-... */
	struct net_cidr4 cidr;
	enum model_cidr_state state;
};

struct model_vpc_cidr6 {
	char association_id[MODEL_ID_LEN];
	struct net_cidr6 cidr; /* /56 */
	enum model_cidr_state state;
	char *pool;		/* "Amazon" or an IPAM pool, may be NULL */
	char *network_border_group;
};

enum model_state {
	MODEL_STATE_PENDING,
	MODEL_STATE_AVAILABLE,
	MODEL_STATE_DELETING,
	MODEL_STATE_DELETED,
	MODEL_STATE_FAILED,
};

struct model_vpc {
	char id[MODEL_ID_LEN];
	char owner_id[MODEL_ACCOUNT_LEN];
	struct model_vpc_cidr *cidrs; /* [0] is the primary CIDR */
	size_t n_cidrs, cap_cidrs;
	struct model_vpc_cidr6 *cidrs6;
	size_t n_cidrs6, cap_cidrs6;
	enum model_state state;
	bool is_default;
	char dhcp_options_id[MODEL_ID_LEN];
	char instance_tenancy[16]; /* "default" | "dedicated" */
	bool enable_dns_support;   /* default true */
	bool enable_dns_hostnames; /* default false, true for the default VPC */
	bool enable_nau_metrics;
	struct model_tags tags;
};

/* ---- subnet -------------------------------------------------------------- */

struct model_subnet {
	char id[MODEL_ID_LEN];
	char vpc_id[MODEL_ID_LEN];
	char owner_id[MODEL_ACCOUNT_LEN];
	struct net_cidr4 cidr;
	bool has_cidr6;
	struct net_cidr6 cidr6;
	char cidr6_association_id[MODEL_ID_LEN];
	char az[MODEL_AZ_LEN];
	char az_id[MODEL_AZ_LEN];
	enum model_state state;
	bool default_for_az;
	bool map_public_ip_on_launch;
	bool assign_ipv6_on_creation;
	bool enable_dns64;
	bool ipv6_native;
	char hostname_type[16];	  /* "ip-name" | "resource-name" */
	bool enable_resource_name_dns_a;
	bool enable_resource_name_dns_aaaa;
	struct model_tags tags;
};

/* ---- route tables -------------------------------------------------------- */

enum model_target_type {
	MODEL_TARGET_NONE,
	MODEL_TARGET_LOCAL,
	MODEL_TARGET_IGW,      /* igw-... */
	MODEL_TARGET_EIGW,     /* eigw-... (IPv6) */
	MODEL_TARGET_NAT,      /* nat-... */
	MODEL_TARGET_ENI,      /* eni-... */
	MODEL_TARGET_INSTANCE, /* i-... (resolved to its only ENI) */
	MODEL_TARGET_VGW,      /* vgw-... */
	MODEL_TARGET_PCX,      /* pcx-... */
	MODEL_TARGET_TGW,      /* tgw-... */
	MODEL_TARGET_VPCE,     /* vpce-... (gateway or GWLB endpoint) */
	MODEL_TARGET_OTHER,    /* local/carrier gateway, core network: kept, never forwards */
};

enum model_route_origin {
	MODEL_ORIGIN_CREATE_ROUTE_TABLE, /* "CreateRouteTable": the local route */
	MODEL_ORIGIN_CREATE_ROUTE,	 /* "CreateRoute": a static route */
	MODEL_ORIGIN_PROPAGATED,	 /* "EnableVgwRoutePropagation" */
	MODEL_ORIGIN_ADVERTISEMENT,	 /* "Advertisement" */
};

enum model_route_dest_type {
	MODEL_DEST_CIDR4,
	MODEL_DEST_CIDR6,
	MODEL_DEST_PREFIX_LIST,
};

struct model_route {
	enum model_route_dest_type dest_type;
	struct net_cidr4 dest;		      /* MODEL_DEST_CIDR4 */
	struct net_cidr6 dest6;		      /* MODEL_DEST_CIDR6 */
	char prefix_list_id[MODEL_ID_LEN];     /* MODEL_DEST_PREFIX_LIST */
	enum model_target_type target_type;
	char target_id[MODEL_ID_LEN];	       /* "local" for the local route */
	enum model_route_origin origin;
	/*
	 * State as stored or imported.  The live state (blackhole when the target
	 * is gone or detached) is computed by model_route_state().
	 */
	bool blackhole;
};

struct model_rtb_assoc {
	char id[MODEL_ID_LEN]; /* rtbassoc-... */
	bool main;
	char subnet_id[MODEL_ID_LEN];  /* "" unless a subnet association */
	char gateway_id[MODEL_ID_LEN]; /* "" unless an edge (gateway) association */
};

struct model_route_table {
	char id[MODEL_ID_LEN];
	char vpc_id[MODEL_ID_LEN];
	char owner_id[MODEL_ACCOUNT_LEN];
	struct model_route *routes;
	size_t n_routes, cap_routes;
	struct model_rtb_assoc *assocs;
	size_t n_assocs, cap_assocs;
	char (*propagating_vgws)[MODEL_ID_LEN];
	size_t n_propagating_vgws, cap_propagating_vgws;
	struct model_tags tags;
};

/* ---- security groups ----------------------------------------------------- */

#define MODEL_PROTO_ALL (-1)

enum model_peer_type {
	MODEL_PEER_CIDR4,
	MODEL_PEER_CIDR6,
	MODEL_PEER_PREFIX_LIST,
	MODEL_PEER_GROUP,
};

struct model_sg_rule {
	char id[MODEL_ID_LEN]; /* sgr-... */
	bool egress;
	/*
	 * IANA protocol number, or MODEL_PROTO_ALL.  tcp=6, udp=17, icmp=1,
	 * icmpv6=58.  The API's names are mapped on input and output.
	 */
	int protocol;
	/*
	 * tcp/udp: port range.  icmp: from_port = type, to_port = code, -1 = all.
	 * Other protocols and -1: ignored (all ports); stored as -1/-1.
	 */
	int from_port;
	int to_port;
	enum model_peer_type peer_type;
	struct net_cidr4 cidr;
	struct net_cidr6 cidr6;
	char prefix_list_id[MODEL_ID_LEN];
	char group_id[MODEL_ID_LEN];
	char group_owner[MODEL_ACCOUNT_LEN];
	char *description;
	struct model_tags tags;
};

struct model_sg {
	char id[MODEL_ID_LEN];
	char vpc_id[MODEL_ID_LEN];
	char owner_id[MODEL_ACCOUNT_LEN];
	char *name;
	char *description;
	struct model_sg_rule *rules; /* ingress and egress together, in creation order */
	size_t n_rules, cap_rules;
	struct model_tags tags;
};

/* ---- network ACLs -------------------------------------------------------- */

#define MODEL_NACL_RULE_MAX 32766
#define MODEL_NACL_DEFAULT_RULE4 32767
#define MODEL_NACL_DEFAULT_RULE6 32768

struct model_nacl_entry {
	int rule_number; /* 1..32766, or 32767/32768 for the final deny */
	bool egress;
	int protocol; /* IANA number or MODEL_PROTO_ALL */
	bool allow;
	bool is_ipv6;
	struct net_cidr4 cidr;
	struct net_cidr6 cidr6;
	int from_port, to_port;	 /* tcp/udp; -1 when not given */
	int icmp_type, icmp_code; /* icmp; -1 = all */
};

struct model_nacl_assoc {
	char id[MODEL_ID_LEN]; /* aclassoc-... */
	char subnet_id[MODEL_ID_LEN];
};

struct model_nacl {
	char id[MODEL_ID_LEN];
	char vpc_id[MODEL_ID_LEN];
	char owner_id[MODEL_ACCOUNT_LEN];
	bool is_default;
	struct model_nacl_entry *entries; /* kept sorted by (egress, rule_number) */
	size_t n_entries, cap_entries;
	struct model_nacl_assoc *assocs;
	size_t n_assocs, cap_assocs;
	struct model_tags tags;
};

/* ---- ENIs ---------------------------------------------------------------- */

struct model_eni_ip {
	uint32_t ip;
	bool primary;
	/* Public IPv4 mapped 1:1 to this private IP (EIP or auto-assigned), 0 if none. */
	uint32_t public_ip;
	char allocation_id[MODEL_ID_LEN]; /* "" for an auto-assigned public IP */
	char association_id[MODEL_ID_LEN];
};

enum model_eni_status {
	MODEL_ENI_AVAILABLE,
	MODEL_ENI_ATTACHING,
	MODEL_ENI_IN_USE,
	MODEL_ENI_DETACHING,
	MODEL_ENI_ASSOCIATED,
};

struct model_eni_attachment {
	bool present;
	char id[MODEL_ID_LEN]; /* eni-attach-... */
	char instance_id[MODEL_ID_LEN];
	char instance_owner[MODEL_ACCOUNT_LEN];
	int device_index;
	int network_card_index;
	bool delete_on_termination;
	char status[16]; /* "attaching" | "attached" | "detaching" | "detached" */
	int64_t attach_time; /* Unix seconds */
};

struct model_eni {
	char id[MODEL_ID_LEN];
	char subnet_id[MODEL_ID_LEN];
	char vpc_id[MODEL_ID_LEN];
	char az[MODEL_AZ_LEN];
	char owner_id[MODEL_ACCOUNT_LEN];
	char mac[MODEL_MAC_LEN];
	char *description;
	char interface_type[24]; /* "interface" | "nat_gateway" | "trunk" | ... */
	bool requester_managed;
	char requester_id[32];
	struct model_eni_ip *ips; /* ips[0] is the primary private IP */
	size_t n_ips, cap_ips;
	struct net_cidr4 *prefixes; /* delegated /28s */
	size_t n_prefixes, cap_prefixes;
	char (*sg_ids)[MODEL_ID_LEN];
	size_t n_sg_ids, cap_sg_ids;
	bool source_dest_check;
	enum model_eni_status status;
	struct model_eni_attachment attachment;
	/* ConnectionTrackingSpecification; 0 = AWS default. */
	uint32_t tcp_established_timeout;
	uint32_t udp_stream_timeout;
	uint32_t udp_timeout;
	struct model_tags tags;
};

/* ---- instances ----------------------------------------------------------- */

enum model_instance_state {
	MODEL_INSTANCE_PENDING,
	MODEL_INSTANCE_RUNNING,
	MODEL_INSTANCE_SHUTTING_DOWN,
	MODEL_INSTANCE_TERMINATED,
	MODEL_INSTANCE_STOPPING,
	MODEL_INSTANCE_STOPPED,
};

struct model_instance {
	char id[MODEL_ID_LEN];
	char reservation_id[MODEL_ID_LEN];
	char owner_id[MODEL_ACCOUNT_LEN];
	char image_id[MODEL_ID_LEN];
	char instance_type[32];
	char subnet_id[MODEL_ID_LEN];
	char vpc_id[MODEL_ID_LEN];
	char az[MODEL_AZ_LEN];
	char *key_name;
	enum model_instance_state state;
	int64_t launch_time; /* Unix seconds */
	int ami_launch_index;
	/* Metadata options. */
	bool metadata_tokens_required; /* HttpTokens=required (IMDSv2 only) */
	int metadata_hop_limit;	       /* default 1 */
	bool metadata_endpoint_enabled;
	bool metadata_protocol_ipv6;   /* HttpProtocolIpv6=enabled */
	bool metadata_tags_enabled;    /* InstanceMetadataTags=enabled */
	/* Launched with an auto-assigned public IPv4: released on stop, a new one on start. */
	bool auto_public_ip;
	struct model_tags tags;
};

/* Per-instance-type network limits (EC2 User Guide; amazon-vpc-cni-k8s). */
struct model_instance_type {
	const char *name;
	int vcpus;
	int memory_mib;
	int max_enis;	    /* on network card 0 */
	int ipv4_per_eni;
	int ipv6_per_eni;
	int network_cards;
	bool nitro;	    /* supports prefix delegation */
	const char *network_performance;
};

/* Lookup in the built-in table; NULL when unknown. */
const struct model_instance_type *model_instance_type_find(const char *name);
/* The whole table, sorted by name. */
const struct model_instance_type *model_instance_types(size_t *ret_count);
/* VPC CNI max pods: ENIs x (IPv4 per ENI - 1) + 2. */
int model_instance_type_max_pods(const struct model_instance_type *t);

/* ---- gateways, addresses ------------------------------------------------- */

struct model_igw_attachment {
	char vpc_id[MODEL_ID_LEN];
	char state[16]; /* "available" (AWS shows "available" for attached IGWs) | "attaching" | "detaching" */
};

struct model_igw {
	char id[MODEL_ID_LEN];
	char owner_id[MODEL_ACCOUNT_LEN];
	struct model_igw_attachment attachment; /* vpc_id "" when detached */
	struct model_tags tags;
};

struct model_eip {
	char allocation_id[MODEL_ID_LEN];
	uint32_t public_ip;
	char association_id[MODEL_ID_LEN]; /* "" when not associated */
	char eni_id[MODEL_ID_LEN];
	char instance_id[MODEL_ID_LEN];
	uint32_t private_ip;
	char eni_owner[MODEL_ACCOUNT_LEN];
	char network_border_group[MODEL_AZ_LEN];
	struct model_tags tags;
};

enum model_nat_connectivity {
	MODEL_NAT_PUBLIC,
	MODEL_NAT_PRIVATE,
};

struct model_nat_gateway {
	char id[MODEL_ID_LEN];
	char subnet_id[MODEL_ID_LEN];
	char vpc_id[MODEL_ID_LEN];
	enum model_nat_connectivity connectivity;
	enum model_state state;
	char eni_id[MODEL_ID_LEN];
	uint32_t private_ip;
	char allocation_id[MODEL_ID_LEN]; /* public NAT: the EIP */
	uint32_t public_ip;
	int64_t create_time;
	int64_t delete_time;
	char *failure_code;
	char *failure_message;
	struct model_tags tags;
};

struct model_vgw_attachment {
	char vpc_id[MODEL_ID_LEN];
	char state[16]; /* "attached" | "attaching" | "detaching" | "detached" */
};

struct model_vgw {
	char id[MODEL_ID_LEN];
	char type[16]; /* "ipsec.1" */
	char az[MODEL_AZ_LEN];
	uint32_t amazon_side_asn; /* default 64512 */
	enum model_state state;
	struct model_vgw_attachment *attachments;
	size_t n_attachments, cap_attachments;
	struct model_tags tags;
};

struct model_cgw {
	char id[MODEL_ID_LEN];
	uint32_t bgp_asn;
	uint32_t ip_address;
	char type[16];
	char *device_name;
	enum model_state state;
	struct model_tags tags;
};

struct model_vpn_route {
	struct net_cidr4 cidr;
	char state[16]; /* "pending" | "available" | "deleting" | "deleted" */
};

struct model_vpn_tunnel {
	uint32_t outside_ip;
	struct net_cidr4 inside_cidr; /* /30 in 169.254.0.0/16 */
	bool up;
};

struct model_vpn_connection {
	char id[MODEL_ID_LEN];
	char cgw_id[MODEL_ID_LEN];
	char vgw_id[MODEL_ID_LEN];
	char type[16];
	enum model_state state;
	bool static_routes_only;
	struct model_vpn_route *routes;
	size_t n_routes, cap_routes;
	struct model_vpn_tunnel tunnels[2];
	char *customer_gateway_configuration;
	struct model_tags tags;
};

/* ---- flow logs, prefix lists --------------------------------------------- */

enum model_flow_traffic {
	MODEL_FLOW_ALL,
	MODEL_FLOW_ACCEPT,
	MODEL_FLOW_REJECT,
};

struct model_flow_log {
	char id[MODEL_ID_LEN];
	char resource_id[MODEL_ID_LEN]; /* vpc-, subnet- or eni- */
	enum model_flow_traffic traffic_type;
	char destination_type[32];	/* "s3" | "cloud-watch-logs" | "kinesis-data-firehose" */
	char *destination;		/* ARN or log group */
	char *log_group_name;
	char *deliver_logs_permission_arn; /* IAM role ARN as given, or NULL */
	char *format;			/* NULL = the default version 2 format */
	int max_aggregation_interval;	/* 60 or 600 */
	int64_t creation_time;
	char status[16]; /* "ACTIVE" */
	struct model_tags tags;
};

struct model_prefix_list {
	char id[MODEL_ID_LEN];
	char *name;
	struct net_cidr4 *cidrs;
	size_t n_cidrs, cap_cidrs;
	int max_entries;
	bool aws_managed;
	struct model_tags tags;
};

/* ---- DHCP options sets ---------------------------------------------------- */

#define MODEL_DHCP_KEYS_MAX 6	/* the keys AWS knows */
#define MODEL_DHCP_VALUES_MAX 4 /* values per key (four servers) */
#define MODEL_DHCP_VALUE_LEN 256

struct model_dhcp_config {
	char key[40]; /* "domain-name-servers", "domain-name", "ntp-servers", ... */
	char values[MODEL_DHCP_VALUES_MAX][MODEL_DHCP_VALUE_LEN];
	size_t n_values;
};

struct model_dopt {
	char id[MODEL_ID_LEN]; /* dopt-... */
	char owner_id[MODEL_ACCOUNT_LEN];
	struct model_dhcp_config configs[MODEL_DHCP_KEYS_MAX];
	size_t n_configs;
	bool region_default; /* the set new VPCs get (made with the Region) */
	struct model_tags tags;
};

/* ---- the model ----------------------------------------------------------- */

struct model {
	char account_id[MODEL_ACCOUNT_LEN];
	char region[MODEL_AZ_LEN];

	struct model_vpc **vpcs;
	size_t n_vpcs, cap_vpcs;
	struct model_subnet **subnets;
	size_t n_subnets, cap_subnets;
	struct model_route_table **route_tables;
	size_t n_route_tables, cap_route_tables;
	struct model_sg **sgs;
	size_t n_sgs, cap_sgs;
	struct model_nacl **nacls;
	size_t n_nacls, cap_nacls;
	struct model_eni **enis;
	size_t n_enis, cap_enis;
	struct model_instance **instances;
	size_t n_instances, cap_instances;
	struct model_igw **igws;
	size_t n_igws, cap_igws;
	struct model_eip **eips;
	size_t n_eips, cap_eips;
	struct model_nat_gateway **nat_gateways;
	size_t n_nat_gateways, cap_nat_gateways;
	struct model_vgw **vgws;
	size_t n_vgws, cap_vgws;
	struct model_cgw **cgws;
	size_t n_cgws, cap_cgws;
	struct model_vpn_connection **vpns;
	size_t n_vpns, cap_vpns;
	struct model_flow_log **flow_logs;
	size_t n_flow_logs, cap_flow_logs;
	struct model_prefix_list **prefix_lists;
	size_t n_prefix_lists, cap_prefix_lists;
	struct model_dopt **dopts;
	size_t n_dopts, cap_dopts;

	/*
	 * Look-up indexes (lib/model/index.h), private to model.c: ID -> object
	 * for each array above, and MAC -> ENI.  model_new() makes them; they
	 * catch up with appended objects on look-up and model_remove_*() keeps
	 * them in step, so code that appends to an array directly (the store)
	 * needs nothing more.  Arrays are removed from only by model_remove_*().
	 */
	struct model_index *ix_vpcs, *ix_subnets, *ix_route_tables, *ix_sgs, *ix_nacls,
		*ix_enis, *ix_instances, *ix_igws, *ix_eips, *ix_nat_gateways, *ix_vgws, *ix_cgws,
		*ix_vpns, *ix_flow_logs, *ix_prefix_lists, *ix_dopts, *ix_eni_macs;
};

/* New empty model for an account and Region. NULL on OOM. */
struct model *model_new(const char *account_id, const char *region);
/* Frees the model and everything in it. Accepts NULL; returns NULL. */
struct model *model_free(struct model *m);

/*
 * Allocate a zeroed object of the given kind, append it to the model and
 * return it (owned by the model).  NULL on OOM.  The caller fills the ID and
 * fields; uniqueness is the caller's job (model-ops does it).
 */
struct model_vpc *model_add_vpc(struct model *m);
struct model_subnet *model_add_subnet(struct model *m);
struct model_route_table *model_add_route_table(struct model *m);
struct model_sg *model_add_sg(struct model *m);
struct model_nacl *model_add_nacl(struct model *m);
struct model_eni *model_add_eni(struct model *m);
struct model_instance *model_add_instance(struct model *m);
struct model_igw *model_add_igw(struct model *m);
struct model_eip *model_add_eip(struct model *m);
struct model_nat_gateway *model_add_nat_gateway(struct model *m);
struct model_vgw *model_add_vgw(struct model *m);
struct model_cgw *model_add_cgw(struct model *m);
struct model_dopt *model_add_dopt(struct model *m);
struct model_vpn_connection *model_add_vpn(struct model *m);
struct model_flow_log *model_add_flow_log(struct model *m);
struct model_prefix_list *model_add_prefix_list(struct model *m);

/* Lookups by ID: the object, or NULL when absent. */
struct model_vpc *model_find_vpc(const struct model *m, const char *id);
struct model_subnet *model_find_subnet(const struct model *m, const char *id);
struct model_route_table *model_find_route_table(const struct model *m, const char *id);
struct model_sg *model_find_sg(const struct model *m, const char *id);
struct model_nacl *model_find_nacl(const struct model *m, const char *id);
struct model_eni *model_find_eni(const struct model *m, const char *id);
struct model_instance *model_find_instance(const struct model *m, const char *id);
struct model_igw *model_find_igw(const struct model *m, const char *id);
struct model_eip *model_find_eip(const struct model *m, const char *allocation_id);
struct model_nat_gateway *model_find_nat_gateway(const struct model *m, const char *id);
struct model_vgw *model_find_vgw(const struct model *m, const char *id);
struct model_cgw *model_find_cgw(const struct model *m, const char *id);
struct model_dopt *model_find_dopt(const struct model *m, const char *id);
struct model_vpn_connection *model_find_vpn(const struct model *m, const char *id);
struct model_flow_log *model_find_flow_log(const struct model *m, const char *id);
struct model_prefix_list *model_find_prefix_list(const struct model *m, const char *id);

/* The ENI with MAC address mac ("0e:..."), or NULL. */
struct model_eni *model_find_eni_by_mac(const struct model *m, const char *mac);

/*
 * Test/debug helper: check every look-up index against the arrays it
 * follows (index.h's model_index_check()).  0 or -EINVAL.
 */
int model_check_indexes(const struct model *m);

/*
 * Remove (and free) an object by ID.  Returns 1 when removed, 0 when absent.
 * Removal does not cascade: model-ops checks dependencies first.
 */
int model_remove_vpc(struct model *m, const char *id);
int model_remove_subnet(struct model *m, const char *id);
int model_remove_route_table(struct model *m, const char *id);
int model_remove_sg(struct model *m, const char *id);
int model_remove_nacl(struct model *m, const char *id);
int model_remove_eni(struct model *m, const char *id);
int model_remove_instance(struct model *m, const char *id);
int model_remove_igw(struct model *m, const char *id);
int model_remove_eip(struct model *m, const char *allocation_id);
int model_remove_nat_gateway(struct model *m, const char *id);
int model_remove_vgw(struct model *m, const char *id);
int model_remove_cgw(struct model *m, const char *id);
int model_remove_dopt(struct model *m, const char *id);
int model_remove_vpn(struct model *m, const char *id);
int model_remove_flow_log(struct model *m, const char *id);
int model_remove_prefix_list(struct model *m, const char *id);

/* Element helpers (0 or -ENOMEM). */
int model_vpc_add_cidr(struct model_vpc *vpc, const char *assoc_id, struct net_cidr4 cidr);
int model_rtb_add_route(struct model_route_table *rtb, const struct model_route *route);
int model_rtb_add_assoc(struct model_route_table *rtb, const struct model_rtb_assoc *assoc);
int model_rtb_add_propagating_vgw(struct model_route_table *rtb, const char *vgw_id);
/* Appends a copy; strings in rule are duplicated. */
int model_sg_add_rule(struct model_sg *sg, const struct model_sg_rule *rule);
void model_sg_rule_clear(struct model_sg_rule *rule);
/* Inserts keeping (egress, rule_number) order. */
int model_nacl_add_entry(struct model_nacl *nacl, const struct model_nacl_entry *entry);
int model_nacl_add_assoc(struct model_nacl *nacl, const char *assoc_id, const char *subnet_id);
int model_eni_add_ip(struct model_eni *eni, const struct model_eni_ip *ip);
int model_eni_add_prefix(struct model_eni *eni, struct net_cidr4 prefix);
int model_eni_add_sg(struct model_eni *eni, const char *sg_id);
int model_vgw_add_attachment(struct model_vgw *vgw, const char *vpc_id, const char *state);
int model_vpn_add_route(struct model_vpn_connection *vpn, struct net_cidr4 cidr,
			const char *state);
int model_prefix_list_add_cidr(struct model_prefix_list *pl, struct net_cidr4 cidr);

/* ---- derived views (computed, never stored) ----------------------------- */

/* The main route table of a VPC, or NULL. */
struct model_route_table *model_vpc_main_route_table(const struct model *m, const char *vpc_id);
/* The route table governing a subnet: explicit association, else the main table. */
struct model_route_table *model_subnet_route_table(const struct model *m, const char *subnet_id);
/* The route table associated with a gateway (edge association), or NULL. */
struct model_route_table *model_gateway_route_table(const struct model *m, const char *gateway_id);
/* The default network ACL of a VPC, or NULL. */
struct model_nacl *model_vpc_default_nacl(const struct model *m, const char *vpc_id);
/* The NACL of a subnet: explicit association, else the VPC's default ACL. */
struct model_nacl *model_subnet_nacl(const struct model *m, const char *subnet_id);
/* The NACL holding the association assoc_id (*ret_index: its place there), or NULL. */
struct model_nacl *model_nacl_of_assoc(const struct model *m, const char *assoc_id,
				       size_t *ret_index);
/* The Elastic IP with the association assoc_id, or NULL. */
struct model_eip *model_eip_of_assoc(const struct model *m, const char *assoc_id);
/* The security group holding the rule rule_id (*ret_index: its place there), or NULL. */
struct model_sg *model_sg_of_rule(const struct model *m, const char *rule_id, size_t *ret_index);
/* The internet gateway attached to a VPC, or NULL. */
struct model_igw *model_vpc_igw(const struct model *m, const char *vpc_id);
/* The VPN gateway attached to a VPC, or NULL. */
struct model_vgw *model_vpc_vgw(const struct model *m, const char *vpc_id);
/* The ENI that owns a private IPv4 (address or delegated prefix) in a VPC, or NULL. */
struct model_eni *model_find_eni_by_ip(const struct model *m, const char *vpc_id, uint32_t ip);
/* The ENI whose private IP maps to a public IP, or NULL; *ret_private_ip set when found. */
struct model_eni *model_find_eni_by_public_ip(const struct model *m, uint32_t public_ip,
					      uint32_t *ret_private_ip);
/* The ENI with attachment attachment_id (NULL: none), or NULL. */
struct model_eni *model_find_eni_by_attachment(const struct model *m, const char *attachment_id);
/* The primary ENI (device index 0) of an instance, or NULL. */
struct model_eni *model_instance_primary_eni(const struct model *m, const char *instance_id);
/* The subnet that contains ip among the subnets of vpc_id, or NULL. */
struct model_subnet *model_vpc_subnet_for_ip(const struct model *m, const char *vpc_id,
					     uint32_t ip);

/*
 * Is the route's target usable right now?  Returns false (blackhole) when the
 * target does not exist, an IGW/VGW is not attached to the route table's VPC,
 * a NAT gateway is not available, an ENI is gone, or an instance is not
 * running or does not have exactly one ENI.  An imported route already
 * marked blackhole stays blackhole.
 */
bool model_route_active(const struct model *m, const struct model_route_table *rtb,
			const struct model_route *route);

/*
 * Propagated routes: for every VGW in rtb->propagating_vgws that is attached
 * to the table's VPC, the static routes of its available VPN connections.
 * Calls fn for each (a route with origin MODEL_ORIGIN_PROPAGATED); stops and
 * returns fn's value when it is non-zero.  Routes already present in the table
 * (imported ones, say) are not repeated.
 */
int model_rtb_foreach_propagated(const struct model *m, const struct model_route_table *rtb,
				 int (*fn)(const struct model_route *route, void *userdata),
				 void *userdata);

/* Names for enums as the EC2 API spells them. */
const char *model_state_name(enum model_state s);
const char *model_cidr_state_name(enum model_cidr_state s);
const char *model_route_origin_name(enum model_route_origin o);
const char *model_instance_state_name(enum model_instance_state s);
int model_instance_state_code(enum model_instance_state s);
const char *model_eni_status_name(enum model_eni_status s);
/* Protocol as the API prints it: "-1", "tcp", "udp", "icmp", "icmpv6" or the number. */
const char *model_protocol_name(int protocol, char buf[8]);
/* Parse "tcp"/"udp"/"icmp"/"icmpv6"/"-1"/"all"/number (0-255). 0 or -EINVAL. */
int model_protocol_parse(const char *s, int *ret_protocol);
/* Kind of target from an ID prefix ("igw-", "nat-", ...). */
enum model_target_type model_target_type_from_id(const char *id);

#endif
