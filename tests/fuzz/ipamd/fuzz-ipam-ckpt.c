/*
 * libFuzzer target: vpc-ipamd's checkpoint parsers — the input as a
 * snapshot, then the same bytes as a journal replayed on top of what that
 * gave (or of nothing) — then restoring the result into a datastore (as a
 * restart does).  A corrupted file must give an error naming the field or
 * line, never a crash; a replay never leaves one key twice, and restoring
 * never hands one address to two allocations.  Seeds:
 * tests/fuzz/corpus/ipam-ckpt/.
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
		ents = NULL;
		n = 0;
	}
	size_t before = n;
	if (ipam_ckpt_replay((const char *)data, size, &ents, &n, err, sizeof(err)) < 0) {
		if (!memchr(err, '\0', sizeof(err)) || n != before)
			abort();
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(ents[i].key.network, ents[j].key.network) == 0 &&
			    strcmp(ents[i].key.container_id, ents[j].key.container_id) == 0 &&
			    strcmp(ents[i].key.ifname, ents[j].key.ifname) == 0)
				abort();
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
