/*
 * trace: `vpcctl trace`, a reachability question over `aws ec2 describe-*`
 * JSON, answered by the engine (eng_analyze) and printed in the shape of AWS
 * Reachability Analyzer's NetworkInsightsAnalysis (JSON) or as sentences
 * (text).
 *
 * Flow: trace.c parses the options, loads the JSON (lib/awsjson), resolves
 * the source and destination to ENIs or to outside addresses, builds the
 * packet, compiles the model and runs the analysis into a struct
 * trace_report.  render-json.c and render-text.c only read a report; they
 * never decide anything about reachability (the engine did), they name what
 * the engine found: components by ID and Name tag, the rules that decided,
 * and one sentence per block.
 *
 * Ownership: a report borrows the model, the generation and the analysis;
 * the caller keeps them alive while rendering.
 */
#ifndef OPENVPC_CLI_TRACE_H
#define OPENVPC_CLI_TRACE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/engine/engine.h"
#include "lib/model/model.h"

#define TRACE_DEFAULT_SOURCE_PORT 40000
#define TRACE_ICMP_IDENTIFIER	  1

enum trace_endpoint_kind {
	TRACE_EP_ENI,	   /* an ENI of the model (given by ENI ID, instance ID or address) */
	TRACE_EP_INTERNET, /* an address outside the VPC, through the internet gateway */
	TRACE_EP_VPN,	   /* an address on premises, through the VPN gateway */
};

struct trace_endpoint {
	enum trace_endpoint_kind kind;
	char input[80];		       /* as given on the command line */
	char eni_id[MODEL_ID_LEN];     /* TRACE_EP_ENI */
	char gateway_id[MODEL_ID_LEN]; /* IGW or VGW the packet enters or leaves by, if known */
	uint32_t ip;		       /* address in the packet */
	bool public_ip;		       /* ip is the ENI's public IP (reached through the IGW) */
};

struct trace_report {
	const struct model *m;
	const struct eng_gen *g;
	struct trace_endpoint src, dst;
	struct pkt_hdr pkt;
	/* The analysis, or NULL when none could run (config_code says why). */
	const struct eng_analysis *a;
	enum eng_explanation config_code;
	char config_message[256];
	char analysis_id[MODEL_ID_LEN]; /* "nia-" + 17 hex, a hash of the question */
	char path_id[MODEL_ID_LEN];	/* "nip-" + 17 hex */
};

/*
 * Where `--state-dir DIR` models come from (vpcd's store; vpcctl.c sets it
 * when built with the daemons).  0 or a negative errno with why[] filled.
 */
typedef int (*trace_live_loader_fn)(const char *state_dir, const char *region,
				    struct model **ret_model, char *why, size_t why_size);
void trace_set_live_loader(trace_live_loader_fn fn);

/* `vpcctl trace ...`: exit status 0 reachable, 1 not reachable, 2 bad input. */
int trace_main(int argc, char **argv);

/*
 * The NetworkInsightsAnalysis document for a report (a new reference), or
 * NULL on OOM.
 */
json_t *trace_render_json(const struct trace_report *r);
/* Print it, indented like the AWS CLI.  0 or -EIO / -ENOMEM. */
int trace_print_json(const struct trace_report *r, FILE *out);

/* The path hop by hop, a verdict and one sentence per block.  0 or -EIO. */
int trace_print_text(const struct trace_report *r, FILE *out, bool color);

/*
 * Helpers shared by the renderers (render-text.c).
 *
 * trace_label(): "id (Name)" for any model object ID, or the ID alone.
 * trace_packet_desc(): "tcp 5432", "udp 53", "icmp echo request", "protocol 50".
 * trace_rule_ports(): ports of a rule as text: "tcp 5432", "tcp 1024-65535",
 * "all tcp", "all traffic", "icmp type 8".
 */
const char *trace_label(const struct model *m, const char *id, char *buf, size_t size);
/* The Name tag (for an ENI without one, its instance's; for an SG, else its group name), or NULL.
 */
const char *trace_name(const struct model *m, const char *id);
const char *trace_packet_desc(const struct pkt_hdr *h, char *buf, size_t size);
const char *trace_rule_ports(int protocol, int from, int to, char *buf, size_t size);
/* ARN of an ID ("arn:aws:ec2:<region>:<account>:<type>/<id>"), or NULL when not derivable. */
const char *trace_arn(const struct model *m, const char *id, char *buf, size_t size);
/* The ID of the component of a step, or NULL when it has none. */
const char *trace_step_component_id(const struct trace_report *r, const struct eng_trace_step *s);
/*
 * For a NACL step, the entry that decided; for a block where no entry
 * matched, the final deny-all rule (*) (the model's 32767 entry, or a
 * stand-in when the JSON lacks it).  NULL for other steps.
 */
const struct model_nacl_entry *trace_step_acl_entry(const struct trace_report *r,
						    const struct eng_trace_step *s);
/* For an SG step, the rule that allowed, or NULL (none matched, or not an SG step). */
const struct model_sg_rule *trace_step_sg_rule(const struct trace_report *r,
					       const struct eng_trace_step *s);
/* For an SG step, the ENI's security groups joined with ", " (labels). */
const char *trace_step_sg_list(const struct trace_report *r, const struct eng_trace_step *s,
			       char *buf, size_t size);

#endif
