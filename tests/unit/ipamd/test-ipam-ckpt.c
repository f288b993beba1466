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
	    /* one key twice (what the fuzzer found passing as a snapshot): the later one is named */
	    {"{\"version\":\"vpc-cni-ipam/1\",\"allocations\":["
	     "{\"networkName\":\"n\",\"containerID\":\"c\",\"ifName\":\"eth0\",\"ipv4\":\"10.0.0.3\"},"
	     "{\"networkName\":\"n\",\"containerID\":\"d\",\"ifName\":\"eth0\",\"ipv4\":\"10.0.0.4\"},"
	     "{\"networkName\":\"n\",\"containerID\":\"c\",\"ifName\":\"eth0\",\"ipv4\":\"10.0.0.5\"}]}",
	     "allocations[2]: the same networkName, containerID and ifName as allocations[0]"},
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

static struct ipam_ckpt_entry entry(const char *id, uint32_t ip, const char *pod)
{
	struct ipam_ckpt_entry e = {.key = key(id), .ip = ip, .assigned_ms = 1700000000000};

	strcpy(e.pod_namespace, "default");
	strcpy(e.pod_name, pod);
	return e;
}

static const struct ipam_ckpt_entry *find(const struct ipam_ckpt_entry *ents, size_t n,
					  const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ents[i].key.container_id, id) == 0)
			return &ents[i];
	return NULL;
}

static size_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (size_t)st.st_size : (size_t)-1;
}

