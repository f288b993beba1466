/*
 * libFuzzer target: DNS queries (from instances, untrusted) answered by the
 * Amazon DNS server's message code over a model with the default VPC and
 * one instance.  Whatever comes in, an answer is either refused (no
 * response) or a well-formed DNS response to the same ID.
 */
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/dns-wire.h"
#include "lib/model/ops-instance.h"
#include "lib/model/ops-vpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct model *m;
static struct model_vpc *vpc;

static void setup(void)
{
	static struct model_ctx ctx;
	static struct util_rng rng;
	struct model_err err = {0};
	struct model_instance *inst;
	struct model_run_instances run = {.image_id = "ami-0abcdef1234567890",
					  .instance_type = "t3.small", .min_count = 1,
					  .max_count = 1, .associate_public_ip = -1};
	size_t n;

	util_rng_seed(&rng, 7);
	model_ctx_init(&ctx, "us-east-1", &rng);
	m = model_new("123456789012", "us-east-1");
	if (!m || model_op_create_default_vpc(m, &ctx, &vpc, &err) < 0 ||
	    model_op_run_instances(m, &ctx, &run, &inst, &n, &err) < 0)
		abort();
}

static int resolve(void *ud, const char *qname, uint16_t qtype, struct model_dns_answer *ret)
{
	return model_dns_resolve(m, vpc->id, qname, qtype, ret);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out = NULL;
	size_t out_len = 0;
	ldns_pkt *p = NULL;

	if (!m)
		setup();
	if (dns_wire_answer(data, size, resolve, NULL, &out, &out_len) < 0)
		return 0;
	if (ldns_wire2pkt(&p, out, out_len) != LDNS_STATUS_OK || !ldns_pkt_qr(p) ||
	    ldns_pkt_id(p) != (uint16_t)(data[0] << 8 | data[1]) || ldns_pkt_ancount(p) > 1)
		abort();
	ldns_pkt_free(p);
	free(out);
	return 0;
}
