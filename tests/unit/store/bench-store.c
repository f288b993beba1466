/*
 * store-bench: how long saves and loads take for a large Region.
 *
 * Builds a model with N ENIs (default 10,000, each with two IPs, two SGs
 * and tags) plus a VPC, subnets and security groups, then measures in the
 * state directory given (default: a new directory under /tmp):
 *   - the first save (every row inserted, one transaction);
 *   - an incremental save after changing one ENI's tag;
 *   - a save with nothing changed;
 *   - loading the Region back.
 * Prints one JSON line.  Usage: store-bench [n_enis] [state_dir]; without
 * state_dir it works in a temporary directory and removes it afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/util/util.h"
#include "store/store.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int build(struct model *m, long n_enis)
{
	struct model_vpc *vpc = model_add_vpc(m);
	char id[MODEL_ID_LEN];

	if (!vpc)
		return -ENOMEM;
	util_strscpy(vpc->id, "vpc-0000000000000bench", sizeof(vpc->id));
	if (model_vpc_add_cidr(vpc, "vpc-cidr-assoc-1", (struct net_cidr4){0x0a000000, 8}) < 0)
		return -ENOMEM;
	for (int i = 0; i < 50; i++) {
		struct model_subnet *sn = model_add_subnet(m);
		struct model_sg *sg = model_add_sg(m);

		if (!sn || !sg)
			return -ENOMEM;
		snprintf(sn->id, sizeof(sn->id), "subnet-%017x", i);
		util_strscpy(sn->vpc_id, vpc->id, sizeof(sn->vpc_id));
		sn->cidr = (struct net_cidr4){0x0a000000u | ((uint32_t)i << 16), 16};
		snprintf(sg->id, sizeof(sg->id), "sg-%017x", i);
		util_strscpy(sg->vpc_id, vpc->id, sizeof(sg->vpc_id));
		sg->name = strdup("bench");
		for (int r = 0; r < 10; r++) {
			struct model_sg_rule rule = {.protocol = 6,
						     .from_port = 1000 + r,
						     .to_port = 1000 + r,
						     .cidr = {0x0a000000, 8}};

			snprintf(rule.id, sizeof(rule.id), "sgr-%08x%08x", i, r);
			if (model_sg_add_rule(sg, &rule) < 0)
				return -ENOMEM;
		}
	}
	for (long i = 0; i < n_enis; i++) {
		struct model_eni *eni = model_add_eni(m);
		struct model_eni_ip ip = {.primary = true};

		if (!eni)
			return -ENOMEM;
		snprintf(eni->id, sizeof(eni->id), "eni-%017lx", i);
		snprintf(eni->subnet_id, sizeof(eni->subnet_id), "subnet-%017lx", i % 50);
		util_strscpy(eni->vpc_id, vpc->id, sizeof(eni->vpc_id));
		snprintf(eni->mac, sizeof(eni->mac), "0a:00:00:%02lx:%02lx:%02lx", (i >> 16) & 0xff,
			 (i >> 8) & 0xff, i & 0xff);
		util_strscpy(eni->interface_type, "interface", sizeof(eni->interface_type));
		ip.ip = 0x0a000000u | (uint32_t)(i + 10);
		snprintf(id, sizeof(id), "sg-%017lx", i % 50);
		if (model_eni_add_ip(eni, &ip) < 0 || model_eni_add_sg(eni, id) < 0 ||
		    model_tags_set(&eni->tags, "Name", "bench") < 0)
			return -ENOMEM;
		ip.primary = false;
		ip.ip += 1u << 20;
		if (model_eni_add_ip(eni, &ip) < 0)
			return -ENOMEM;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n_enis = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
	char tmp[] = "/tmp/openvpc-store-bench-XXXXXX";
	const char *dir = argc > 2 ? argv[2] : mkdtemp(tmp);
	struct model *m = model_new("123456789012", "us-east-1"), *l = NULL;
	struct store *s = NULL;
	double t0, first, one, none, load;
	size_t changes_one;
	int r;

	if (!dir || !m || n_enis < 0 || build(m, n_enis) < 0) {
		fprintf(stderr, "store-bench: setup failed\n");
		return 1;
	}
	r = store_open(dir, &s);
	if (r < 0) {
		fprintf(stderr, "store-bench: store_open(%s): %s\n", dir, strerror(-r));
		return 1;
	}
	t0 = now_ms();
	r = store_save_region(s, m);
	first = now_ms() - t0;
	if (r < 0)
		goto fail;
	model_tags_set(&m->enis[n_enis / 2]->tags, "Name", "changed");
	t0 = now_ms();
	r = store_save_region(s, m);
	one = now_ms() - t0;
	changes_one = store_last_save_changes(s);
	if (r < 0)
		goto fail;
	t0 = now_ms();
	r = store_save_region(s, m);
	none = now_ms() - t0;
	if (r < 0)
		goto fail;
	t0 = now_ms();
	r = store_load_region(s, NULL, "us-east-1", &l);
	load = now_ms() - t0;
	if (r < 0)
		goto fail;
	printf("{\"bench\":\"store\",\"enis\":%ld,\"objects\":%zu,\"first_save_ms\":%.1f,"
	       "\"one_change_save_ms\":%.2f,\"one_change_rows\":%zu,\"no_change_save_ms\":%.2f,"
	       "\"load_ms\":%.1f}\n",
	       n_enis, l->n_vpcs + l->n_subnets + l->n_sgs + l->n_enis, first, one, changes_one,
	       none, load);
	model_free(l);
	model_free(m);
	store_close(s);
	if (argc <= 2) {
		/* Our own temporary directory: remove it. */
		static const char *const files[] = {"vpcd.db", "vpcd.db-wal", "vpcd.db-shm"};
		char path[sizeof(tmp) + 16];

		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
			unlink(path);
		}
		rmdir(dir);
	}
	return 0;
fail:
	fprintf(stderr, "store-bench: %s\n", strerror(-r));
	return 1;
}
