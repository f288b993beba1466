/*
 * engine: the VPC semantics engine.  Every VPC rule lives here, once.
 *
 * Two halves:
 *
 *   - A *generation* (struct eng_gen) is the model compiled into immutable
 *     lookup tables: an LPM table per route table, a security-group
 *     classifier per ENI and direction, an ordered rule array per network
 *     ACL, an IP -> ENI ownership map, the gateways.  eng_compile() builds one
 *     from a struct model; it never changes afterwards and is shared by
 *     reference count.  Objects are numbered inside a generation (ENI index,
 *     subnet index, ...); the numbering is only valid for that generation.
 *
 *   - The *state* (struct eng_state) is what packets change: connection
 *     tracking, NAT gateway mappings, flow-log counters.  It survives
 *     generation changes, so a rule change never drops a tracked flow.
 *
 * eng_process() runs one packet, entering at an ENI or at a gateway, through
 * every component on its path inside the VPC (ENI checks, security groups,
 * NACLs, route tables, IGW 1:1 NAT, NAT gateway, VGW) until it leaves: to an
 * ENI, to the internet through the IGW, to the VPN through the VGW, or
 * dropped.  It allocates nothing and reads no clock: time is an argument.
 *
 * Publishing: the control plane calls eng_state_publish() with a new
 * generation from any thread; the packet thread picks it up with one atomic
 * pointer exchange in eng_state_sync(), so a packet sees either the old or the
 * new generation, never a mix.  Everything else on a state is single-threaded.
 *
 * Errors follow the project convention: 0 or a negative errno.
 */
#ifndef OPENVPC_ENGINE_H
#define OPENVPC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/model/model.h"
#include "lib/net/pkt.h"

struct eng_gen;
struct eng_state;

/* ---- explanation codes (AWS Reachability Analyzer) ----------------------- */

#define ENG_EXPLANATIONS(X)                                                                    \
	X(NONE)                                                                                \
	X(BAD_STATE)                                                                           \
	X(BAD_STATE_ATTACHMENT)                                                                \
	X(BAD_STATE_ROUTE)                                                                     \
	X(BAD_STATE_VPN)                                                                       \
	X(CANNOT_ROUTE)                                                                        \
	X(ENI_SG_RULES_MISMATCH)                                                               \
	X(ENI_SOURCE_DEST_CHECK_RESTRICTION)                                                   \
	X(GATEWAY_REJECTS_SPOOFED_TRAFFIC)                                                     \
	X(HIGHER_PRIORITY_ROUTE)                                                               \
	X(IGW_DESTINATION_ADDRESS_IN_VPC_CIDRS)                                                \
	X(IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS)                                       \
	X(IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS)                                       \
	X(IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS)                                              \
	X(IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS)                                                \
	X(IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS)                                           \
	X(IGW_SOURCE_ADDRESS_NOT_IN_RFC6598_INGRESS)                                           \
	X(MORE_SPECIFIC_ROUTE)                                                                 \
	X(NGW_DEST_ADDRESS_PRESERVATION)                                                       \
	X(NGW_REQUIRES_SOURCE_IN_VPC)                                                          \
	X(NGW_SOURCE_ADDRESS_REASSIGN)                                                         \
	X(NO_POSSIBLE_DESTINATION)                                                             \
	X(NO_ROUTE_TO_DESTINATION)                                                             \
	X(PROTOCOL_RESTRICTION)                                                                \
	X(REMAP_EPHEMERAL_PORT)                                                                \
	X(SG_HAS_NO_RULES)                                                                     \
	X(SG_REFERENCES_NOT_PRESERVED)                                                         \
	X(SUBNET_ACL_RESTRICTION)                                                              \
	X(UNKNOWN_DESTINATION)                                                                 \
	X(VGW_PRIVATE_IP_ASSOCIATION_FOR_EGRESS)                                               \
	X(VGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS)                                              \
	X(VPC_LOCAL_ROUTE_CIDR_RESTRICTION)                                                    \
	X(DISCONNECTED_VPCS)                                                                   \
	X(NO_PATH)                                                                             \
	X(NO_SOURCE_OR_DESTINATION)                                                            \
	X(UNASSOCIATED_COMPONENT)                                                              \
	X(UNSUPPORTED_COMPONENT)

enum eng_explanation {
#define ENG_EXPL_ENUM(name) ENG_EXPL_##name,
	ENG_EXPLANATIONS(ENG_EXPL_ENUM)
#undef ENG_EXPL_ENUM
		ENG_EXPL__COUNT
};

/* "ENI_SG_RULES_MISMATCH" etc.; "" for ENG_EXPL_NONE. */
const char *eng_explanation_name(enum eng_explanation e);

