/*
 * util: see util.h.
 */
#include "lib/util/util.h"

#include <limits.h>
#include <time.h>

int util_grow(void **items, size_t *cap, size_t need, size_t elem_size)
{
	size_t new_cap;
	void *p;

	if (need <= *cap)
		return 0;
	new_cap = *cap ? *cap : 4;
	while (new_cap < need) {
		if (new_cap > SIZE_MAX / 2 / elem_size)
			return -ENOMEM;
		new_cap *= 2;
	}
	p = realloc(*items, new_cap * elem_size);
	if (!p)
		return -ENOMEM;
	*items = p;
	*cap = new_cap;
	return 0;
}

int util_strscpy(char *dst, const char *src, size_t dst_size)
{
	size_t len;

	if (dst_size == 0)
		return -ENAMETOOLONG;
	len = strnlen(src, dst_size);
	if (len == dst_size) {
		memcpy(dst, src, dst_size - 1);
		dst[dst_size - 1] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(dst, src, len + 1);
	return 0;
}

char *util_strdup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

int util_parse_long(const char *s, long min, long max, long *ret_value)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	if (!(*s == '-' || *s == '+' || (*s >= '0' && *s <= '9')))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*ret_value = v;
	return 0;
}

int util_parse_bool(const char *s, bool *ret_value)
{
	if (!s)
		return -EINVAL;
	if (strcmp(s, "true") == 0) {
		*ret_value = true;
		return 0;
	}
	if (strcmp(s, "false") == 0) {
		*ret_value = false;
		return 0;
	}
	return -EINVAL;
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void util_rng_seed(struct util_rng *rng, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		seed += 0x9e3779b97f4a7c15ULL;
		rng->s[i] = util_hash64(seed);
	}
}

uint64_t util_rng_next(struct util_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t util_rng_below(struct util_rng *rng, uint64_t bound)
{
	/* Lemire's nearly divisionless method would be faster; bias-free rejection is enough here. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
	uint64_t x;

	do
		x = util_rng_next(rng);
	while (x >= limit);
	return x % bound;
}

void util_utc(int64_t unix_seconds, struct tm *ret)
{
	const int64_t lo = -62167219200, hi = 253402300799;
	time_t t = (time_t)UTIL_MIN(UTIL_MAX(unix_seconds, lo), hi);

	gmtime_r(&t, ret); /* cannot fail in that range with a 64-bit time_t */
}
