/* ipam-pool: the warm-pool decision, with the AWS plugin's worked examples. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipamd/ipam-pool.h"

static const struct ipam_limits t3_small = {.max_enis = 3, .ipv4_per_eni = 4, .max_pods = 11};
static uint32_t next_ip = 0x0a000100;

static struct ipam_key key(int n)
{
	struct ipam_key k = {0};

	snprintf(k.container_id, sizeof(k.container_id), "c%d", n);
	strcpy(k.ifname, "eth0");
	return k;
}

/* Carry a plan out the way the daemon would (EC2 always succeeding). */
static void apply(struct ipam_ds *ds, const struct ipam_plan *p, bool pd, int64_t now)
{
	char id[IPAM_ENI_ID_MAX];

	switch (p->action) {
	case IPAM_NEW_ENI:
		snprintf(id, sizeof(id), "eni-%zu", ds->n_enis);
		cr_assert_eq(ipam_ds_add_eni(ds, id, (int)ds->n_enis, false, next_ip++,
					     (struct net_cidr4){0x0a000000, 16}, now),
			     0);
		for (int i = 0; i < p->count; i++)
			if (pd) {
				next_ip = (next_ip + 15) & ~15u;
				cr_assert_eq(ipam_ds_add_prefix(ds, id, (struct net_cidr4){next_ip, 28}), 0);
				next_ip += 16;
			} else {
				cr_assert_eq(ipam_ds_add_ip(ds, id, next_ip++), 0);
			}
		break;
	case IPAM_ASSIGN:
		for (int i = 0; i < p->count; i++)
			if (pd) {
				next_ip = (next_ip + 15) & ~15u;
				cr_assert_eq(ipam_ds_add_prefix(ds, p->eni_id, (struct net_cidr4){next_ip, 28}), 0);
				next_ip += 16;
			} else {
				cr_assert_eq(ipam_ds_add_ip(ds, p->eni_id, next_ip++), 0);
			}
		break;
	case IPAM_RELEASE_IPS:
		for (int i = 0; i < p->count; i++)
			if (pd)
				cr_assert_eq(ipam_ds_remove_prefix(ds, p->eni_id, (struct net_cidr4){p->ips[i], 28}), 0);
			else
				cr_assert_eq(ipam_ds_remove_ip(ds, p->eni_id, p->ips[i]), 0);
		break;
	case IPAM_RELEASE_ENI:
		cr_assert_eq(ipam_ds_remove_eni(ds, p->eni_id, false, now), 0);
		break;
	case IPAM_NOTHING:
		break;
	}
}

/* Run the pool loop until it settles. */
static void settle(struct ipam_ds *ds, const struct ipam_cfg *cfg, const struct ipam_limits *lim,
		   int64_t now)
{
	struct ipam_plan p;

	for (int i = 0; i < 100; i++) {
		ipam_pool_plan(ds, cfg, lim, now, &p);
		if (p.action == IPAM_NOTHING)
			return;
		apply(ds, &p, cfg->prefix_delegation, now);
	}
	cr_assert_fail("pool did not settle");
}

static struct ipam_ds *fresh_node(void)
{
	struct ipam_ds *ds = ipam_ds_new(30000);

	ipam_ds_add_eni(ds, "eni-0", 0, true, next_ip++, (struct net_cidr4){0x0a000000, 16}, 0);
	return ds;
}

static void pods(struct ipam_ds *ds, const struct ipam_cfg *cfg, const struct ipam_limits *lim, int n)
{
	for (int i = 0; i < n; i++) {
		struct ipam_key k = key(i);
		struct ipam_lease l;

		settle(ds, cfg, lim, 0);
		cr_assert_eq(ipam_ds_assign(ds, &k, "", "", 0, &l), 0, "pod %d", i);
	}
	settle(ds, cfg, lim, 0);
}

Test(ipam_pool, t3_small_warm_eni_1_five_pods_three_enis_nine_ips)
{
	struct ipam_cfg cfg;
	struct ipam_stats s;
	struct ipam_ds *ds = fresh_node();

	ipam_cfg_defaults(&cfg);
	pods(ds, &cfg, &t3_small, 5);
	ipam_ds_stats(ds, 0, &s);
	cr_assert_eq(s.enis, 3);
	cr_assert_eq(s.total, 9);
	ipam_ds_free(ds);
}

Test(ipam_pool, t3_small_fills_to_max_pods_then_no_address)
{
	struct ipam_cfg cfg;
	struct ipam_stats s;
	struct ipam_ds *ds = fresh_node();
	struct ipam_key k = key(99);
	struct ipam_lease l;

	ipam_cfg_defaults(&cfg);
	pods(ds, &cfg, &t3_small, 9); /* 11 max pods - 2 host-network pods */
	ipam_ds_stats(ds, 0, &s);
	cr_assert_eq(s.assigned, 9);
	cr_assert_eq(ipam_ds_assign(ds, &k, "", "", 0, &l), -ENOSPC);
	ipam_ds_free(ds);
}

Test(ipam_pool, t3_small_warm_prefix_1_seventeen_pods_three_prefixes)
{
	struct ipam_cfg cfg;
	struct ipam_stats s;
	struct ipam_ds *ds = fresh_node();

	ipam_cfg_defaults(&cfg);
	cfg.prefix_delegation = true;
	struct ipam_limits lim = {.max_enis = 3, .ipv4_per_eni = 4, .max_pods = 110};
	pods(ds, &cfg, &lim, 17);
	ipam_ds_stats(ds, 0, &s);
	cr_assert_eq(s.prefixes, 3);
	cr_assert_eq(s.total - s.assigned, 31);
	ipam_ds_free(ds);
}

