/* ipam-ds: vpc-ipamd's datastore. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipamd/ipam-ds.h"
#include "lib/util/util.h"

#define COOL 30000

static struct ipam_key key(int n)
{
	struct ipam_key k = {0};

	strcpy(k.network, "openvpc");
	snprintf(k.container_id, sizeof(k.container_id), "c%d", n);
	strcpy(k.ifname, "eth0");
	return k;
}

static struct ipam_ds *node(void)
{
	struct ipam_ds *ds = ipam_ds_new(COOL);

	cr_assert_eq(ipam_ds_add_eni(ds, "eni-b", 1, false, 0x0a000014, (struct net_cidr4){0x0a000000, 24}, 0), 0);
	cr_assert_eq(ipam_ds_add_eni(ds, "eni-a", 0, true, 0x0a00000a, (struct net_cidr4){0x0a000000, 24}, 0), 0);
	for (uint32_t i = 0; i < 2; i++) {
		cr_assert_eq(ipam_ds_add_ip(ds, "eni-a", 0x0a00000b + i), 0);
		cr_assert_eq(ipam_ds_add_ip(ds, "eni-b", 0x0a000015 + i), 0);
	}
	return ds;
}

Test(ipam_ds, enis_in_device_order_and_primary_ip_never_a_pods)
{
	struct ipam_ds *ds = node();

	cr_assert_str_eq(ds->enis[0].id, "eni-a");
	cr_assert_eq(ipam_ds_add_ip(ds, "eni-a", 0x0a00000a), -EINVAL);
	cr_assert_eq(ipam_ds_add_ip(ds, "eni-a", 0x0a00000b), 0, "idempotent");
	cr_assert_eq(ipam_ds_add_ip(ds, "eni-b", 0x0a00000b), -EEXIST, "one ENI per address");
	cr_assert_eq(ipam_ds_add_ip(ds, "eni-x", 0x0a000099), -ENOENT);
	cr_assert_eq(ipam_ds_add_eni(ds, "eni-c", 1, false, 1, (struct net_cidr4){0, 0}, 0), -EEXIST);
	ipam_ds_free(ds);
	ipam_ds_free(NULL);
}

Test(ipam_ds, assign_is_idempotent_per_key_and_cooldown_holds)
{
	struct ipam_ds *ds = node();
	struct ipam_lease l1, l1b, l2, gone;
	struct ipam_key k1 = key(1), k2 = key(2);
	struct ipam_stats s;

	cr_assert_eq(ipam_ds_assign(ds, &k1, "default", "web-1", 1000, &l1), 0);
	cr_assert_eq(l1.ip, 0x0a00000b, "first address of the lowest device");
	cr_assert_str_eq(l1.eni_id, "eni-a");
	cr_assert_eq(ipam_ds_assign(ds, &k1, "default", "web-1", 2000, &l1b), 0);
	cr_assert_eq(l1b.ip, l1.ip, "ADD retried: same address");
	cr_assert_eq(ipam_ds_unassign(ds, &k1, 5000, &gone), 0);
	cr_assert_eq(gone.ip, l1.ip);
	cr_assert_eq(ipam_ds_unassign(ds, &k1, 5000, &gone), -ENOENT);
	ipam_ds_stats(ds, 6000, &s);
	cr_assert_eq(s.cooling, 1);
	cr_assert_eq(s.available, 3);
	/* While l1.ip cools, it is not handed out, even as the only choice left. */
	for (int i = 2; i <= 4; i++) {
		struct ipam_key k = key(i);
		cr_assert_eq(ipam_ds_assign(ds, &k, "", "", 6000, &l2), 0);
		cr_assert_neq(l2.ip, l1.ip);
	}
	struct ipam_key k5 = key(5);
	cr_assert_eq(ipam_ds_assign(ds, &k5, "", "", 5000 + COOL - 1, &l2), -ENOSPC);
	cr_assert_eq(ipam_ds_assign(ds, &k5, "", "", 5000 + COOL, &l2), 0);
	cr_assert_eq(l2.ip, l1.ip);
	cr_assert_eq(ipam_ds_find(ds, &k2, &l2), 0);
	cr_assert_eq(ipam_ds_remove_ip(ds, l2.eni_id, l2.ip), -EBUSY);
	cr_assert_eq(ipam_ds_remove_eni(ds, "eni-b", false, 99999), -EBUSY);
	ipam_ds_free(ds);
}

Test(ipam_ds, cooled_addresses_are_reused_before_fresh_ones)
{
	struct ipam_ds *ds = node();
	struct ipam_lease l;
	struct ipam_key k1 = key(1), k2 = key(2);

	ipam_ds_assign(ds, &k1, "", "", 0, &l);
	ipam_ds_unassign(ds, &k1, 0, NULL);
	cr_assert_eq(ipam_ds_assign(ds, &k2, "", "", 10, &l), 0);
	cr_assert_eq(l.ip, 0x0a00000c, "fresh while the first cools");
	struct ipam_key k3 = key(3);
	cr_assert_eq(ipam_ds_assign(ds, &k3, "", "", COOL + 1, &l), 0);
	cr_assert_eq(l.ip, 0x0a00000b, "cooled address reused first");
	ipam_ds_free(ds);
}

