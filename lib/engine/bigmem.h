/*
 * bigmem: allocation of the engine's large per-packet tables (conntrack
 * pool and buckets, flow cache).  Tables of 2 MB or more are aligned to 2 MB
 * and offered to transparent huge pages (madvise), so that random accesses
 * over hundreds of megabytes do not also miss the TLB on every packet;
 * smaller ones are aligned to pairs of cache lines (128 bytes).  Allocation
 * time only; free with free().  Memory is not zeroed.
 */
#ifndef OPENVPC_ENGINE_BIGMEM_H
#define OPENVPC_ENGINE_BIGMEM_H

#include <stdlib.h>
#include <sys/mman.h>

#define BIGMEM_HUGE (2u << 20)

static inline void *bigmem_alloc(size_t size)
{
	void *p;

	if (size < BIGMEM_HUGE)
		return aligned_alloc(128,
				     size ? (size + 127) & ~(size_t)127 : 128); /* line pairs */
	size = (size + BIGMEM_HUGE - 1) & ~(size_t)(BIGMEM_HUGE - 1);
	p = aligned_alloc(BIGMEM_HUGE, size);
#ifdef MADV_HUGEPAGE
	if (p)
		(void)madvise(p, size, MADV_HUGEPAGE); /* a hint: failure changes nothing */
#endif
	return p;
}

#endif
