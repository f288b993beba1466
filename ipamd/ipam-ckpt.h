/*
 * ipam-ckpt: vpc-ipamd's checkpoint — the allocations only, keyed by
 * (network, containerID, ifName), in the AWS plugin's format
 * ({"version":"vpc-cni-ipam/1","allocations":[...]}) so the file reads the
 * same to someone who knows the AWS one.  Written on every assign and
 * unassign before the plugin gets its answer: temporary file in the same
 * directory, fsync, rename, fsync of the directory — a crash leaves either
 * the old or the new file, never a torn one.
 */
#ifndef OPENVPC_IPAM_CKPT_H
#define OPENVPC_IPAM_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "ipamd/ipam-ds.h"

#define IPAM_CKPT_VERSION "vpc-cni-ipam/1"
#define IPAM_CKPT_MAX_BYTES (64u << 20)

struct ipam_ckpt_entry {
	struct ipam_key key;
	uint32_t ip;
	int64_t assigned_ms;
	char pod_namespace[CNI_K8S_NAME_MAX];
	char pod_name[CNI_K8S_NAME_MAX];
};

/* Write every allocation of ds.  0 or negative errno. */
int ipam_ckpt_write(const char *path, const struct ipam_ds *ds);
/*
 * Read the checkpoint.  A missing file is an empty checkpoint (first
 * start).  -EINVAL for a malformed file with why (naming the field) in
 * errbuf.  *ret_entries is malloc'd (caller frees).
 */
int ipam_ckpt_read(const char *path, struct ipam_ckpt_entry **ret_entries, size_t *ret_n,
		   char *errbuf, size_t errlen);
/* The same from a buffer (the fuzz target's entry point). */
int ipam_ckpt_parse(const char *buf, size_t len, struct ipam_ckpt_entry **ret_entries,
		    size_t *ret_n, char *errbuf, size_t errlen);

#endif
