/*
 * sgcls: security-group classifier, per-protocol buckets of CIDR nodes with
 * merged key ranges.  See sgcls.h for the contract and the design.
 *
 * Build, per bucket:
 *   1. Items (CIDR, key range) from the rules of the bucket's protocol,
 *      plus the -1 rules for tcp, udp and icmp (with_default marks the
 *      other buckets, whose lookups also search bucket 0); a rule whose
 *      ports do not apply gets [0, 65535].
 *   2. Sort by (address, length, lo); each run of one CIDR becomes a node
 *      whose ranges are merged (overlapping or adjacent ranges fuse), so a
 *      node's ranges are sorted, disjoint and non-adjacent.
 *   3. In that order a parent sorts before its children; a stack of open
 *      CIDRs gives each node its nearest enclosing node (its parent).
 *   4. The 0.0.0.0/0 node, if any, is searched first by every lookup, so it
 *      is nobody's parent and stays out of the lpm4 table.  A root node is
 *      "complete": its ranges are everything else the address can be allowed
 *      by.  A node whose parent is complete and whose ranges merged with the
 *      parent's number <= SGCLS_FLAT_MAX stores that union and is complete
 *      too, as long as the bucket's ranges stay within SGCLS_FLAT_BUDGET per
 *      item (+ 256): memory stays O(rules).  Any other node stores its own
 *      ranges and lookup continues at its parent.
 *   5. An lpm4 table maps an address to the deepest node containing it.
 *
 * Lookup: map[protocol] -> bucket; binary search of the 0.0.0.0/0 node's
 * ranges (this answers ret_wild); lpm4 -> node, binary search of the node's
 * ranges, then up the parent chain while the node is not complete.
 */
#include "lib/engine/sgcls.h"

#include "lib/engine/lpm.h"
#include "lib/net/net.h"
#include "lib/util/util.h"

#define SGCLS_NONE UINT32_MAX

struct sgcls_range {
	uint16_t lo, hi;
};

struct sgcls_node {
	uint32_t parent;  /* SGCLS_NONE for a root */
	uint32_t first;	  /* into the bucket's ranges */
	uint16_t count;	  /* >= 1 */
	uint8_t complete; /* 1: no need to look at the parent */
};

struct sgcls_bucket {
	struct lpm4 *lpm; /* address -> node index */
	struct sgcls_node *nodes;
	struct sgcls_range *ranges;
	uint32_t n_nodes, n_ranges;
	uint32_t wild;	   /* the 0.0.0.0/0 node or SGCLS_NONE */
	bool with_default; /* the -1 rules live in bucket 0, not here */
};

struct sgcls {
	uint16_t map[256]; /* protocol -> bucket; bucket 0 holds the -1 rules only */
	uint32_t n_buckets;
	struct sgcls_bucket *buckets;
	struct sgcls_rule *rules; /* input order */
	size_t n_rules;
};

struct sgcls_item {
	uint32_t addr;
	uint8_t len;
	uint16_t lo, hi;
};

static bool proto_has_ports(int protocol)
{
	return protocol == 1 || protocol == 6 || protocol == 17;
}

void sgcls_icmp_range(int type, int code, uint16_t *ret_lo, uint16_t *ret_hi)
{
	uint16_t lo = 1, hi = 0; /* empty: rejected by sgcls_build() */

	if (type == -1) {
		lo = 0;
		hi = UINT16_MAX;
	} else if (type >= 0 && type <= 255 && code == -1) {
		lo = (uint16_t)(type << 8);
		hi = (uint16_t)(type << 8 | 0xff);
	} else if (type >= 0 && type <= 255 && code >= 0 && code <= 255) {
		lo = hi = (uint16_t)(type << 8 | code);
	}
	*ret_lo = lo;
	*ret_hi = hi;
}

