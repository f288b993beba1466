/* ipamd-serve: the plugin socket of vpc-ipamd over a datastore (no EC2, no IMDS). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cni/cni-ipc.h"
#include "ipamd/ipam-ckpt.h"
#include "ipamd/ipamd.h"

static struct ipamd d = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};
static char dir[64];

static void setup(void)
{
	char why[256] = "";

	strcpy(dir, "/tmp/openvpc-ipamd-XXXXXX");
	cr_assert(mkdtemp(dir));
	ipamd_config_defaults(&d.cfg);
	snprintf(d.cfg.socket_path, sizeof(d.cfg.socket_path), "%s/ipamd.sock", dir);
	snprintf(d.cfg.checkpoint_path, sizeof(d.cfg.checkpoint_path), "%s/ipam.json", dir);
	d.ds = ipam_ds_new(30000);
	strcpy(d.instance_id, "i-0123456789abcdef0");
	d.node_ip = 0x0a000005;
	d.vpc_cidrs[0] = (struct net_cidr4){0x0a000000, 16};
	d.n_vpc_cidrs = 1;
	ipam_ds_add_eni(d.ds, "eni-0", 0, true, 0x0a000005, (struct net_cidr4){0x0a000000, 24}, 0);
	ipam_ds_add_eni(d.ds, "eni-1", 1, false, 0x0a000009, (struct net_cidr4){0x0a000000, 24}, 0);
	ipam_ds_add_ip(d.ds, "eni-0", 0x0a000006);
	ipam_ds_add_ip(d.ds, "eni-1", 0x0a00000a);
	d.ready = true;
	cr_assert_eq(ipamd_serve_start(&d, why, sizeof(why)), 0, "%s", why);
}

static void teardown(void)
{
	char cmd[128];

	ipamd_serve_stop(&d);
	ipam_ds_free(d.ds);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(ipamd_serve, .init = setup, .fini = teardown);

static struct cni_proto_resp call(enum cni_proto_op op, const char *cid)
{
	struct cni_proto_req q = {.op = op};
	struct cni_proto_resp p;
	struct cni_err err = {0};

	strcpy(q.network, "openvpc");
	strcpy(q.container_id, cid);
	strcpy(q.ifname, "eth0");
	strcpy(q.pod_namespace, "default");
	snprintf(q.pod_name, sizeof(q.pod_name), "pod-%s", cid);
	cr_assert_eq(cni_ipc_call(d.cfg.socket_path, &q, 2000, &p, &err), 0, "%s", err.msg);
	return p;
}

Test(ipamd_serve, add_del_check_gc_and_the_checkpoint)
{
	struct cni_proto_resp p = call(CNI_OP_ADD, "c1"), p2, again;

	cr_assert(p.ok, "%s", p.msg);
	cr_assert_eq(p.ip4, 0x0a000006);
	cr_assert_eq(p.route_table, 254, "device 0 uses the main table");
	cr_assert_eq(p.node_ip, 0x0a000005);
	cr_assert_eq(p.n_vpc_cidrs, 1);
	again = call(CNI_OP_ADD, "c1");
	cr_assert_eq(again.ip4, p.ip4, "ADD retried: same address");
	p2 = call(CNI_OP_ADD, "c2");
	cr_assert_eq(p2.ip4, 0x0a00000a);
	cr_assert_eq(p2.device_number, 1);
	cr_assert_eq(p2.route_table, 2);
	struct cni_proto_resp full = call(CNI_OP_ADD, "c3");
	cr_assert_not(full.ok);
	cr_assert_eq(full.code, CNI_ERR_NO_IP);
	cr_assert(strstr(full.msg, "no free IP address"), "%s", full.msg);
	/* The checkpoint holds both, before the answers were sent. */
	struct ipam_ckpt_entry *ents = NULL;
	size_t n = 0;
	char why[256];
	cr_assert_eq(ipam_ckpt_read(d.cfg.checkpoint_path, &ents, &n, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(n, 2);
	free(ents);
	cr_assert(call(CNI_OP_CHECK, "c1").ok);
	struct cni_proto_resp unknown = call(CNI_OP_CHECK, "nope");
	cr_assert_not(unknown.ok);
	cr_assert_eq(unknown.code, CNI_ERR_UNKNOWN_CONTAINER);
	struct cni_proto_resp del = call(CNI_OP_DEL, "c1");
	cr_assert(del.ok);
	cr_assert_eq(del.ip4, 0x0a000006);
	struct cni_proto_resp del2 = call(CNI_OP_DEL, "c1");
	cr_assert(del2.ok, "DEL of an unknown pod succeeds");
	cr_assert_eq(del2.ip4, 0);
	/* GC keeps only what the runtime lists. */
	struct cni_attachment keep[] = {{"zzz", "eth0"}};
	struct cni_proto_req q = {.op = CNI_OP_GC, .valid = keep, .n_valid = 1};
	struct cni_proto_resp p3;
	struct cni_err err = {0};
	strcpy(q.network, "openvpc");
	cr_assert_eq(cni_ipc_call(d.cfg.socket_path, &q, 2000, &p3, &err), 0);
	cr_assert(p3.ok);
	cr_assert_not(call(CNI_OP_CHECK, "c2").ok, "c2 was not in the valid list");
	cr_assert_eq(ipam_ckpt_read(d.cfg.checkpoint_path, &ents, &n, why, sizeof(why)), 0);
	cr_assert_eq(n, 0);
	free(ents);
	cr_assert(call(CNI_OP_STATUS, "").ok);
	/* Metrics and introspection read the same datastore. */
	char *m = ipamd_metrics_text(&d);
	cr_assert(strstr(m, "awscni_add_ip_req_count 4"), "%s", m);
	cr_assert(strstr(m, "awscni_no_available_ip_addresses 1"), "%s", m);
	free(m);
	char *j = ipamd_introspection_json(&d);
	cr_assert(strstr(j, "\"ID\": \"eni-1\""), "%s", j);
	free(j);
}

Test(ipamd_serve, garbage_on_the_socket_gets_an_error_not_a_crash)
{
	struct cni_proto_resp p;
	struct cni_err err = {0};
	int fd;
	char *buf;
	size_t len;

	for (int i = 0; i < 2; i++) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		strcpy(sa.sun_path, d.cfg.socket_path);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		const char *junk = i ? "{\"version\":\"openvpc-ipam/0\",\"op\":\"ADD\"}" : "not json";
		cr_assert_eq(cni_ipc_write(fd, junk, strlen(junk), 1000), 0);
		cr_assert_eq(cni_ipc_read(fd, 2000, &buf, &len), 0);
		cr_assert_eq(cni_proto_resp_decode(buf, len, &p, &err), 0);
		cr_assert_not(p.ok);
		cr_assert_eq(p.code, i ? CNI_ERR_PROTO_VERSION : CNI_ERR_DECODE, "%d %s", p.code, p.msg);
		free(buf);
		close(fd);
	}
	cr_assert(call(CNI_OP_STATUS, "").ok, "still serving");
}
