/* ipam-pool: the warm-pool decision (see ipam-pool.h). */
#include <errno.h>
#include <string.h>

#include "ipamd/ipam-pool.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

void ipam_cfg_defaults(struct ipam_cfg *cfg)
{
	*cfg = (struct ipam_cfg){.warm_eni_target = 1, .warm_ip_target = -1, .minimum_ip_target = -1,
				 .warm_prefix_target = 1, .max_eni = -1, .min_eni_lifetime_ms = 60000};
}

int ipam_cfg_check(const struct ipam_cfg *cfg)
{
	if (cfg->prefix_delegation && cfg->warm_prefix_target <= 0 && cfg->warm_ip_target <= 0 &&
	    cfg->minimum_ip_target <= 0)
		return -EINVAL;
	return 0;
}

const char *ipam_action_str(enum ipam_action a)
{
	static const char *const names[] = {"nothing", "assign", "new-eni", "release-ips",
					    "release-eni"};
	return (size_t)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

static bool ip_targets(const struct ipam_cfg *cfg)
{
	return cfg->warm_ip_target >= 0 || cfg->minimum_ip_target >= 0;
}

/* What one ENI holds: free, cooling and assigned addresses (busy = cooling + assigned). */
struct eni_use {
	size_t free, cooling, assigned, busy;
};

static struct eni_use eni_use(const struct ipam_eni *e, int64_t now)
{
	struct eni_use u = {0};

	for (size_t k = 0; k < e->n_addrs; k++) {
		if (e->addrs[k].assigned)
			u.assigned++;
		else if (ipam_addr_cooling(&e->addrs[k], now))
			u.cooling++;
		else
			u.free++;
	}
	u.busy = u.cooling + u.assigned;
	return u;
}

/* Would the pool still meet its targets without `free_ips` free addresses / `pfx` free prefixes? */
static bool can_spare(const struct ipam_cfg *cfg, const struct ipam_limits *lim,
		      const struct ipam_stats *s, size_t free_ips, size_t pfx)
{
	long avail = (long)s->available - (long)free_ips, total = (long)s->total - (long)free_ips;

	if (ip_targets(cfg))
		return avail >= MAX(cfg->warm_ip_target, 0) && total >= MAX(cfg->minimum_ip_target, 0);
	if (cfg->prefix_delegation)
		return (long)s->free_prefixes - (long)pfx >= cfg->warm_prefix_target;
	return avail >= (long)cfg->warm_eni_target * (lim->ipv4_per_eni - 1);
}

/*
 * Free a whole secondary ENI when the targets allow it: 1 when planned, 0
 * when no ENI is a candidate, -1 when one will be (no pod on it, only
 * cooling addresses or too young): then nothing else is given back
 * meanwhile, so surplus leaves as whole ENIs rather than scattered addresses.
 */
static int release_eni(const struct ipam_ds *ds, const struct ipam_cfg *cfg,
		       const struct ipam_limits *lim, const struct ipam_stats *s, int64_t now,
		       struct ipam_plan *plan)
{
	bool wait = false;

	/* Highest device first: the newest ENIs go first. */
	for (size_t i = ds->n_enis; i-- > 0;) {
		const struct ipam_eni *e = &ds->enis[i];
		struct eni_use u = eni_use(e, now);

		if (e->primary || u.assigned > 0)
			continue;
		if (!can_spare(cfg, lim, s, u.free, e->n_prefixes))
			continue;
		if (u.cooling > 0 || now - e->created_ms < cfg->min_eni_lifetime_ms) {
			wait = true;
			continue;
		}
		plan->action = IPAM_RELEASE_ENI;
		memcpy(plan->eni_id, e->id, sizeof(plan->eni_id));
		return 1;
	}
	return wait ? -1 : 0;
}

static void release_ips(const struct ipam_ds *ds, const struct ipam_cfg *cfg, long over,
			int64_t now, struct ipam_plan *plan)
{
	const struct ipam_eni *best = NULL;
	size_t best_free = 0;

	for (size_t i = 0; i < ds->n_enis; i++) {
		struct eni_use u = eni_use(&ds->enis[i], now);

		if (u.free > best_free) {
			best = &ds->enis[i];
			best_free = u.free;
		}
	}
	if (!best)
		return;
	memcpy(plan->eni_id, best->id, sizeof(plan->eni_id));
	if (cfg->prefix_delegation) {
		/* Whole free /28s only, as many as `over` addresses cover. */
		for (size_t p = 0; p < best->n_prefixes && over >= 16 && plan->count < IPAM_PLAN_MAX; p++) {
			bool used = false;

			for (size_t k = 0; k < best->n_addrs && !used; k++)
				used = (best->addrs[k].ip & ~15u) == best->prefixes[p].addr &&
				       (best->addrs[k].assigned || ipam_addr_cooling(&best->addrs[k], now));
			if (!used) {
				plan->ips[plan->count++] = best->prefixes[p].addr;
				over -= 16;
			}
		}
	} else {
		for (size_t k = best->n_addrs; k-- > 0 && over > 0 && plan->count < IPAM_PLAN_MAX;) {
			const struct ipam_addr *a = &best->addrs[k];

			if (a->assigned || ipam_addr_cooling(a, now) || a->from_prefix)
				continue;
			plan->ips[plan->count++] = a->ip;
			over--;
		}
	}
	if (plan->count > 0)
		plan->action = IPAM_RELEASE_IPS;
}

static void grow(const struct ipam_ds *ds, const struct ipam_cfg *cfg, const struct ipam_limits *lim,
		 int units, struct ipam_plan *plan)
{
	int per = lim->ipv4_per_eni - 1; /* the primary IP is never a pod's */
	int max_enis = cfg->max_eni >= 0 ? MIN(cfg->max_eni, lim->max_enis) : lim->max_enis;

	for (size_t i = 0; i < ds->n_enis; i++) {
		const struct ipam_eni *e = &ds->enis[i];
		int have = cfg->prefix_delegation ? (int)e->n_prefixes : (int)e->n_addrs;

		if (have < per) {
			plan->action = IPAM_ASSIGN;
			plan->count = MIN(units, per - have);
			memcpy(plan->eni_id, e->id, sizeof(plan->eni_id));
			return;
		}
	}
	if ((int)ds->n_enis < max_enis) {
		plan->action = IPAM_NEW_ENI;
		plan->count = MIN(units, per);
	}
}

void ipam_pool_plan(const struct ipam_ds *ds, const struct ipam_cfg *cfg,
		    const struct ipam_limits *lim, int64_t now_ms, struct ipam_plan *ret_plan)
{
	struct ipam_plan plan = {.action = IPAM_NOTHING};
	struct ipam_stats s;
	long shortage, over = 0, per = lim->ipv4_per_eni - 1;

	ipam_ds_stats(ds, now_ms, &s);
	if (ip_targets(cfg)) {
		long wi = MAX(cfg->warm_ip_target, 0), mi = MAX(cfg->minimum_ip_target, 0);

		shortage = MAX(MAX(wi - (long)s.available, mi - (long)s.total), 0);
		over = MAX(MIN((long)s.available - wi, (long)s.total - mi), 0);
	} else if (cfg->prefix_delegation) {
		shortage = MAX(cfg->warm_prefix_target - (long)s.free_prefixes, 0) * 16;
		over = MAX((long)s.free_prefixes - cfg->warm_prefix_target, 0) * 16;
	} else {
		shortage = MAX((long)cfg->warm_eni_target * per - (long)s.available, 0);
	}
	/* The pool never grows past max pods. */
	shortage = MIN(shortage, MAX((long)lim->max_pods - (long)s.total, 0));
	if (shortage > 0) {
		int units = cfg->prefix_delegation ? (int)((shortage + 15) / 16) : (int)shortage;

		/* WARM_ENI_TARGET mode fills whole ENIs, as the AWS plugin does. */
		if (!ip_targets(cfg) && !cfg->prefix_delegation)
			units = (int)per;

		grow(ds, cfg, lim, units, &plan);
	} else if (release_eni(ds, cfg, lim, &s, now_ms, &plan) == 0 && over > 0) {
		release_ips(ds, cfg, over, now_ms, &plan);
	}
	*ret_plan = plan;
}
