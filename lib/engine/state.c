/*
 * state: creation, generation publishing and zone bookkeeping of the engine
 * state.  See engine.h and state-private.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/engine/ct-private.h"
#include "lib/engine/state-private.h"
#include "lib/util/util.h"

void eng_limits_default(struct eng_limits *l)
{
	*l = (struct eng_limits){
		.ct_max = 1u << 20,
		.ct_per_eni_max = 65536,
		.nat_max = 1u << 18,
		.flow_max = 65536,
		.seed = 0x6f70656e767063ULL, /* "openvpc" */
		.flow_cache_max = 1u << 18,
	};
}

/* The flow cache holds conntrack leases (ct.h): lease r is entry r of the table. */
static void fc_lease_get(void *ctx, uint32_t r, uint64_t *ret_last_ms, uint32_t ret_idx[2])
{
	const struct fc_hot *h = fcache_at(ctx, r);
	const struct fc_cold *cold = fcache_cold(h);

	*ret_last_ms = h->lease_ms;
	ret_idx[0] = cold->hint[0];
	ret_idx[1] = cold->hint[1];
}

/* (The lease's last packet is folded in: its slot holds the hints again.) */
static void fc_lease_end(void *ctx, uint32_t r)
{
	struct fc_hot *h = fcache_at(ctx, r);

	h->flags &= (uint8_t)~FC_E_LEASED;
	fcache_pf_from_cold(h);
}

struct eng_state *eng_state_new(const struct eng_limits *limits)
{
	struct eng_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	if (limits)
		st->limits = *limits;
	else
		eng_limits_default(&st->limits);
	atomic_init(&st->pending, NULL);
	st->ct = ct_new(st->limits.ct_max, st->limits.ct_per_eni_max);
	st->nat = nat_new(st->limits.nat_max, st->limits.seed);
	st->flow = flowlog_agg_new(st->limits.flow_max);
	if (st->limits.flow_cache_max) {
		st->fc = fcache_new(st->limits.flow_cache_max, st->limits.seed);
		if (!st->fc)
			return eng_state_free(st);
	}
	if (!st->ct || !st->nat || !st->flow)
		return eng_state_free(st);
	st->ct_pool = ct_pool_entries(st->ct, &st->ct_pool_n);
	if (st->fc)
		ct_lease_attach(st->ct, &(struct ct_lease_ops){st->fc, fc_lease_get, fc_lease_end});
	/* Keyed hashes: a remote peer cannot aim flows at one chain. */
	(void)ct_set_seed(st->ct, st->limits.seed);
	(void)flowlog_agg_set_seed(st->flow, st->limits.seed);
	return st;
}

struct eng_state *eng_state_free(struct eng_state *st)
{
	if (!st)
		return NULL;
	eng_gen_unref(atomic_exchange(&st->pending, NULL));
	eng_gen_unref(st->current);
	ct_free(st->ct);
	nat_free(st->nat);
	flowlog_agg_free(st->flow);
	fcache_free(st->fc);
	free(st->zones);
	free(st->zone_of_eni);
	free(st->eni_of_zone);
	free(st->zone_skipped);
	free(st->quarantine);
	free(st->free_zones);
	free(st);
	return NULL;
}

void eng_state_publish(struct eng_state *st, struct eng_gen *gen)
{
	struct eng_gen *old = atomic_exchange(&st->pending, eng_gen_ref(gen));

	eng_gen_unref(old);
}

const struct eng_gen *eng_state_sync(struct eng_state *st)
{
	struct eng_gen *next = atomic_exchange(&st->pending, NULL);

	if (next) {
		if (state_adopt(st, next) < 0) {
			/* Keep the old generation; retry at the next sync. */
			struct eng_gen *again = atomic_exchange(&st->pending, next);

			eng_gen_unref(again);
			return st->current;
		}
		eng_gen_unref(st->current);
		st->current = next;
	}
	return st->current;
}

static int cmp_zone(const void *a, const void *b)
{
	return strcmp(((const struct state_zone *)a)->id, ((const struct state_zone *)b)->id);
}

static struct state_zone *zone_find(struct eng_state *st, const char *id)
{
	struct state_zone key;

	if (st->n_zones == 0)
		return NULL;
	util_strscpy(key.id, id, sizeof(key.id));
	return bsearch(&key, st->zones, st->n_zones, sizeof(*st->zones), cmp_zone);
}

static int grow_zone_arrays(struct eng_state *st, size_t zones)
{
	size_t old_cap = st->cap_eni_of_zone;
	uint8_t *skipped;

	if (util_grow((void **)&st->eni_of_zone, &st->cap_eni_of_zone, zones ? zones : 1,
		      sizeof(*st->eni_of_zone)) < 0)
		return -ENOMEM;
	if (st->zone_skipped && st->cap_eni_of_zone == old_cap)
		return 0;
	skipped = realloc(st->zone_skipped, st->cap_eni_of_zone);
	if (!skipped)
		return -ENOMEM;
	if (!st->zone_skipped)
		old_cap = 0;
	memset(skipped + old_cap, 0, st->cap_eni_of_zone - old_cap);
	st->zone_skipped = skipped;
	return 0;
}

void state_release_quarantine(struct eng_state *st)
{
	/* Capacity was reserved when the zones were quarantined. */
	for (size_t i = 0; i < st->n_quarantine; i++)
		st->free_zones[st->n_free_zones++] = st->quarantine[i];
	st->n_quarantine = 0;
}

