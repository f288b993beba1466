/* ipam-ckpt: the checkpoint file (format, atomic replacement, malformed files). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipamd/ipam-ckpt.h"

static char dir[64];

static void mkdir_tmp(void)
{
	strcpy(dir, "/tmp/openvpc-ckpt-XXXXXX");
	cr_assert(mkdtemp(dir));
}

static void rm_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(ipam_ckpt, .init = mkdir_tmp, .fini = rm_tmp);

static struct ipam_key key(const char *id)
{
	struct ipam_key k = {0};

	strcpy(k.network, "openvpc");
	strcpy(k.container_id, id);
	strcpy(k.ifname, "eth0");
	return k;
}

Test(ipam_ckpt, round_trip_restores_every_allocation)
{
	struct ipam_ds *ds = ipam_ds_new(30000), *ds2 = ipam_ds_new(30000);
	char path[128], err[256] = "";
	struct ipam_ckpt_entry *ents = NULL;
	size_t n = 0;
	struct ipam_lease l;

	snprintf(path, sizeof(path), "%s/ipam.json", dir);
	cr_assert_eq(ipam_ckpt_read(path, &ents, &n, err, sizeof(err)), 0, "missing file = empty");
	cr_assert_eq(n, 0);
	for (struct ipam_ds *d = ds; d; d = d == ds ? ds2 : NULL) {
		ipam_ds_add_eni(d, "eni-a", 0, true, 0x0a000001, (struct net_cidr4){0x0a000000, 24}, 0);
		for (uint32_t i = 0; i < 5; i++)
			ipam_ds_add_ip(d, "eni-a", 0x0a000010 + i);
	}
	struct ipam_key a = key("aaa"), b = key("bbb"), c = key("ccc");
	ipam_ds_assign(ds, &a, "default", "web-1", 1700000000000, &l);
	ipam_ds_assign(ds, &b, "kube-system", "dns", 1700000000500, &l);
	ipam_ds_assign(ds, &c, "", "", 1700000001000, &l);
	ipam_ds_unassign(ds, &b, 1700000002000, NULL);
	cr_assert_eq(ipam_ckpt_write(path, ds), 0);
	cr_assert_eq(ipam_ckpt_read(path, &ents, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 2);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(ipam_ds_restore(ds2, &ents[i].key, ents[i].ip, ents[i].assigned_ms,
					     ents[i].pod_namespace, ents[i].pod_name),
			     0);
	struct ipam_lease la, la2;
	cr_assert_eq(ipam_ds_find(ds, &a, &la), 0);
	cr_assert_eq(ipam_ds_find(ds2, &a, &la2), 0);
	cr_assert_eq(la.ip, la2.ip);
	cr_assert_eq(la2.assigned_ms, 1700000000000);
	cr_assert_eq(ipam_ds_find(ds2, &b, &la2), -ENOENT);
	cr_assert_str_eq(ds2->enis[0].addrs[0].pod_name, "web-1");
	/* The AWS plugin's field names. */
	FILE *f = fopen(path, "r");
	char buf[4096] = "";
	cr_assert(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	cr_assert(strstr(buf, "\"version\":\"vpc-cni-ipam/1\""), "%s", buf);
	cr_assert(strstr(buf, "\"allocationTimestamp\":1700000000000000000"), "%s", buf);
	cr_assert(strstr(buf, "\"k8sPodName\":\"web-1\""), "%s", buf);
	/* No temporary file is left behind. */
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) -eq 1", dir);
	cr_assert_eq(system(cmd), 0);
	free(ents);
	ipam_ds_free(ds);
	ipam_ds_free(ds2);
}

Test(ipam_ckpt, malformed_files_name_the_field)
{
	struct {
		const char *text, *want;
	} cases[] = {
	    {"", "not JSON"},
	    {"{\"version\":\"x\",\"allocations\":[]}", "version"},
	    {"{\"version\":\"vpc-cni-ipam/1\"}", "allocations"},
	    {"{\"version\":\"vpc-cni-ipam/1\",\"allocations\":[{\"networkName\":\"n\"}]}",
	     "allocations[0].containerID"},
	    {"{\"version\":\"vpc-cni-ipam/1\",\"allocations\":[{\"networkName\":\"n\",\"containerID\":\"c\","
	     "\"ifName\":\"eth0\",\"ipv4\":\"10.0.0.300\"}]}",
	     "allocations[0].ipv4"},
	    {"{\"version\":\"vpc-cni-ipam/1\",\"allocations\":[{\"networkName\":\"n\",\"containerID\":\"c\","
	     "\"ifName\":\"eth0\",\"ipv4\":\"10.0.0.3\",\"allocationTimestamp\":-1}]}",
	     "allocationTimestamp"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ipam_ckpt_entry *e = NULL;
		size_t n;
		char err[256] = "";

		cr_assert_eq(ipam_ckpt_parse(cases[i].text, strlen(cases[i].text), &e, &n, err, sizeof(err)),
			     -EINVAL, "%s", cases[i].text);
		cr_assert(strstr(err, cases[i].want), "%s: %s", cases[i].text, err);
		cr_assert_null(e);
	}
}
