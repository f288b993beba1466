/*
 * libFuzzer target: the vpc-ipamd message decoders (requests as ipamd reads
 * them from any local client, responses as the plugin reads them).  A
 * decoded message must re-encode and decode to the same values.  Seeds:
 * tests/fuzz/corpus/cni-proto/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cni/cni-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_proto_req q, q2;
	struct cni_proto_resp p, p2;
	struct cni_err err;
	char *s;

	if (cni_proto_req_decode((const char *)data, size, &q, &err) == 0) {
		s = cni_proto_req_encode(&q);
		if (!s || cni_proto_req_decode(s, strlen(s), &q2, &err) < 0 || q2.op != q.op ||
		    strcmp(q2.container_id, q.container_id) != 0 || q2.n_valid != q.n_valid)
			abort();
		cni_proto_req_clear(&q2);
		cni_proto_req_clear(&q);
		free(s);
	}
	if (cni_proto_resp_decode((const char *)data, size, &p, &err) == 0) {
		s = cni_proto_resp_encode(&p);
		if (!s || cni_proto_resp_decode(s, strlen(s), &p2, &err) < 0 || p2.ok != p.ok ||
		    (p.ok && (p2.ip4 != p.ip4 || p2.n_vpc_cidrs != p.n_vpc_cidrs)))
			abort();
		free(s);
	}
	return 0;
}