/* ---- compile ------------------------------------------------------------- */

/*
 * Compile a model into a new generation (reference count 1).  The model is
 * only read.  Returns 0, -ENOMEM, or -E2BIG when a table exceeds the engine's
 * hard limits.
 */
int eng_compile(const struct model *m, struct eng_gen **ret_gen);
struct eng_gen *eng_gen_ref(struct eng_gen *g);
/* Drops a reference; frees at zero.  Accepts NULL; returns NULL. */
struct eng_gen *eng_gen_unref(struct eng_gen *g);

/* Counts and IDs of the numbered objects of a generation. */
size_t eng_gen_eni_count(const struct eng_gen *g);
const char *eng_gen_eni_id(const struct eng_gen *g, uint32_t eni);
/* Index of an ENI by ID; -ENOENT when absent. */
int eng_gen_eni_index(const struct eng_gen *g, const char *eni_id, uint32_t *ret_eni);
/* The ENI that owns a private IPv4 (address or prefix); -ENOENT when none. */
int eng_gen_eni_by_ip(const struct eng_gen *g, uint32_t ip, uint32_t *ret_eni);
size_t eng_gen_igw_count(const struct eng_gen *g);
const char *eng_gen_igw_id(const struct eng_gen *g, uint32_t igw);
int eng_gen_igw_index(const struct eng_gen *g, const char *igw_id, uint32_t *ret_igw);
size_t eng_gen_vgw_count(const struct eng_gen *g);
const char *eng_gen_vgw_id(const struct eng_gen *g, uint32_t vgw);
int eng_gen_vgw_index(const struct eng_gen *g, const char *vgw_id, uint32_t *ret_vgw);
size_t eng_gen_nat_count(const struct eng_gen *g);
const char *eng_gen_nat_id(const struct eng_gen *g, uint32_t nat);
const char *eng_gen_sg_id(const struct eng_gen *g, uint32_t sg);
const char *eng_gen_nacl_id(const struct eng_gen *g, uint32_t nacl);
const char *eng_gen_rtb_id(const struct eng_gen *g, uint32_t rtb);
const char *eng_gen_subnet_id(const struct eng_gen *g, uint32_t subnet);
/* VPC and subnet of an ENI (IDs). */
const char *eng_gen_eni_vpc_id(const struct eng_gen *g, uint32_t eni);
const char *eng_gen_eni_subnet_id(const struct eng_gen *g, uint32_t eni);
/*
 * The route at index route of compiled route table rtb (static, local and
 * propagated routes, as the trace numbers them).  0 or -ENOENT.
 */
int eng_gen_route(const struct eng_gen *g, uint32_t rtb, uint32_t route,
		  struct model_route *ret_route);

/* ---- state --------------------------------------------------------------- */

struct eng_limits {
	uint32_t ct_max;	 /* tracked connections in total (default 1,048,576) */
	uint32_t ct_per_eni_max; /* per ENI (default 65,536; AWS: per-instance allowance) */
	uint32_t nat_max;	 /* NAT gateway mappings in total (default 262,144) */
	uint32_t flow_max;	 /* flow-log records held per interval (default 65,536) */
	uint64_t seed;		 /* randomness (NAT port choice); fixed for reproducible runs */
	/*
	 * Entries of the flow cache (default 262,144, 16 MB; 0 disables it).  The
	 * cache only makes packets faster: results and state changes are the same
	 * with and without it.
	 */
	uint32_t flow_cache_max;
};

/* Fills *l with the defaults above. */
void eng_limits_default(struct eng_limits *l);

/* New state with preallocated tables; NULL on OOM. */
struct eng_state *eng_state_new(const struct eng_limits *limits);
/* Frees the state and drops its generation references.  Accepts NULL. */
struct eng_state *eng_state_free(struct eng_state *st);

/*
 * Publish a generation (any thread).  Takes a new reference to gen.  The
 * packet thread adopts it at its next eng_state_sync().
 */
void eng_state_publish(struct eng_state *st, struct eng_gen *gen);
/*
 * Packet thread: adopt the newest published generation, if any, and return
 * the current one (borrowed; valid until the next sync).  NULL before the
 * first publish.
 */
const struct eng_gen *eng_state_sync(struct eng_state *st);

/* ---- processing ---------------------------------------------------------- */

enum eng_point {
	ENG_AT_ENI, /* sent by the instance behind ENI idx (leaving the ENI) */
	ENG_AT_IGW, /* arriving from the internet at IGW idx */
	ENG_AT_VGW, /* arriving from the VPN at VGW idx */
};