Test(ipam_ds, prefixes)
{
	struct ipam_ds *ds = ipam_ds_new(COOL);
	struct ipam_lease l;
	struct ipam_key k = key(1);
	struct ipam_stats s;

	ipam_ds_add_eni(ds, "eni-a", 0, true, 0x0a000005, (struct net_cidr4){0x0a000000, 20}, 0);
	cr_assert_eq(ipam_ds_add_prefix(ds, "eni-a", (struct net_cidr4){0x0a000108, 28}), -EINVAL);
	cr_assert_eq(ipam_ds_add_prefix(ds, "eni-a", (struct net_cidr4){0x0a000100, 27}), -EINVAL);
	cr_assert_eq(ipam_ds_add_prefix(ds, "eni-a", (struct net_cidr4){0x0a000100, 28}), 0);
	cr_assert_eq(ipam_ds_add_prefix(ds, "eni-a", (struct net_cidr4){0x0a000110, 28}), 0);
	ipam_ds_stats(ds, 0, &s);
	cr_assert_eq(s.total, 32);
	cr_assert_eq(s.free_prefixes, 2);
	ipam_ds_assign(ds, &k, "", "", 0, &l);
	cr_assert_eq(l.ip, 0x0a000100);
	ipam_ds_stats(ds, 0, &s);
	cr_assert_eq(s.free_prefixes, 1);
	cr_assert_eq(ipam_ds_remove_prefix(ds, "eni-a", (struct net_cidr4){0x0a000100, 28}), -EBUSY);
	cr_assert_eq(ipam_ds_remove_prefix(ds, "eni-a", (struct net_cidr4){0x0a000110, 28}), 0);
	ipam_ds_stats(ds, 0, &s);
	cr_assert_eq(s.total, 16);
	cr_assert_eq(s.prefixes, 1);
	ipam_ds_free(ds);
}

Test(ipam_ds, restore_from_checkpoint)
{
	struct ipam_ds *ds = node();
	struct ipam_key k1 = key(1), k2 = key(2);
	struct ipam_lease l;

	cr_assert_eq(ipam_ds_restore(ds, &k1, 0x0a000016, 77, "ns", "p"), 0);
	cr_assert_eq(ipam_ds_restore(ds, &k1, 0x0a000016, 77, "ns", "p"), 0);
	cr_assert_eq(ipam_ds_restore(ds, &k2, 0x0a000016, 77, "ns", "p"), -EEXIST);
	cr_assert_eq(ipam_ds_restore(ds, &k2, 0x0a0000ff, 77, "ns", "p"), -ENOENT);
	cr_assert_eq(ipam_ds_find(ds, &k1, &l), 0);
	cr_assert_eq(l.device, 1);
	cr_assert_eq(l.assigned_ms, 77);
	ipam_ds_free(ds);
}

/* Random churn against an oracle: no address is ever held twice, none comes back before its cooldown. */
Test(ipam_ds, randomized_churn_never_doubles_an_address)
{
	struct ipam_ds *ds = ipam_ds_new(COOL);
	struct util_rng rng;
	enum { KEYS = 40, ADDRS = 24 };
	uint32_t held[KEYS] = {0};
	int64_t freed_at[256] = {0};
	int64_t now = 0;

	util_rng_seed(&rng, 42);
	ipam_ds_add_eni(ds, "eni-a", 0, true, 0x0a000001, (struct net_cidr4){0x0a000000, 24}, 0);
	ipam_ds_add_eni(ds, "eni-b", 1, false, 0x0a000080, (struct net_cidr4){0x0a000000, 24}, 0);
	for (uint32_t i = 0; i < ADDRS; i++)
		ipam_ds_add_ip(ds, i % 2 ? "eni-b" : "eni-a", 0x0a000010 + i);
	for (int step = 0; step < 50000; step++) {
		int k = (int)util_rng_below(&rng, KEYS);
		struct ipam_key kk = key(k);
		struct ipam_lease l;

		now += (int64_t)util_rng_below(&rng, 2000);
		if (util_rng_below(&rng, 2) == 0) {
			int r = ipam_ds_assign(ds, &kk, "", "", now, &l);

			if (held[k]) {
				cr_assert_eq(r, 0);
				cr_assert_eq(l.ip, held[k]);
				continue;
			}
			if (r == -ENOSPC)
				continue;
			cr_assert_eq(r, 0);
			for (int o = 0; o < KEYS; o++)
				cr_assert_neq(held[o], l.ip, "step %d: address held twice", step);
			uint32_t slot = l.ip & 0xff;
			cr_assert(freed_at[slot] == 0 || now >= freed_at[slot] + COOL,
				  "step %d: reused during cooldown", step);
			held[k] = l.ip;
		} else {
			int r = ipam_ds_unassign(ds, &kk, now, &l);

			cr_assert_eq(r, held[k] ? 0 : -ENOENT);
			if (r == 0) {
				cr_assert_eq(l.ip, held[k]);
				freed_at[l.ip & 0xff] = now;
				held[k] = 0;
			}
		}
		struct ipam_stats s;
		size_t n = 0;
		for (int o = 0; o < KEYS; o++)
			n += held[o] != 0;
		ipam_ds_stats(ds, now, &s);
		cr_assert_eq(s.assigned, n);
		cr_assert_eq(s.total, ADDRS);
	}
	ipam_ds_free(ds);
}