static int item_cmp(const void *a, const void *b)
{
	const struct sgcls_item *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static bool cidr_contains(uint32_t addr, uint8_t len, uint32_t ip)
{
	return (ip & net_mask4(len)) == addr;
}

/*
 * Search sorted, disjoint ranges for key.  Branch-free halving (the select
 * compiles to a conditional move): random keys would mispredict a classic
 * binary search on every other step.
 */
static bool ranges_contain(const struct sgcls_range *r, uint32_t n, uint16_t key)
{
	if (n == 0)
		return false;
	while (n > 1) {
		uint32_t half = n / 2;

		r = r[half].lo <= key ? r + half : r;
		n -= half;
	}
	return r->lo <= key && key <= r->hi;
}

/* Append range to the sorted list out[*n], fusing with the last one when they touch. */
static void ranges_append(struct sgcls_range *out, uint32_t *n, uint16_t lo, uint16_t hi)
{
	if (*n > 0 && (uint32_t)lo <= (uint32_t)out[*n - 1].hi + 1) {
		if (hi > out[*n - 1].hi)
			out[*n - 1].hi = hi;
		return;
	}
	out[*n].lo = lo;
	out[*n].hi = hi;
	(*n)++;
}

/* Merge two sorted, disjoint lists into out (room for na + nb); returns the count. */
static uint32_t ranges_union(const struct sgcls_range *a, uint32_t na, const struct sgcls_range *b,
			     uint32_t nb, struct sgcls_range *out)
{
	uint32_t i = 0, j = 0, n = 0;

	while (i < na || j < nb) {
		if (j >= nb || (i < na && a[i].lo <= b[j].lo)) {
			ranges_append(out, &n, a[i].lo, a[i].hi);
			i++;
		} else {
			ranges_append(out, &n, b[j].lo, b[j].hi);
			j++;
		}
	}
	return n;
}

static void bucket_done(struct sgcls_bucket *b)
{
	lpm4_free(b->lpm);
	free(b->nodes);
	free(b->ranges);
}

/*
 * Build one bucket from the rules of protocol (or, for protocol -1, from the
 * -1 rules only).  items is scratch room for n entries.
 */
static int bucket_build(struct sgcls_bucket *b, const struct sgcls_rule *rules, size_t n,
			int protocol, struct sgcls_item *items)
{
	struct sgcls_range flat[2 * SGCLS_FLAT_MAX];
	struct lpm4_entry *entries = NULL;
	uint32_t stack[33];
	size_t n_items = 0, depth = 0, cap_ranges, budget;
	int r;

	for (size_t i = 0; i < n; i++) {
		const struct sgcls_rule *rule = &rules[i];
		struct sgcls_item it = {rule->addr, rule->len, 0, UINT16_MAX};

		if (rule->protocol != protocol &&
		    (rule->protocol != -1 || !(protocol == -1 || proto_has_ports(protocol))))
			continue;
		if (rule->protocol != -1 && proto_has_ports(rule->protocol)) {
			it.lo = rule->lo;
			it.hi = rule->hi;
		}
		items[n_items++] = it;
	}
	b->wild = SGCLS_NONE;
	b->with_default = protocol != -1 && !proto_has_ports(protocol);
	if (n_items == 0)
		return lpm4_build(NULL, 0, &b->lpm);
	qsort(items, n_items, sizeof(*items), item_cmp);

	/*
	 * Unflattened nodes store at most n_items ranges in total; flattened
	 * ones may use SGCLS_FLAT_BUDGET ranges per item more, no further.
	 */
	budget = (size_t)SGCLS_FLAT_BUDGET * n_items + 256;
	cap_ranges = budget + n_items;
	b->nodes = calloc(n_items, sizeof(*b->nodes));
	b->ranges = calloc(cap_ranges, sizeof(*b->ranges));
	entries = calloc(n_items, sizeof(*entries));
	if (!b->nodes || !b->ranges || !entries) {
		r = -ENOMEM;
		goto out;
	}

	for (size_t i = 0; i < n_items;) {
		struct sgcls_node *node = &b->nodes[b->n_nodes];
		uint32_t addr = items[i].addr, own = b->n_ranges, n_own = 0;
		uint8_t len = items[i].len;

		for (; i < n_items && items[i].addr == addr && items[i].len == len; i++)
			ranges_append(&b->ranges[own], &n_own, items[i].lo, items[i].hi);
		while (depth > 0) {
			const struct lpm4_entry *top = &entries[stack[depth - 1]];

			if (cidr_contains(top->prefix, top->len, addr))
				break;
			depth--;
		}
		node->parent = depth > 0 ? stack[depth - 1] : SGCLS_NONE;
		/* The 0.0.0.0/0 node is searched first on every lookup: never again. */
		if (node->parent == b->wild)
			node->parent = SGCLS_NONE;
		node->first = own;
		node->count = (uint16_t)n_own;
		node->complete = node->parent == SGCLS_NONE;
		if (node->parent != SGCLS_NONE && b->nodes[node->parent].complete &&
		    n_own <= SGCLS_FLAT_MAX) {
			const struct sgcls_node *p = &b->nodes[node->parent];

			if (p->count <= SGCLS_FLAT_MAX) {
				uint32_t nf = ranges_union(&b->ranges[own], n_own,
							   &b->ranges[p->first], p->count, flat);

				if (nf <= SGCLS_FLAT_MAX && b->n_ranges + nf <= budget) {
					memcpy(&b->ranges[own], flat, nf * sizeof(*flat));
					n_own = nf;
					node->count = (uint16_t)nf;
					node->complete = 1;
				}
			}
		}
		b->n_ranges += n_own;
		if (len == 0)
			b->wild = b->n_nodes;
		entries[b->n_nodes] = (struct lpm4_entry){addr, len, b->n_nodes};
		/* Nested CIDRs have increasing lengths: at most 33 on the stack. */
		stack[depth++] = b->n_nodes;
		b->n_nodes++;
	}
	/* Give back the room flattening did not use. */
	if (b->n_ranges < cap_ranges) {
		struct sgcls_range *shrunk = realloc(b->ranges, b->n_ranges * sizeof(*b->ranges));

		if (shrunk)
			b->ranges = shrunk;
	}
	/* The 0.0.0.0/0 node (node 0 when present) stays out of the table. */
	if (b->wild == 0)
		r = lpm4_build(entries + 1, b->n_nodes - 1, &b->lpm);
	else
		r = lpm4_build(entries, b->n_nodes, &b->lpm);
out:
	free(entries);
	return r;
}

static int rule_check(const struct sgcls_rule *r)
{
	if (r->len > 32 || (r->addr & ~net_mask4(r->len)) != 0)
		return -EINVAL;
	if (r->protocol < -1 || r->protocol > 255)
		return -EINVAL;
	if (proto_has_ports(r->protocol) && r->lo > r->hi)
		return -EINVAL;
	return 0;
}

int sgcls_build(const struct sgcls_rule *rules, size_t n, struct sgcls **ret_cls)
{
	struct sgcls_item *items = NULL;
	struct sgcls *c;
	bool named[256] = {false};
	int r;

	if (!ret_cls || (n > 0 && !rules))
		return -EINVAL;
	if (n > SGCLS_MAX_RULES)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		r = rule_check(&rules[i]);
		if (r < 0)
			return r;
		if (rules[i].protocol >= 0)
			named[rules[i].protocol] = true;
	}

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->rules = calloc(n ? n : 1, sizeof(*c->rules));
	items = calloc(n ? n : 1, sizeof(*items));
	c->n_buckets = 1;
	for (int p = 0; p < 256; p++)
		c->n_buckets += named[p];
	c->buckets = calloc(c->n_buckets, sizeof(*c->buckets));
	if (!c->rules || !items || !c->buckets) {
		r = -ENOMEM;
		goto err;
	}
	if (n > 0)
		memcpy(c->rules, rules, n * sizeof(*rules));
	c->n_rules = n;

	r = bucket_build(&c->buckets[0], rules, n, -1, items);
	if (r < 0)
		goto err;
	for (int p = 0, k = 1; p < 256; p++) {
		if (!named[p])
			continue;
		r = bucket_build(&c->buckets[k], rules, n, p, items);
		if (r < 0)
			goto err;
		c->map[p] = (uint16_t)k++;
	}
	free(items);
	*ret_cls = c;
	return 0;

err:
	free(items);
	sgcls_free(c);
	return r;
}