struct eng_where {
	enum eng_point point;
	uint32_t idx;
};

enum eng_verdict {
	ENG_DROP,
	ENG_DELIVER,	  /* to the ENI in result.to.idx (the instance receives it) */
	ENG_TO_INTERNET,  /* out of the IGW in result.to.idx */
	ENG_TO_VPN,	  /* out of the VGW in result.to.idx */
	ENG_TO_SERVICE,	  /* to a VPC service address (IMDS, DNS, time): the fabric answers */
	ENG_REPLY_RST,	  /* drop, and send result.out (a TCP RST) back to the sender */
};

/* Why a packet was dropped (one per verdict; the trace holds the details). */
enum eng_drop {
	ENG_DROP_NONE,
	ENG_DROP_MALFORMED,
	ENG_DROP_SRC_DST_CHECK,
	ENG_DROP_SG_EGRESS,
	ENG_DROP_SG_INGRESS,
	ENG_DROP_NACL_EGRESS,
	ENG_DROP_NACL_INGRESS,
	ENG_DROP_NO_ROUTE,
	ENG_DROP_BLACKHOLE,
	ENG_DROP_NO_DESTINATION, /* routed locally but no ENI owns the address */
	ENG_DROP_IGW_NO_PUBLIC_IP,
	ENG_DROP_IGW_BAD_ADDRESS,
	ENG_DROP_NAT_PROTOCOL,
	ENG_DROP_NAT_PORTS,	/* 55,000 per destination exhausted (ErrorPortAllocation) */
	ENG_DROP_NAT_NO_MAPPING,
	ENG_DROP_NAT_SOURCE,	/* source not in the NAT gateway's VPC */
	ENG_DROP_NAT_FRAGMENT,
	ENG_DROP_VGW_ADDRESS,
	ENG_DROP_CT_FULL,	/* conntrack allowance exceeded */
	ENG_DROP_LOOP,		/* more hops than any valid VPC path */
	ENG_DROP__COUNT
};

const char *eng_drop_name(enum eng_drop d);

struct eng_result {
	enum eng_verdict verdict;
	enum eng_drop drop;
	struct eng_where to; /* ENI, IGW or VGW index for DELIVER / TO_* */
	struct pkt_hdr out;  /* header as it leaves (after NAT) or the RST to send */
};

/* ---- trace ---------------------------------------------------------------- */

enum eng_component {
	ENG_COMP_ENI,
	ENG_COMP_SG,	  /* obj = ENI index; the rule names the group */
	ENG_COMP_NACL,	  /* obj = NACL index */
	ENG_COMP_RTB,	  /* obj = route table index */
	ENG_COMP_IGW,
	ENG_COMP_NAT,
	ENG_COMP_VGW,
	ENG_COMP_SUBNET,
};

enum eng_dir {
	ENG_DIR_EGRESS,
	ENG_DIR_INGRESS,
};

struct eng_trace_step {
	enum eng_component component;
	enum eng_dir dir;
	uint32_t obj;	    /* index of the component in the generation */
	bool blocked;	    /* this step rejected the packet */
	bool by_state;	    /* passed by connection tracking, not by a rule */
	enum eng_explanation explanation;
	/*
	 * The rule that decided, as an index into the model object's array:
	 * SG: rule_obj = SG index in the generation, rule = index in the SG's rules;
	 * NACL: rule = index in the NACL's entries;
	 * RTB: rule = index in the route table's compiled routes.
	 * -1 when no rule applies (a missing rule, a default deny).
	 */
	int32_t rule_obj;
	int32_t rule;
	struct pkt_hdr in;  /* header entering this component */
	struct pkt_hdr out; /* header leaving it */
};

#define ENG_TRACE_MAX 48

struct eng_trace {
	/*
	 * When true, a security-group or NACL rejection is recorded and the
	 * packet continues as if it had been allowed, so that one trace lists
	 * every setting that would have to change (a blocked path in the sense
	 * of Bayless et al., CAV 2021).  Routing failures still stop the trace.
	 */
	bool continue_past_block;
	unsigned n;
	struct eng_trace_step steps[ENG_TRACE_MAX];
};

/*
 * Run one packet.  now_ms is the caller's clock in milliseconds (Unix epoch
 * for flow-log timestamps).  trace may be NULL (the fast path); when given,
 * every decision is appended to it.  With trace->continue_past_block the
 * state is not changed (no conntrack entry, no NAT mapping, no flow-log
 * record): the trace is an analysis, not traffic.
 *
 * Always fills *ret and returns 0; a negative errno only for invalid
 * arguments (-EINVAL: unknown ingress index).
 */
