/*
 * nacl: compiled network ACL, linear first-match over a packed array.
 * See nacl.h for the contract.
 *
 * Each rule becomes one 16-byte match record:
 *   (addr & mask) == net, protocol (-1 = any), and a key range [lo, hi].
 * The key of a packet is its destination port for tcp/udp, (type << 8 |
 * code) for icmp and 0 for anything else; a rule for -1 or for a protocol
 * other than tcp/udp/icmp has [0, 65535], so it ignores the key.  An icmp
 * rule's type/code become a key range as in sgcls_icmp_range(): type -1 =
 * everything, code -1 = every code of the type.  Forty records are 640
 * bytes: a linear scan beats any index at that size.
 */
#include "lib/engine/nacl.h"

#include "lib/net/net.h"
#include "lib/util/util.h"

struct nacl_match {
	uint32_t mask;
	uint32_t net;
	int16_t protocol; /* -1 = any */
	uint16_t lo, hi;
	uint8_t allow;
};

/*
 * Bit-parallel evaluation.  Bit i stands for rule i (in number order).  The
 * address space is cut into the elementary intervals the rules' CIDRs
 * delimit, the 16-bit key space (tcp/udp destination port, icmp type << 8 |
 * code) into the intervals the rules' ranges delimit, and each interval
 * carries the set of rules matching in that dimension; with the set of
 * rules admitting the protocol, the first match is the lowest bit of the
 * intersection.  Two binary searches over at most 2n + 1 bounds instead of a
 * scan of n rules.
 */
#define NACL_BOUNDS (2 * NACL_MAX_RULES + 1)
_Static_assert(NACL_MAX_RULES <= 64, "rule sets fit a 64-bit mask");

struct nacl {
	size_t n;
	uint32_t n_abounds, n_kbounds;
	uint32_t abound[NACL_BOUNDS]; /* sorted interval starts, abound[0] = 0 */
	uint64_t amask[NACL_BOUNDS];
	uint32_t kbound[NACL_BOUNDS]; /* same for the key */
	uint64_t kmask[NACL_BOUNDS];
	uint64_t pmask[256];	      /* rules admitting each protocol (-1 or that one) */
	struct nacl_match match[NACL_MAX_RULES];
	struct nacl_rule rules[NACL_MAX_RULES]; /* sorted by number */
};

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort and dedupe bounds (bound[0..n) with 0 among them); returns the new count. */
static uint32_t bounds_unique(uint32_t *bound, uint32_t n)
{
	uint32_t k = 0;

	qsort(bound, n, sizeof(*bound), u32_cmp);
	for (uint32_t i = 0; i < n; i++)
		if (k == 0 || bound[k - 1] != bound[i])
			bound[k++] = bound[i];
	return k;
}

/* Index of the last bound <= v (bound[0] = 0). */
static inline uint32_t bounds_find(const uint32_t *bound, uint32_t n, uint32_t v)
{
	uint32_t lo = 0;

	while (n > 1) {
		uint32_t half = n / 2;

		lo = bound[lo + half] <= v ? lo + half : lo;
		n -= half;
	}
	return lo;
}

static void build_masks(struct nacl *acl)
{
	uint32_t na = 0, nk = 0;

	acl->abound[na++] = 0;
	acl->kbound[nk++] = 0;
	for (size_t i = 0; i < acl->n; i++) {
		const struct nacl_match *m = &acl->match[i];
		uint32_t last = m->net | ~m->mask;

		acl->abound[na++] = m->net;
		if (last != UINT32_MAX)
			acl->abound[na++] = last + 1;
		acl->kbound[nk++] = m->lo;
		if (m->hi != UINT16_MAX)
			acl->kbound[nk++] = (uint32_t)m->hi + 1;
		for (unsigned p = 0; p < 256; p++)
			if (m->protocol < 0 || m->protocol == (int)p)
				acl->pmask[p] |= 1ULL << i;
	}
	acl->n_abounds = bounds_unique(acl->abound, na);
	acl->n_kbounds = bounds_unique(acl->kbound, nk);
	for (uint32_t j = 0; j < acl->n_abounds; j++) {
		acl->amask[j] = 0;
		for (size_t i = 0; i < acl->n; i++)
			if ((acl->abound[j] & acl->match[i].mask) == acl->match[i].net)
				acl->amask[j] |= 1ULL << i;
	}
	for (uint32_t j = 0; j < acl->n_kbounds; j++) {
		acl->kmask[j] = 0;
		for (size_t i = 0; i < acl->n; i++)
			if (acl->kbound[j] >= acl->match[i].lo &&
			    acl->kbound[j] <= acl->match[i].hi)
				acl->kmask[j] |= 1ULL << i;
	}
}

