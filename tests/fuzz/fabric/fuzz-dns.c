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
#include "tests/fuzz/fabric/fuzz-model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct model *m;
static struct model_vpc *vpc;

static int resolve(void *ud, const char *qname, uint16_t qtype, struct model_dns_answer *ret)
{
	return model_dns_resolve(m, vpc->id, qname, qtype, ret);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out = NULL;
	size_t out_len = 0;
	ldns_pkt *p = NULL;

	if (!m) {
		struct model_instance *inst;

		m = fuzz_model_new(&vpc, &inst);
	}
	if (dns_wire_answer(data, size, resolve, NULL, &out, &out_len) < 0)
		return 0;
	if (ldns_wire2pkt(&p, out, out_len) != LDNS_STATUS_OK || !ldns_pkt_qr(p) ||
	    ldns_pkt_id(p) != (uint16_t)(data[0] << 8 | data[1]) || ldns_pkt_ancount(p) > 1)
		abort();
	ldns_pkt_free(p);
	free(out);
	return 0;
}