int state_adopt(struct eng_state *st, const struct eng_gen *gen)
{
	size_t n_old = st->n_zones, n_new = 0, k = 0, max_zones;
	uint32_t *zone_of_eni = NULL;
	uint8_t *kept = NULL;
	struct state_zone *zones = NULL;
	int r = -ENOMEM;

	if (gen == st->adopted_for && gen->serial == st->adopted_serial)
		return 0;
	/* Allocate everything first: a failure leaves the state as it was. */
	zone_of_eni = calloc(gen->n_enis ? gen->n_enis : 1, sizeof(*zone_of_eni));
	kept = calloc(n_old ? n_old : 1, 1);
	if (!zone_of_eni || !kept)
		goto out;
	for (size_t i = 0; i < gen->n_enis; i++) {
		struct state_zone *z = zone_find(st, gen->enis[i].id);

		if (z) {
			zone_of_eni[i] = z->zone;
			kept[z - st->zones] = 1;
		} else {
			zone_of_eni[i] = GEN_NONE;
			n_new++;
		}
	}
	zones = malloc((n_old + n_new ? n_old + n_new : 1) * sizeof(*zones));
	if (!zones)
		goto out;
	max_zones = st->next_zone + n_new;
	if (max_zones > CT_ZONES_MAX) {
		r = -E2BIG;
		goto out;
	}
	if (grow_zone_arrays(st, max_zones) < 0 ||
	    util_grow((void **)&st->quarantine, &st->cap_quarantine, st->n_quarantine + n_old + 1,
		      sizeof(*st->quarantine)) < 0 ||
	    util_grow((void **)&st->free_zones, &st->cap_free_zones,
		      st->n_free_zones + st->n_quarantine + n_old + 1,
		      sizeof(*st->free_zones)) < 0)
		goto out;

	/* Zones whose ENI disappeared lose their connections and wait in quarantine
	 * until no flow-log record can still name them. */
	for (size_t j = 0; j < n_old; j++) {
		if (kept[j]) {
			zones[k++] = st->zones[j];
			continue;
		}
		ct_flush_zone(st->ct, st->zones[j].zone);
		st->quarantine[st->n_quarantine++] = st->zones[j].zone;
	}
	if (flowlog_agg_count(st->flow) == 0)
		state_release_quarantine(st);
	for (size_t i = 0; i < gen->n_enis; i++) {
		uint32_t zone;

		if (zone_of_eni[i] != GEN_NONE)
			continue;
		zone = st->n_free_zones ? st->free_zones[--st->n_free_zones] : st->next_zone++;
		st->zone_skipped[zone] = 0;
		util_strscpy(zones[k].id, gen->enis[i].id, MODEL_ID_LEN);
		zones[k++].zone = zone;
		zone_of_eni[i] = zone;
	}
	qsort(zones, k, sizeof(*zones), cmp_zone);
	free(st->zones);
	st->zones = zones;
	st->n_zones = st->cap_zones = k;
	zones = NULL;
	for (uint32_t z = 0; z < st->next_zone; z++)
		st->eni_of_zone[z] = GEN_NONE;
	for (size_t i = 0; i < gen->n_enis; i++)
		st->eni_of_zone[zone_of_eni[i]] = (uint32_t)i;
	free(st->zone_of_eni);
	st->zone_of_eni = zone_of_eni;
	zone_of_eni = NULL;
	st->adopted_for = gen;
	st->adopted_serial = gen->serial;
	if (st->fc) {
		/*
		 * Stale entries keep their leases (each ends when its entry is
		 * refilled), unless the table is about to be cleared.
		 */
		if (fcache_invalidate_clears(st->fc))
			for (size_t i = 0; i < st->fc->n_entries; i++)
				if (fcache_at(st->fc, (uint32_t)i)->flags & FC_E_LEASED)
					ct_lease_end(st->ct, (uint32_t)i);
		fcache_invalidate(st->fc);
	}
	r = 0;
out:
	free(zones);
	free(kept);
	free(zone_of_eni);
	return r;
}

size_t eng_state_expire(struct eng_state *st, uint64_t now_ms, size_t budget)
{
	return ct_expire(st->ct, now_ms, budget) + nat_expire(st->nat, now_ms, budget);
}

void eng_state_stats(const struct eng_state *st, struct eng_stats *ret_stats)
{
	struct nat_stats ns;

	*ret_stats = st->stats;
	ret_stats->ct_entries = ct_count(st->ct);
	nat_stats(st->nat, &ns);
	ret_stats->nat_mappings = ns.active;
	ret_stats->nat_port_alloc_errors = ns.port_alloc_errors;
	ret_stats->nat_idle_timeouts = ns.idle_timeouts;
}

const char *eng_explanation_name(enum eng_explanation e)
{
	static const char *const names[] = {
#define ENG_EXPL_NAME(name) #name,
		ENG_EXPLANATIONS(ENG_EXPL_NAME)
#undef ENG_EXPL_NAME
	};

	if (e == ENG_EXPL_NONE || (unsigned)e >= ENG_EXPL__COUNT)
		return "";
	return names[e];
}

const char *eng_drop_name(enum eng_drop d)
{
	static const char *const names[] = {
		"none",		   "malformed",	     "source-dest-check", "sg-egress",
		"sg-ingress",	   "nacl-egress",    "nacl-ingress",	  "no-route",
		"blackhole",	   "no-destination", "igw-no-public-ip",  "igw-bad-address",
		"nat-protocol",	   "nat-ports",	     "nat-no-mapping",	  "nat-source",
		"nat-fragment",	   "vgw-address",    "conntrack-full",	  "loop",
	};
	_Static_assert(ARRAY_SIZE(names) == ENG_DROP__COUNT, "drop names");
	return (unsigned)d < ENG_DROP__COUNT ? names[d] : "unknown";
}