/* Search one bucket; *wild is set when its 0.0.0.0/0 node allows the key. */
static bool bucket_match(const struct sgcls_bucket *b, uint32_t addr, uint16_t key, bool *wild)
{
	uint32_t ni;

	if (b->wild != SGCLS_NONE) {
		const struct sgcls_node *w = &b->nodes[b->wild];

		if (ranges_contain(&b->ranges[w->first], w->count, key)) {
			*wild = true;
			return true;
		}
	}
	if (lpm4_lookup(b->lpm, addr, &ni) != 1)
		return false;
	for (;;) {
		const struct sgcls_node *node = &b->nodes[ni];

		if (ranges_contain(&b->ranges[node->first], node->count, key))
			return true;
		if (node->complete)
			return false;
		ni = node->parent;
	}
}

bool sgcls_match(const struct sgcls *c, uint32_t addr, uint8_t protocol, uint16_t key,
		 bool *ret_wild)
{
	const struct sgcls_bucket *b = &c->buckets[c->map[protocol]];
	bool wild = false, allowed;

	allowed = bucket_match(b, addr, key, &wild);
	/* A protocol without ports: its own rules here, the -1 rules in bucket 0. */
	if (b->with_default && !wild)
		allowed |= bucket_match(&c->buckets[0], addr, key, &wild);
	if (ret_wild)
		*ret_wild = wild;
	return allowed;
}

