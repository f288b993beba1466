/*
 * Fixture for the plumb tests: a small model built with model_add_* (one VPC,
 * two subnets, instances and ENIs with attachments), a per-process prefix for
 * every namespace and link a test creates, a shell runner for checking the
 * kernel with iproute2 (an oracle independent of libnl), and a cleanup that
 * removes everything carrying the prefix.
 *
 * The model of the scenario tests (2 instances, 3 ENIs):
 *
 *   vpc 10.0.0.0/16
 *     subnet A 10.0.1.0/24           subnet B 10.0.2.0/24
 *   i-0000000000000000a (running)    i-0000000000000000b (running)
 *     eth0 eni-...a0 10.0.1.10         eth0 eni-...b0 10.0.2.30
 *     eth1 eni-...a1 10.0.2.20 (+ secondary 10.0.2.21, prefix 10.0.2.48/28)
 */
#ifndef OPENVPC_TESTS_PLUMB_FIXTURE_H
#define OPENVPC_TESTS_PLUMB_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/model/model.h"

#define FX_VPC "vpc-0000000000000000f"
#define FX_SUBNET_A "subnet-0000000000000000a"
#define FX_SUBNET_B "subnet-0000000000000000b"
#define FX_INST_A "i-0000000000000000a"
#define FX_INST_B "i-0000000000000000b"
#define FX_ENI_A0 "eni-00000000000000a00"
#define FX_ENI_A1 "eni-00000000000000a01"
#define FX_ENI_B0 "eni-00000000000000b00"
#define FX_MAC_A0 "0a:00:00:00:0a:00"
#define FX_MAC_A1 "0a:00:00:00:0a:01"
#define FX_MAC_B0 "0a:00:00:00:0b:00"

static inline uint32_t fx_ip(const char *s)
{
	uint32_t ip = 0;

	net_ip4_parse(s, &ip);
	return ip;
}

static inline struct net_cidr4 fx_cidr(const char *s)
{
	struct net_cidr4 c = { 0 };

	net_cidr4_parse(s, &c);
	return c;
}

static inline struct model_subnet *fx_subnet(struct model *m, const char *id, const char *cidr)
{
	struct model_subnet *s = model_add_subnet(m);

	snprintf(s->id, sizeof(s->id), "%s", id);
	snprintf(s->vpc_id, sizeof(s->vpc_id), "%s", FX_VPC);
	s->cidr = fx_cidr(cidr);
	s->state = MODEL_STATE_AVAILABLE;
	return s;
}

static inline struct model_instance *fx_instance(struct model *m, const char *id,
						 const char *subnet_id)
{
	struct model_instance *inst = model_add_instance(m);

	snprintf(inst->id, sizeof(inst->id), "%s", id);
	snprintf(inst->subnet_id, sizeof(inst->subnet_id), "%s", subnet_id);
	snprintf(inst->vpc_id, sizeof(inst->vpc_id), "%s", FX_VPC);
	snprintf(inst->instance_type, sizeof(inst->instance_type), "t3.micro");
	inst->state = MODEL_INSTANCE_RUNNING;
	return inst;
}

static inline struct model_eni *fx_eni(struct model *m, const char *id, const char *subnet_id,
				       const char *mac, const char *ip, const char *instance_id,
				       int device_index)
{
	struct model_eni *e = model_add_eni(m);
	struct model_eni_ip pip = { .ip = fx_ip(ip), .primary = true };

	snprintf(e->id, sizeof(e->id), "%s", id);
	snprintf(e->subnet_id, sizeof(e->subnet_id), "%s", subnet_id);
	snprintf(e->vpc_id, sizeof(e->vpc_id), "%s", FX_VPC);
	snprintf(e->mac, sizeof(e->mac), "%s", mac);
	model_eni_add_ip(e, &pip);
	e->source_dest_check = true;
	if (instance_id) {
		e->status = MODEL_ENI_IN_USE;
		e->attachment.present = true;
		snprintf(e->attachment.instance_id, sizeof(e->attachment.instance_id), "%s",
			 instance_id);
		snprintf(e->attachment.status, sizeof(e->attachment.status), "attached");
		e->attachment.device_index = device_index;
	}
	return e;
}

