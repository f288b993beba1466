/*
 * lpm: IPv4 longest-prefix match, immutable after build.
 *
 * What.  A table mapping IPv4 prefixes to 32-bit values (a route index, an
 * ENI index, ...).  lpm4_lookup() returns the value of the longest prefix
 * that contains an address.  The table knows nothing about the model: the
 * pipeline compiles route tables, ownership maps and VPN route sets into it.
 *
 * Design (DXR-like).  At build time the prefixes are flattened into a sorted
 * array of disjoint address ranges, each carrying the value of the longest
 * prefix covering it (ranges that no prefix covers are stored too, marked
 * "no match", so every address falls into exactly one range).  Adjacent
 * ranges with the same result are merged.  A direct index, sized to the
 * number of ranges and spanning only the addresses where ranges change,
 * narrows an address down to a slice of a few ranges, and crowded slices get
 * a second index of their own (lpm.c explains the layout); lookup then
 * binary-searches that slice.  Routes clustered inside one VPC CIDR are
 * indexed as finely as routes spread over the whole address space.
 *
 * Invariants.  Addresses are in host byte order.  Prefixes have no host bits
 * set.  After build the table is never written, so any number of threads may
 * look it up concurrently; lookup never allocates.
 *
 * Ownership.  lpm4_build() returns a table owned by the caller, freed with
 * lpm4_free().  The entry array is copied; the caller keeps it.
 *
 * Limits.  At most LPM4_MAX_ENTRIES entries (before duplicate removal).
 * Memory is O(entries): at most 2 * entries + 1 ranges of 9 bytes and index
 * slots of 4 bytes, about 8 per range per level (lpm4_memory() reports it;
 * about 80 KiB at 1,000 random routes).
 */
#ifndef OPENVPC_ENGINE_LPM_H
#define OPENVPC_ENGINE_LPM_H

#include <stddef.h>
#include <stdint.h>

#define LPM4_MAX_ENTRIES 4096

struct lpm4_entry {
	uint32_t prefix; /* host order, host bits zero */
	uint8_t len;	 /* 0..32 */
	uint32_t value;
};

struct lpm4;

/*
 * Build a table from n entries (entries may be NULL when n is 0).  Duplicates
 * of the same prefix/len: the LAST one wins.  Returns 0 and *ret_table, or
 * -EINVAL (len > 32, host bits set, NULL arguments), -ENOMEM, -E2BIG
 * (n > LPM4_MAX_ENTRIES).
 */
int lpm4_build(const struct lpm4_entry *entries, size_t n, struct lpm4 **ret_table);

/*
 * Returns 1 and *ret_value (may be NULL) when a prefix contains addr, 0 when
 * none does.  Never allocates.
 */
int lpm4_lookup(const struct lpm4 *t, uint32_t addr, uint32_t *ret_value);

/* Accepts NULL; returns NULL. */
struct lpm4 *lpm4_free(struct lpm4 *t);

/* Bytes of heap memory the table holds. */
size_t lpm4_memory(const struct lpm4 *t);

#endif
