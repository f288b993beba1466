/*
 * ipam-ckpt: vpc-ipamd's checkpoint — the allocations only, keyed by
 * (network, containerID, ifName).  Two files:
 *
 *   PATH          the snapshot, in the AWS plugin's format
 *                 ({"version":"vpc-cni-ipam/1","allocations":[...]}) so it
 *                 reads the same to someone who knows the AWS one; replaced
 *                 whole: temporary file, fsync, rename, fsync of the
 *                 directory — a crash leaves the old or the new one.
 *   PATH.journal  the changes since, one JSON line each
 *                 ({"op":"add",<an allocation>} or {"op":"del",<its key>}),
 *                 appended and fdatasync'd before the plugin gets its
 *                 answer (one write and one flush per ADD or DEL instead of
 *                 a whole rewrite, rename and two fsyncs: measured in
 *                 docs/benchmarks.md, CNI).
 *
 * Reading applies the journal to the snapshot, the last line for a key
 * winning; replay is idempotent, so a crash between a new snapshot and the
 * journal's truncation only replays changes the snapshot already holds.  A
 * last line without its newline is a write torn by a crash: it was never
 * acknowledged, and is ignored.  Writing a snapshot empties the journal
 * (ipamd does it at start and every IPAM_CKPT_JOURNAL_MAX changes).  A file
 * without a journal is the old format and reads as before.
 */
#ifndef OPENVPC_IPAM_CKPT_H
#define OPENVPC_IPAM_CKPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipamd/ipam-ds.h"

#define IPAM_CKPT_VERSION "vpc-cni-ipam/1"
#define IPAM_CKPT_MAX_BYTES (64u << 20)
#define IPAM_CKPT_JOURNAL_SUFFIX ".journal"
/* Changes appended before the next full snapshot. */
#define IPAM_CKPT_JOURNAL_MAX 512

struct ipam_ckpt_entry {
	struct ipam_key key;
	uint32_t ip;
	int64_t assigned_ms;
	char pod_namespace[CNI_K8S_NAME_MAX];
	char pod_name[CNI_K8S_NAME_MAX];
};

/* The open journal of one checkpoint; zero-initialised = closed. */
struct ipam_ckpt_log {
	bool open;
	int fd;
	size_t records; /* appended since the last snapshot */
};

/* Write every allocation of ds as the snapshot, then empty the journal.  0 or negative errno. */
int ipam_ckpt_write(const char *path, const struct ipam_ds *ds);
/*
 * Append one change to PATH.journal and flush it (fdatasync): ent assigned
 * (add), or the allocation of key released (del, ent NULL).  The first
 * append of a run also makes the journal's directory entry durable.
 */
int ipam_ckpt_log_add(struct ipam_ckpt_log *lg, const char *path,
		      const struct ipam_ckpt_entry *ent);
int ipam_ckpt_log_del(struct ipam_ckpt_log *lg, const char *path, const struct ipam_key *key);
/* After ipam_ckpt_write: the journal is empty again. */
void ipam_ckpt_log_reset(struct ipam_ckpt_log *lg);
void ipam_ckpt_log_close(struct ipam_ckpt_log *lg);
/*
 * Read the checkpoint: the snapshot, then the journal applied to it.  A
 * missing file is an empty checkpoint (first start).  -EINVAL for a
 * malformed file with why (naming the field or journal line) in errbuf.
 * *ret_entries is malloc'd (caller frees).
 */
int ipam_ckpt_read(const char *path, struct ipam_ckpt_entry **ret_entries, size_t *ret_n,
		   char *errbuf, size_t errlen);
/* The snapshot from a buffer (a fuzz target's entry point). */
int ipam_ckpt_parse(const char *buf, size_t len, struct ipam_ckpt_entry **ret_entries,
		    size_t *ret_n, char *errbuf, size_t errlen);
/*
 * Apply a journal held in buf to the n entries at *entries (malloc'd or
 * NULL; reallocated, *n updated).  -EINVAL naming the line for a malformed
 * complete line; entries are then unchanged.
 */
int ipam_ckpt_replay(const char *buf, size_t len, struct ipam_ckpt_entry **entries, size_t *n,
		     char *errbuf, size_t errlen);

#endif