static int rule_cmp(const void *a, const void *b)
{
	const struct nacl_rule *x = a, *y = b;

	return x->number < y->number ? -1 : x->number > y->number;
}

static int rule_check(const struct nacl_rule *r)
{
	if (r->number < 1 || r->number > NACL_RULE_NUMBER_MAX)
		return -EINVAL;
	if (r->len > 32 || (r->addr & ~net_mask4(r->len)) != 0)
		return -EINVAL;
	if (r->protocol < -1 || r->protocol > 255)
		return -EINVAL;
	if ((r->protocol == 6 || r->protocol == 17) && r->port_lo > r->port_hi)
		return -EINVAL;
	if (r->protocol == 1 &&
	    (r->icmp_type < -1 || r->icmp_type > 255 || r->icmp_code < -1 || r->icmp_code > 255))
		return -EINVAL;
	return 0;
}

static struct nacl_match rule_compile(const struct nacl_rule *r)
{
	struct nacl_match m = {
	    .mask = net_mask4(r->len),
	    .net = r->addr,
	    .protocol = r->protocol,
	    .lo = 0,
	    .hi = UINT16_MAX,
	    .allow = r->allow,
	};

	if (r->protocol == 6 || r->protocol == 17) {
		m.lo = r->port_lo;
		m.hi = r->port_hi;
	} else if (r->protocol == 1 && r->icmp_type >= 0) {
		m.lo = (uint16_t)(r->icmp_type << 8);
		m.hi = (uint16_t)(r->icmp_type << 8 | 0xff);
		if (r->icmp_code >= 0)
			m.lo = m.hi = (uint16_t)(r->icmp_type << 8 | r->icmp_code);
	}
	return m;
}

int nacl_build(const struct nacl_rule *rules, size_t n, struct nacl **ret)
{
	struct nacl *acl;
	int r;

	if (!ret || (n > 0 && !rules))
		return -EINVAL;
	if (n > NACL_MAX_RULES)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		r = rule_check(&rules[i]);
		if (r < 0)
			return r;
	}
	acl = calloc(1, sizeof(*acl));
	if (!acl)
		return -ENOMEM;
	if (n > 0)
		memcpy(acl->rules, rules, n * sizeof(*rules));
	acl->n = n;
	qsort(acl->rules, n, sizeof(*acl->rules), rule_cmp);
	for (size_t i = 0; i + 1 < n; i++) {
		if (acl->rules[i].number == acl->rules[i + 1].number) {
			free(acl);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < n; i++)
		acl->match[i] = rule_compile(&acl->rules[i]);
	build_masks(acl);
	*ret = acl;
	return 0;
}

bool nacl_eval(const struct nacl *n, uint32_t addr, uint8_t protocol, uint16_t dport,
	       uint8_t icmp_type, uint8_t icmp_code, int *ret_index)
{
	uint16_t key = 0;

	if (protocol == 6 || protocol == 17)
		key = dport;
	else if (protocol == 1)
		key = (uint16_t)(icmp_type << 8 | icmp_code);
	uint64_t set = n->pmask[protocol];
	int i;

	if (set)
		set &= n->amask[bounds_find(n->abound, n->n_abounds, addr)];
	if (set)
		set &= n->kmask[bounds_find(n->kbound, n->n_kbounds, key)];
	if (!set) {
		if (ret_index)
			*ret_index = -1;
		return false;
	}
	i = __builtin_ctzll(set);
	if (ret_index)
		*ret_index = i;
	return n->match[i].allow;
}

const struct nacl_rule *nacl_rule_at(const struct nacl *n, int index)
{
	if (!n || index < 0 || (size_t)index >= n->n)
		return NULL;
	return &n->rules[index];
}

size_t nacl_rule_count(const struct nacl *n)
{
	return n ? n->n : 0;
}

struct nacl *nacl_free(struct nacl *n)
{
	free(n);
	return NULL;
}
