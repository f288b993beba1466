/*
 * libFuzzer target: vpc-cni's network configuration parser on arbitrary
 * bytes, and what the plugin does next with what it parsed (prevResult
 * extraction, rendering a result in the configuration's version, the error
 * JSON).  Nothing may crash, leak or read out of bounds; every error has a
 * spec code and a terminated message.  Seeds: tests/fuzz/corpus/cni-conf/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cni/cni-conf.h"
#include "cni/cni-result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_conf *c = NULL;
	struct cni_err err = {0};
	char *s;

	if (cni_conf_parse((const char *)data, size, &c, &err) < 0) {
		if (err.code <= 0 || !memchr(err.msg, '\0', sizeof(err.msg)))
			abort();
		s = cni_err_json(&err, NULL);
		if (!s)
			abort();
		free(s);
		return 0;
	}
	if (c->prev_result) {
		struct cni_pod_result r;

		if (cni_result_from_prev(c->prev_result, &r, &err) == 0) {
			s = cni_result_json(&r, c->version, c->version_str);
			if (!s)
				abort();
			free(s);
		}
	}
	cni_conf_free(c);
	return 0;
}
