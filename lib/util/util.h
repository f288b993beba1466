/*
 * util: the few generic helpers every layer uses.
 *
 * - Growable arrays of pointers or values: VEC_PUSH() grows by doubling and
 *   returns -ENOMEM on failure without touching the array.
 * - strlcpy-style copying that never overflows and reports truncation.
 * - Cleanup attributes (systemd style) for the top-level programs.
 * - Hashes: FNV-1a over bytes and strings, a 64-bit mixer.
 * - UTC calendar time of Unix seconds, kept to four-digit years.
 *
 * Nothing here logs or does I/O.
 */
#ifndef OPENVPC_UTIL_H
#define OPENVPC_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UTIL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define UTIL_MAX(a, b) ((a) > (b) ? (a) : (b))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/*
 * Grow *items (element type inferred) so that it holds at least need
 * elements.  Returns 0 or -ENOMEM; on failure the array is unchanged.
 */
int util_grow(void **items, size_t *cap, size_t need, size_t elem_size);

/* Append one element to an array described by (items, n, cap). */
#define VEC_PUSH(items, n, cap, value)                                                         \
	({                                                                                     \
		int _r = util_grow((void **)&(items), &(cap), (n) + 1, sizeof(*(items)));     \
		if (_r == 0)                                                                   \
			(items)[(n)++] = (value);                                              \
		_r;                                                                            \
	})

/* Remove element i, keeping order. */
#define VEC_REMOVE(items, n, i)                                                                \
	do {                                                                                   \
		memmove(&(items)[(i)], &(items)[(i) + 1], ((n) - (i) - 1) * sizeof(*(items)));   \
		(n)--;                                                                         \
	} while (0)

/*
 * Copy src into dst of size dst_size, always NUL-terminating.  Returns 0, or
 * -ENAMETOOLONG if src did not fit (dst then holds a truncated copy).
 */
int util_strscpy(char *dst, const char *src, size_t dst_size);

/* strdup that accepts NULL (returns NULL). */
char *util_strdup0(const char *s);

/* Parse a decimal integer in [min, max] with nothing trailing. 0 or -EINVAL / -ERANGE. */
int util_parse_long(const char *s, long min, long max, long *ret_value);

/* Parse "true"/"false" (exact, as the EC2 API sends them). 0 or -EINVAL. */
int util_parse_bool(const char *s, bool *ret_value);

struct tm;
/*
 * The UTC calendar time of Unix seconds (gmtime_r), the seconds first
 * clamped to 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59Z so that every
 * result prints as four digits of year.  Never fails.
 */
void util_utc(int64_t unix_seconds, struct tm *ret);

static inline void util_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ __attribute__((cleanup(util_freep)))

/*
 * FNV-1a, 64 bits: start from UTIL_FNV1A_INIT; util_fnv1a() continues a hash
 * over n bytes, util_fnv1a_str() over a string's bytes (not its NUL).  Stable
 * across runs (link names and IDs are made from it); mix with util_hash64()
 * for table indices.
 */
#define UTIL_FNV1A_INIT 0xcbf29ce484222325ULL

static inline uint64_t util_fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static inline uint64_t util_fnv1a_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	return h;
}

/*
 * v in decimal, written backwards so that it ends just before end (at most
 * UTIL_DEC_MAX digits; no NUL): returns its first digit.
 */
#define UTIL_DEC_MAX 20
static inline char *util_dec(unsigned long long v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

/* 64-bit mixing hash (SplitMix64 finaliser): cheap and good for table indices. */
static inline uint64_t util_hash64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/*
 * Deterministic pseudo-random generator (xoshiro256**).  The engine never
 * reads a global random source: callers seed one of these and pass it.
 */
struct util_rng {
	uint64_t s[4];
};
void util_rng_seed(struct util_rng *rng, uint64_t seed);
uint64_t util_rng_next(struct util_rng *rng);
/* Uniform in [0, bound), bound > 0. */
uint64_t util_rng_below(struct util_rng *rng, uint64_t bound);

#endif