Test(ipam_pool, warm_ip_target_allocates_the_shortfall_and_releases_surplus)
{
	struct ipam_cfg cfg;
	struct ipam_stats s;
	struct ipam_ds *ds = fresh_node();
	struct ipam_limits lim = {.max_enis = 3, .ipv4_per_eni = 10, .max_pods = 29};

	ipam_cfg_defaults(&cfg);
	cfg.warm_ip_target = 2;
	cfg.minimum_ip_target = 4;
	settle(ds, &cfg, &lim, 0);
	ipam_ds_stats(ds, 0, &s);
	cr_assert_eq(s.total, 4, "MINIMUM_IP_TARGET floor");
	pods(ds, &cfg, &lim, 6);
	ipam_ds_stats(ds, 0, &s);
	cr_assert_eq(s.available, 2, "WARM_IP_TARGET free");
	/* Pods leave: after the cooldown the surplus goes back, down to the floor. */
	for (int i = 0; i < 6; i++) {
		struct ipam_key k = key(i);
		ipam_ds_unassign(ds, &k, 0, NULL);
	}
	settle(ds, &cfg, &lim, 10);
	ipam_ds_stats(ds, 10, &s);
	cr_assert_eq(s.total, 8, "cooling addresses are not released");
	settle(ds, &cfg, &lim, 40000);
	ipam_ds_stats(ds, 40000, &s);
	cr_assert_eq(s.total, 4);
	ipam_ds_free(ds);
}

Test(ipam_pool, unused_eni_released_after_its_minimum_lifetime_never_the_primary)
{
	struct ipam_cfg cfg;
	struct ipam_stats s;
	struct ipam_ds *ds = fresh_node();

	ipam_cfg_defaults(&cfg);
	pods(ds, &cfg, &t3_small, 5); /* 3 ENIs */
	for (int i = 0; i < 5; i++) {
		struct ipam_key k = key(i);
		ipam_ds_unassign(ds, &k, 1000, NULL);
	}
	settle(ds, &cfg, &t3_small, 2000);
	ipam_ds_stats(ds, 2000, &s);
	cr_assert_eq(s.enis, 3, "cooling and young ENIs stay");
	settle(ds, &cfg, &t3_small, 120000);
	ipam_ds_stats(ds, 120000, &s);
	cr_assert_eq(s.enis, 1, "surplus ENIs freed; WARM_ENI_TARGET=1 is met by the primary");
	cr_assert(ds->enis[0].primary);
	cr_assert_eq(s.total, 3);
	ipam_ds_free(ds);
}

Test(ipam_pool, max_eni_caps_growth_and_pd_without_targets_is_refused)
{
	struct ipam_cfg cfg;
	struct ipam_stats s;
	struct ipam_ds *ds = fresh_node();

	ipam_cfg_defaults(&cfg);
	cfg.max_eni = 1;
	pods(ds, &cfg, &t3_small, 3);
	ipam_ds_stats(ds, 0, &s);
	cr_assert_eq(s.enis, 1);
	cr_assert_eq(s.total, 3);
	ipam_ds_free(ds);
	ipam_cfg_defaults(&cfg);
	cfg.prefix_delegation = true;
	cfg.warm_prefix_target = 0;
	cr_assert_eq(ipam_cfg_check(&cfg), -EINVAL);
	cfg.warm_ip_target = 5;
	cr_assert_eq(ipam_cfg_check(&cfg), 0);
	cr_assert_str_eq(ipam_action_str(IPAM_NEW_ENI), "new-eni");
}

Test(ipam_pool, surplus_leaves_as_a_whole_eni_not_scattered_addresses)
{
	struct ipam_cfg cfg;
	struct ipam_stats s;
	struct ipam_ds *ds = fresh_node();
	struct ipam_plan p;

	ipam_cfg_defaults(&cfg);
	cfg.warm_ip_target = 1;
	cfg.min_eni_lifetime_ms = 0;
	pods(ds, &cfg, &t3_small, 5); /* primary 3 addresses, a second ENI 3 */
	ipam_ds_stats(ds, 0, &s);
	cr_assert_eq(s.enis, 2);
	/* The primary's pods leave first: their addresses have cooled, the others not yet. */
	for (int i = 0; i < 3; i++) {
		struct ipam_key k = key(i);
		ipam_ds_unassign(ds, &k, 0, NULL);
	}
	for (int i = 3; i < 5; i++) {
		struct ipam_key k = key(i);
		ipam_ds_unassign(ds, &k, 20000, NULL);
	}
	ipam_pool_plan(ds, &cfg, &t3_small, 40000, &p);
	cr_assert_eq(p.action, IPAM_NOTHING, "wait for the second ENI to be free as a whole (%s)",
		     ipam_action_str(p.action));
	settle(ds, &cfg, &t3_small, 60000);
	ipam_ds_stats(ds, 60000, &s);
	cr_assert_eq(s.enis, 1, "the second ENI went back whole");
	cr_assert_eq(s.total, 1, "and the primary keeps WARM_IP_TARGET");
	cr_assert(ds->enis[0].primary);
	ipam_ds_free(ds);
}