static bool rule_allows(const struct sgcls_rule *r, uint32_t addr, uint8_t protocol, uint16_t key)
{
	if (!cidr_contains(r->addr, r->len, addr))
		return false;
	if (r->protocol == -1)
		return true;
	if (r->protocol != protocol)
		return false;
	return !proto_has_ports(r->protocol) || (key >= r->lo && key <= r->hi);
}

int sgcls_explain(const struct sgcls *c, uint32_t addr, uint8_t protocol, uint16_t key,
		  uint32_t *ret_tag)
{
	for (size_t i = 0; i < c->n_rules; i++) {
		if (rule_allows(&c->rules[i], addr, protocol, key)) {
			if (ret_tag)
				*ret_tag = c->rules[i].tag;
			return 1;
		}
	}
	return 0;
}

bool sgcls_allows_all_response(const struct sgcls *c, uint8_t protocol)
{
	const struct sgcls_bucket *b = &c->buckets[c->map[protocol]];
	const struct sgcls_node *w;

	if (b->with_default && c->buckets[0].wild != SGCLS_NONE)
		return true; /* a -1 rule from anywhere */
	if (b->wild == SGCLS_NONE)
		return false;
	w = &b->nodes[b->wild];
	/* Merged ranges: "everything" is exactly one range [0, 65535]. */
	return w->count == 1 && b->ranges[w->first].lo == 0 && b->ranges[w->first].hi == UINT16_MAX;
}

size_t sgcls_rule_count(const struct sgcls *c)
{
	return c ? c->n_rules : 0;
}

struct sgcls *sgcls_free(struct sgcls *c)
{
	if (!c)
		return NULL;
	for (uint32_t i = 0; c->buckets && i < c->n_buckets; i++)
		bucket_done(&c->buckets[i]);
	free(c->buckets);
	free(c->rules);
	free(c);
	return NULL;
}
