/*
 * libFuzzer target: vpc-ipamd's checkpoint parser, then restoring what it
 * read into a datastore (as a restart does).  A corrupted file must give an
 * error naming the field, never a crash, and restoring never hands one
 * address to two allocations.  Seeds: tests/fuzz/corpus/ipam-ckpt/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipamd/ipam-ckpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipam_ckpt_entry *ents = NULL;
	size_t n = 0;
	char err[256];
	struct ipam_ds *ds;
	struct ipam_stats s;

	if (ipam_ckpt_parse((const char *)data, size, &ents, &n, err, sizeof(err)) < 0) {
		if (!memchr(err, '\0', sizeof(err)))
			abort();
		return 0;
	}
	ds = ipam_ds_new(30000);
	ipam_ds_add_eni(ds, "eni-a", 0, true, 0x0a000001, (struct net_cidr4){0x0a000000, 24}, 0);
	for (uint32_t i = 2; i < 34; i++)
		ipam_ds_add_ip(ds, "eni-a", 0x0a000000 + i);
	size_t restored = 0;
	for (size_t i = 0; i < n; i++)
		restored += ipam_ds_restore(ds, &ents[i].key, ents[i].ip, ents[i].assigned_ms,
					    ents[i].pod_namespace, ents[i].pod_name) == 0;
	ipam_ds_stats(ds, 0, &s);
	if (s.assigned > restored || s.assigned > 32)
		abort();
	ipam_ds_free(ds);
	free(ents);
	return 0;
}