Test(ipam_ckpt, journal_changes_are_read_back_on_top_of_the_snapshot)
{
	struct ipam_ds *ds = ipam_ds_new(30000);
	struct ipam_ckpt_log lg = {0};
	struct ipam_ckpt_entry *ents = NULL, b = entry("bbb", 0x0a000011, "b-pod"),
			       c = entry("ccc", 0x0a000012, "c-pod");
	char path[128], jpath[160], err[256] = "";
	size_t n = 0, snap;
	struct ipam_lease l;
	struct ipam_key a = key("aaa");

	snprintf(path, sizeof(path), "%s/ipam.json", dir);
	snprintf(jpath, sizeof(jpath), "%s.journal", path);
	ipam_ds_add_eni(ds, "eni-a", 0, true, 0x0a000001, (struct net_cidr4){0x0a000000, 24}, 0);
	ipam_ds_add_ip(ds, "eni-a", 0x0a000010);
	ipam_ds_assign(ds, &a, "default", "a-pod", 1700000000000, &l);
	cr_assert_eq(ipam_ckpt_write(path, ds), 0);
	snap = file_size(path);
	cr_assert_eq(ipam_ckpt_log_add(&lg, path, &b), 0);
	cr_assert_eq(ipam_ckpt_log_add(&lg, path, &c), 0);
	cr_assert_eq(ipam_ckpt_log_del(&lg, path, &a), 0);
	cr_assert_eq(lg.records, 3);
	cr_assert_eq(file_size(path), snap, "the snapshot is not rewritten per change");
	cr_assert_gt(file_size(jpath), 0);
	cr_assert_eq(ipam_ckpt_read(path, &ents, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 2);
	cr_assert_null(find(ents, n, "aaa"));
	cr_assert_eq(find(ents, n, "bbb")->ip, 0x0a000011);
	cr_assert_str_eq(find(ents, n, "ccc")->pod_name, "c-pod");
	cr_assert_eq(find(ents, n, "ccc")->assigned_ms, 1700000000000);
	free(ents);
	/* A new snapshot empties the journal; what it says stays the same. */
	ipam_ds_unassign(ds, &a, 1700000001000, NULL);
	struct ipam_key kb = key("bbb");
	ipam_ds_add_ip(ds, "eni-a", 0x0a000011);
	cr_assert_eq(ipam_ds_restore(ds, &kb, 0x0a000011, 1700000000000, "default", "b-pod"), 0);
	cr_assert_eq(ipam_ckpt_write(path, ds), 0);
	ipam_ckpt_log_reset(&lg);
	cr_assert_eq(file_size(jpath), 0);
	cr_assert_eq(ipam_ckpt_read(path, &ents, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 1);
	cr_assert_eq(ents[0].ip, 0x0a000011);
	free(ents);
	/* Appends after the truncation land at the start of the emptied file. */
	cr_assert_eq(ipam_ckpt_log_del(&lg, path, &kb), 0);
	cr_assert_eq(ipam_ckpt_read(path, &ents, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 0);
	free(ents);
	ipam_ckpt_log_close(&lg);
	ipam_ckpt_log_close(&lg); /* twice is harmless */
	ipam_ds_free(ds);
}

Test(ipam_ckpt, replay_is_idempotent_and_ignores_a_torn_last_line)
{
	const char *j =
	    "{\"op\":\"add\",\"networkName\":\"n\",\"containerID\":\"x\",\"ifName\":\"eth0\",\"ipv4\":\"10.0.0.5\"}\n"
	    "\n"
	    "{\"op\":\"add\",\"networkName\":\"n\",\"containerID\":\"y\",\"ifName\":\"eth0\",\"ipv4\":\"10.0.0.6\"}\n"
	    "{\"op\":\"del\",\"networkName\":\"n\",\"containerID\":\"x\",\"ifName\":\"eth0\"}\n"
	    "{\"op\":\"add\",\"networkName\":\"n\",\"containerID\":\"z\",\"ifName\":\"eth0\",\"ipv4\":\"10.0.0.5\"}\n"
	    "{\"op\":\"del\",\"networkName\":\"n\",\"containerID\":\"y\",\"ifN";
	struct ipam_ckpt_entry *ents = NULL;
	size_t n = 0;
	char err[256] = "";

	cr_assert_eq(ipam_ckpt_replay(j, strlen(j), &ents, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 2, "x released, the torn del of y not applied");
	cr_assert_eq(find(ents, n, "y")->ip, 0x0a000006);
	cr_assert_eq(find(ents, n, "z")->ip, 0x0a000005);
	/* A crash between a new snapshot and the journal's truncation replays it again. */
	cr_assert_eq(ipam_ckpt_replay(j, strlen(j), &ents, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 2);
	cr_assert_eq(find(ents, n, "z")->ip, 0x0a000005);
	cr_assert_null(find(ents, n, "x"), "10.0.0.5 is not held twice");
	free(ents);
}

Test(ipam_ckpt, malformed_journal_lines_name_the_line_and_change_nothing)
{
	struct {
		const char *text, *want;
	} cases[] = {
	    {"nope\n", "journal line 1: not a JSON object"},
	    {"[1]\n", "journal line 1: not a JSON object"},
	    {"\n{\"op\":\"move\"}\n", "journal line 2: op"},
	    {"{\"op\":\"add\",\"networkName\":\"n\",\"containerID\":\"c\",\"ifName\":\"eth0\",\"ipv4\":\"10.0.0.300\"}\n",
	     "journal line 1: ipv4"},
	    {"{\"op\":\"del\",\"networkName\":\"n\",\"ifName\":\"eth0\"}\n", "journal line 1: containerID"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ipam_ckpt_entry *e = calloc(1, sizeof(*e));
		size_t n = 1;
		char err[256] = "";

		*e = entry("keep", 0x0a000009, "p");
		cr_assert_eq(ipam_ckpt_replay(cases[i].text, strlen(cases[i].text), &e, &n, err, sizeof(err)),
			     -EINVAL, "%s", cases[i].text);
		cr_assert(strstr(err, cases[i].want), "%s: %s", cases[i].text, err);
		cr_assert_eq(n, 1);
		cr_assert_str_eq(e[0].key.container_id, "keep");
		free(e);
	}
}

Test(ipam_ckpt, a_corrupt_journal_fails_the_read)
{
	char path[128], jpath[160], err[256] = "";
	struct ipam_ckpt_entry *ents = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/ipam.json", dir);
	snprintf(jpath, sizeof(jpath), "%s.journal", path);
	FILE *f = fopen(jpath, "w");
	cr_assert(f);
	fputs("{\"op\":\"add\"}\n", f);
	fclose(f);
	cr_assert_eq(ipam_ckpt_read(path, &ents, &n, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "journal line 1"), "%s", err);
}