int eng_process(struct eng_state *st, const struct eng_gen *gen, const struct pkt_hdr *pkt,
		struct eng_where from, uint64_t now_ms, struct eng_trace *trace,
		struct eng_result *ret);

/*
 * Run n packets in order, exactly as n calls of eng_process() without a
 * trace (same results, same state changes), while the memory later packets
 * will need (flow-cache sets and entries, conntrack entries) is prefetched:
 * with large tables a packet then rarely waits for memory.  from[i] is where
 * pkts[i] enters; results go to ret[i].  0, or -EINVAL when an ingress index
 * is unknown (checked first: then no packet was processed), or eng_process()'s
 * -ENOMEM when adopting gen fails (the packets before that one were run).
 */
int eng_process_burst(struct eng_state *st, const struct eng_gen *gen,
		      const struct pkt_hdr *pkts, const struct eng_where *from, size_t n,
		      uint64_t now_ms, struct eng_result *ret);

/*
 * Expire idle conntrack entries and NAT mappings, at most budget of each per
 * call (the packet thread calls this between batches).  Returns how many
 * were removed.
 */
size_t eng_state_expire(struct eng_state *st, uint64_t now_ms, size_t budget);

/* Counters, for metrics and benchmarks. */
struct eng_stats {
	uint64_t packets, delivered, dropped;
	uint64_t ct_entries, ct_hits, ct_full;
	uint64_t nat_mappings, nat_port_alloc_errors, nat_idle_timeouts;
	uint64_t flow_records_skipped;
	uint64_t flow_cache_hits; /* packets answered by the flow cache */
	uint64_t drops[ENG_DROP__COUNT];
};
void eng_state_stats(const struct eng_state *st, struct eng_stats *ret_stats);

/* ---- reachability analysis --------------------------------------------- */

/*
 * A reachability question answered the way AWS Reachability Analyzer answers
 * it, by running a representative packet through the engine on a private,
 * empty state: the forward packet from `from`, and when it arrives, the
 * reply from where it arrived (so security groups pass it by state and
 * NACLs must allow it on their own).
 */
struct eng_analysis {
	bool path_found;
	struct pkt_hdr forward_packet;
	struct eng_result forward_result;
	struct eng_trace forward; /* with every block listed when blocked */
	bool has_return;
	struct pkt_hdr return_packet;
	struct eng_result return_result;
	struct eng_trace ret;
};

/*
 * Analyse pkt entering at from.  0, -EINVAL (bad index) or -ENOMEM.  The
 * generation is only read.
 */
int eng_analyze(const struct eng_gen *g, struct eng_where from, const struct pkt_hdr *pkt,
		uint64_t now_ms, struct eng_analysis *ret_analysis);

/* ---- flow logs ------------------------------------------------------------ */

/*
 * One flow-log record: every field of versions 2 to 5.  Strings point into
 * the generation that produced the record and are valid while it lives.
 */
struct eng_flow_record {
	const char *flow_log_id;
	const char *account_id;
	const char *interface_id;
	uint32_t srcaddr, dstaddr;	   /* 0 for NODATA / SKIPDATA */
	uint16_t srcport, dstport;
	uint8_t protocol;
	uint64_t packets, bytes;
	int64_t start, end;		   /* Unix seconds */
	enum { ENG_FLOW_ACCEPT, ENG_FLOW_REJECT } action;
	enum { ENG_FLOW_OK, ENG_FLOW_NODATA, ENG_FLOW_SKIPDATA } log_status;
	const char *vpc_id, *subnet_id, *instance_id; /* instance "" when none */
	int tcp_flags;			   /* OR-ed over the interval; -1 when invalid */
	uint32_t pkt_srcaddr, pkt_dstaddr;
	const char *region, *az_id;
	bool egress;			   /* flow-direction */
	int traffic_path;		   /* 1..8 for egress, 0 = "-" */
	const char *format;		   /* the flow log's LogFormat (NULL = default v2) */
};

/*
 * Emit the records of every interval that ended by now_ms (per flow log
 * configuration and its MaxAggregationInterval, or interval_override_s when
 * non-zero, for tests) and reset their counters.  ENIs covered by a flow log
 * that saw no traffic get a NODATA record.  fn is called once per record
 * and per flow log that covers the ENI and whose TrafficType admits the
 * action.  Returns the number of records emitted.
 */
size_t eng_flowlog_flush(struct eng_state *st, const struct eng_gen *gen, uint64_t now_ms,
			 uint32_t interval_override_s,
			 void (*fn)(const struct eng_flow_record *rec, void *userdata),
			 void *userdata);

#endif