/* The scenario model above. */
static inline struct model *fx_model(void)
{
	struct model *m = model_new("123456789012", "us-east-1");
	struct model_vpc *vpc = model_add_vpc(m);
	struct model_eni *a1;
	struct model_eni_ip sec = { .ip = fx_ip("10.0.2.21") };

	struct model_dopt *dopt = model_add_dopt(m);

	snprintf(vpc->id, sizeof(vpc->id), "%s", FX_VPC);
	model_vpc_add_cidr(vpc, "vpc-cidr-assoc-0000000000000000f", fx_cidr("10.0.0.0/16"));
	/* The Region's default DHCP options (lib/model/ops-dhcp.h). */
	snprintf(dopt->id, sizeof(dopt->id), "dopt-0000000000000000f");
	snprintf(vpc->dhcp_options_id, sizeof(vpc->dhcp_options_id), "%s", dopt->id);
	snprintf(dopt->configs[0].key, sizeof(dopt->configs[0].key), "domain-name");
	snprintf(dopt->configs[0].values[0], MODEL_DHCP_VALUE_LEN, "ec2.internal");
	snprintf(dopt->configs[1].key, sizeof(dopt->configs[1].key), "domain-name-servers");
	snprintf(dopt->configs[1].values[0], MODEL_DHCP_VALUE_LEN, "AmazonProvidedDNS");
	dopt->configs[0].n_values = dopt->configs[1].n_values = 1;
	dopt->n_configs = 2;
	fx_subnet(m, FX_SUBNET_A, "10.0.1.0/24");
	fx_subnet(m, FX_SUBNET_B, "10.0.2.0/24");
	fx_instance(m, FX_INST_A, FX_SUBNET_A);
	fx_instance(m, FX_INST_B, FX_SUBNET_B);
	fx_eni(m, FX_ENI_A0, FX_SUBNET_A, FX_MAC_A0, "10.0.1.10", FX_INST_A, 0);
	a1 = fx_eni(m, FX_ENI_A1, FX_SUBNET_B, FX_MAC_A1, "10.0.2.20", FX_INST_A, 1);
	model_eni_add_ip(a1, &sec);
	model_eni_add_prefix(a1, fx_cidr("10.0.2.48/28"));
	fx_eni(m, FX_ENI_B0, FX_SUBNET_B, FX_MAC_B0, "10.0.2.30", FX_INST_B, 0);
	return m;
}

/* ---- shell oracle ---------------------------------------------------------- */

/* Run a shell command; its stdout as a heap string (never NULL). */
__attribute__((format(printf, 1, 2))) static inline char *fx_sh(const char *fmt, ...)
{
	char cmd[2048], *out = NULL;
	size_t n = 0, cap = 0;
	va_list ap;
	FILE *f;
	int c;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (getenv("FX_SH_TRACE"))
		fprintf(stderr, "[%d] %s\n", getpid(), cmd);
	f = popen(cmd, "r");
	if (f) {
		while ((c = fgetc(f)) != EOF) {
			if (n + 2 > cap) {
				cap = cap ? cap * 2 : 256;
				out = realloc(out, cap);
			}
			out[n++] = (char)c;
		}
		pclose(f);
	}
	if (!out)
		out = calloc(1, 1);
	else
		out[n] = '\0';
	return out;
}

/* What the root namespace looks like: links, IPv4 addresses, IPv4 and IPv6 routes of all tables. */
static inline char *fx_root_snapshot(void)
{
	return fx_sh("ip -o link show | awk '{print $2}'; ip -4 -o addr show; "
		     "ip -4 route show table all; ip -6 route show table all");
}

/*
 * Per-process names: ns prefix "ovtP<pid>-", link prefix "q" + base-36 pid (at
 * most 7 characters), fabric namespace "ovtP<pid>-fabric".
 */
struct fx_names {
	char ns_prefix[32];
	char link_prefix[8];
	char fabric_ns[48];
};

static inline void fx_names_init(struct fx_names *n)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	char rev[8];
	unsigned pid = (unsigned)getpid(), k = 0;

	snprintf(n->ns_prefix, sizeof(n->ns_prefix), "ovtP%u-", pid);
	snprintf(n->fabric_ns, sizeof(n->fabric_ns), "ovtP%u-fabric", pid);
	do {
		rev[k++] = digits[pid % 36];
		pid /= 36;
	} while (pid && k < 6);
	n->link_prefix[0] = 'q';
	for (unsigned i = 0; i < k; i++)
		n->link_prefix[1 + i] = rev[k - 1 - i];
	n->link_prefix[1 + k] = '\0';
}

/* Remove every namespace whose name starts with the prefix (links go with them). */
static inline void fx_cleanup_namespaces(const struct fx_names *n)
{
	free(fx_sh("for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^%s'); do "
		   "ip netns del \"$ns\"; done; rm -rf /etc/netns/%s*",
		   n->ns_prefix, n->ns_prefix));
}

/*
 * Remove the namespaces "ovtP<pid>-..." of test processes that no longer
 * exist (a worker that crashed never ran its fini).  Live processes' names
 * are never touched, so parallel runs do not disturb each other.
 */
static inline void fx_reap_orphans(void)
{
	free(fx_sh("for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | "
		   "grep -E '^ovtP[0-9]+-'); do pid=${ns#ovtP}; pid=${pid%%%%-*}; "
		   "[ -d /proc/$pid ] || ip netns del \"$ns\" 2>/dev/null; done"));
}

#endif
