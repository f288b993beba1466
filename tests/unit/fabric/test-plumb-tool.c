/*
 * test-plumb-tool: drives plumb for tests/integration/test-fabric-plumb.sh
 * (a tool, not a test).  It builds a generated model and reconciles it, or
 * tears a configuration down, and prints one line of counts and the time the
 * call took.
 *
 *   test-plumb-tool up NS_PREFIX LINK_PREFIX FABRIC_NS INSTANCES ENIS_PER_INSTANCE [RUNNING]
 *   test-plumb-tool down NS_PREFIX LINK_PREFIX FABRIC_NS
 *
 * The model: VPC 10.0.0.0/16 with four /20 subnets; instance k
 * (i-<17 hex digits of k>) lives in subnet k % 4; its ENI j
 * (eni-<17 hex digits of k * 16 + j>) is ethj, subnet k % 4, MAC
 * 0a:00:00:HH:LL:jj (HHLL = k), primary IP subnet base + 10 + k * 16 + j.
 * Instances k >= RUNNING (default: all run) are stopped.
 * Exit status 0 when the call succeeded with no error, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fabric/plumb.h"

static void print_counts(const struct plumb_counts *c, double ms, size_t n_ports)
{
	printf("fabric_ns_created=%d ns_created=%u ns_removed=%u ns_unchanged=%u "
	       "ports_created=%u ports_removed=%u ports_updated=%u ports_unchanged=%u "
	       "ports_skipped=%u errors=%u first_error=%d ports=%zu ms=%.1f\n",
	       c->fabric_ns_created, c->ns_created, c->ns_removed, c->ns_unchanged,
	       c->ports_created, c->ports_removed, c->ports_updated, c->ports_unchanged,
	       c->ports_skipped, c->errors, c->first_error, n_ports, ms);
}

static struct model *gen_model(unsigned n_inst, unsigned n_enis, unsigned running)
{
	struct model *m = model_new("123456789012", "us-east-1");
	struct model_vpc *vpc = model_add_vpc(m);

	snprintf(vpc->id, sizeof(vpc->id), "vpc-00000000000000001");
	model_vpc_add_cidr(vpc, "vpc-cidr-assoc-00000000000000001",
			   (struct net_cidr4){ .addr = 0x0a000000, .len = 16 });
	for (unsigned s = 0; s < 4; s++) {
		struct model_subnet *sn = model_add_subnet(m);

		snprintf(sn->id, sizeof(sn->id), "subnet-%017x", s);
		snprintf(sn->vpc_id, sizeof(sn->vpc_id), "%s", vpc->id);
		sn->cidr = (struct net_cidr4){ .addr = 0x0a000000 | (s * 16) << 8, .len = 20 };
	}
	for (unsigned k = 0; k < n_inst; k++) {
		struct model_instance *inst = model_add_instance(m);
		unsigned s = k % 4;

		snprintf(inst->id, sizeof(inst->id), "i-%017x", k);
		snprintf(inst->subnet_id, sizeof(inst->subnet_id), "subnet-%017x", s);
		snprintf(inst->vpc_id, sizeof(inst->vpc_id), "%s", vpc->id);
		inst->state = k < running ? MODEL_INSTANCE_RUNNING : MODEL_INSTANCE_STOPPED;
		for (unsigned j = 0; j < n_enis; j++) {
			struct model_eni *e = model_add_eni(m);
			struct model_eni_ip ip = {
				.ip = (0x0a000000 | (s * 16) << 8) + 10 + k * 16 + j,
				.primary = true,
			};

			snprintf(e->id, sizeof(e->id), "eni-%017x", k * 16 + j);
			snprintf(e->subnet_id, sizeof(e->subnet_id), "subnet-%017x", s);
			snprintf(e->vpc_id, sizeof(e->vpc_id), "%s", vpc->id);
			snprintf(e->mac, sizeof(e->mac), "0a:00:00:%02x:%02x:%02x", (uint8_t)(k >> 8),
				 (uint8_t)k, (uint8_t)j);
			model_eni_add_ip(e, &ip);
			e->attachment.present = true;
			snprintf(e->attachment.instance_id, sizeof(e->attachment.instance_id), "%s",
				 inst->id);
			e->attachment.device_index = (int)j;
		}
	}
	return m;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct plumb_config cfg;
	struct plumb_counts c = { 0 };
	struct fabric_port *ports = NULL;
	struct plumb *p = NULL;
	size_t n_ports = 0;
	double t0;
	int r;

	if (argc < 5 || (strcmp(argv[1], "up") != 0 && strcmp(argv[1], "down") != 0) ||
	    (strcmp(argv[1], "up") == 0 && argc < 7)) {
		fprintf(stderr, "usage: %s up NS_PREFIX LINK_PREFIX FABRIC_NS INSTANCES "
				"ENIS_PER_INSTANCE [RUNNING]\n"
				"       %s down NS_PREFIX LINK_PREFIX FABRIC_NS\n",
			argv[0], argv[0]);
		return 2;
	}
	cfg = (struct plumb_config){ .ns_prefix = argv[2], .link_prefix = argv[3],
				     .fabric_ns = argv[4] };
	r = plumb_new(&cfg, &p);
	if (r < 0) {
		fprintf(stderr, "plumb_new: %s\n", strerror(-r));
		return 1;
	}
	if (strcmp(argv[1], "up") == 0) {
		unsigned n_inst = (unsigned)strtoul(argv[5], NULL, 10);
		unsigned n_enis = (unsigned)strtoul(argv[6], NULL, 10);
		unsigned running = argc > 7 ? (unsigned)strtoul(argv[7], NULL, 10) : n_inst;
		struct model *m;

		if (n_inst > 250 || n_enis > 15) {
			fprintf(stderr, "at most 250 instances of 15 ENIs\n");
			plumb_free(p);
			return 2;
		}
		m = gen_model(n_inst, n_enis, running);
		t0 = now_ms();
		r = plumb_reconcile(p, m, &c, &ports, &n_ports);
		model_free(m);
	} else {
		t0 = now_ms();
		r = plumb_teardown(p, &c);
	}
	print_counts(&c, now_ms() - t0, n_ports);
	fabric_ports_free(ports);
	plumb_free(p);
	if (r < 0)
		fprintf(stderr, "%s: %s\n", argv[1], strerror(-r));
	return r < 0 || c.errors ? 1 : 0;
}
