/*
 * libFuzzer target: Instance Metadata Service requests (from instances,
 * untrusted) answered over a model with one instance.  The input is split
 * at NUL bytes into method, path, token and TTL header; a missing part is
 * an absent header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/imds.h"
#include "tests/fuzz/fabric/fuzz-model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct model *m;
static struct model_instance *inst;
static const struct imds_key key = {{7, 1, 2}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *part[4] = {NULL, NULL, NULL, NULL};
	struct imds_resp resp;
	struct imds_req q;
	char *copy;
	size_t k = 0;

	if (!m) {
		struct model_vpc *vpc;

		m = fuzz_model_new(&vpc, &inst);
	}
	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	part[0] = copy;
	for (size_t i = 0; i < size && k < 3; i++)
		if (copy[i] == '\0')
			part[++k] = copy + i + 1;
	q = (struct imds_req){.method = part[0], .path = part[1] ? part[1] : "/",
			      .token = part[2], .ttl = part[3], .forwarded = size && (data[0] & 0x80)};
	if (imds_answer(&key, m, inst->id, 1700000000, &q, &resp) == 0) {
		if (resp.status < 200 || resp.status > 599 || !resp.body || !resp.content_type)
			abort();
		imds_resp_clear(&resp);
	}
	free(copy);
	return 0;
}
