/*
 * ipamd/ec2c against a real vpcd: the sequence vpc-ipamd runs on a node.
 *
 * Starts $VPCD --no-fabric on a free loopback port with a temporary state
 * directory and a credentials file (so vpcd verifies every SigV4 signature
 * the client makes), then, in the default VPC: RunInstances a t3.small
 * (3 ENIs, 4 IPv4 per ENI), CreateNetworkInterface with 3 secondary IPs,
 * attach at device 1, DeleteOnTermination, DescribeInstances shows it, one
 * more IP is PrivateIpAddressLimitExceeded, unassign one, assign one,
 * DescribeNetworkInterfaces by attachment.instance-id (paged), a fourth ENI
 * is AttachmentLimitExceeded, detach, delete, NotFound after delete.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "ipamd/ec2c.h"
#include "lib/util/util.h"

#define AK "AKIAEC2CTEST00000001"
#define SK "ec2c-test-secret/with+chars="

static pid_t vpcd_pid = -1;
static char state_dir[] = "/tmp/ec2c-vpcd-XXXXXX";
static int vpcd_port;

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static bool can_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;

	close(fd);
	return ok;
}

static void start_vpcd(void)
{
	const char *bin = getenv("VPCD");
	char listen_arg[64], creds[256], log[256];
	FILE *f;

	cr_assert_not_null(bin, "VPCD (path of vpcd) is not set");
	strcpy(state_dir, "/tmp/ec2c-vpcd-XXXXXX");
	cr_assert_not_null(mkdtemp(state_dir));
	snprintf(creds, sizeof(creds), "%s/credentials", state_dir);
	snprintf(log, sizeof(log), "%s/vpcd.log", state_dir);
	f = fopen(creds, "w");
	cr_assert_not_null(f);
	fprintf(f, "# test key\n%s %s\n", AK, SK);
	fclose(f);
	vpcd_port = free_port();
	snprintf(listen_arg, sizeof(listen_arg), "127.0.0.1:%d", vpcd_port);
	vpcd_pid = fork();
	cr_assert_geq(vpcd_pid, 0);
	if (vpcd_pid == 0) {
		FILE *l = freopen(log, "w", stderr);

		(void)l;
		execl(bin, bin, "--no-fabric", "--listen", listen_arg, "--state-dir", state_dir,
		      "--credentials", creds, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		int st;

		if (waitpid(vpcd_pid, &st, WNOHANG) == vpcd_pid) {
			vpcd_pid = -1;
			cr_assert_fail("vpcd exited at start (status %d), log in %s", st, log);
		}
		if (can_connect(vpcd_port))
			return;
		usleep(50 * 1000);
	}
	cr_assert_fail("vpcd did not listen on %s within 10 s", listen_arg);
}

static void stop_vpcd(void)
{
	char cmd[512];
	int st = 0;

	if (vpcd_pid > 0) {
		kill(vpcd_pid, SIGTERM);
		waitpid(vpcd_pid, &st, 0);
		vpcd_pid = -1;
		cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "vpcd exit status %d", st);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", state_dir);
}

/* How many requests of action vpcd has logged so far. */
static int logged(const char *action)
{
	char path[256], line[1024], want[128];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/vpcd.log", state_dir);
	snprintf(want, sizeof(want), "action=%s ", action);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, want) != NULL;
	fclose(f);
	return n;
}

static struct ec2c *client(const char *secret)
{
	struct ec2c_config cfg;
	struct ec2c *c = NULL;

	ec2c_config_defaults(&cfg);
	snprintf(cfg.endpoint, sizeof(cfg.endpoint), "http://127.0.0.1:%d", vpcd_port);
	strcpy(cfg.access_key, AK);
	strcpy(cfg.secret_key, secret);
	cfg.max_attempts = 2;
	cfg.backoff_base_ms = 10;
	cfg.backoff_max_ms = 20;
	cr_assert_eq(ec2c_new(&cfg, NULL, &c), 0);
	return c;
}

TestSuite(ec2c_vpcd, .init = start_vpcd, .fini = stop_vpcd, .timeout = 100);

/* The default VPC's subnet in us-east-1a, found with DescribeSubnets filters. */
static void default_subnet(struct ec2c *c, char subnet_id[EC2C_ID_MAX])
{
	const char *def[] = {"true"}, *az[] = {"us-east-1a"};
	const struct ec2c_filter flt[] = {{"default-for-az", def, 1}, {"availability-zone", az, 1}};
	const struct ec2c_describe q = {.filters = flt, .n_filters = 2};
	struct ec2c_subnet_list sl;
	struct ec2c_error err;
	char buf[NET_CIDR4_STRLEN];

	cr_assert_eq(ec2c_describe_subnets(c, &q, &sl, &err), 0, "%s: %s", err.code, err.message);
	cr_assert_eq(sl.n_subnets, 1);
	cr_assert_str_eq(sl.subnets[0].az, "us-east-1a");
	cr_assert_str_eq(net_cidr4_format(sl.subnets[0].cidr, buf), "172.31.0.0/20");
	cr_assert_eq(sl.subnets[0].available_ips, 4091);
	strcpy(subnet_id, sl.subnets[0].id);
	ec2c_subnet_list_done(&sl);
}

static const struct ec2c_instance_eni *instance_eni(const struct ec2c_instance *in, const char *id)
{
	for (size_t i = 0; i < in->n_enis; i++)
		if (strcmp(in->enis[i].id, id) == 0)
			return &in->enis[i];
	return NULL;
}

Test(ec2c_vpcd, node_eni_lifecycle)
{
	struct ec2c *c = client(SK);
	struct ec2c_instance *in = calloc(1, sizeof(*in));
	char subnet[EC2C_ID_MAX], inst[EC2C_ID_MAX], att[EC2C_ID_MAX], desc[128];
	const struct ec2c_kv tags[] = {{"node.k8s.amazonaws.com/instance_id", NULL}};
	struct ec2c_kv tag = tags[0];
	struct ec2c_create_eni ce = {0};
	const struct ec2c_instance_eni *ie;
	struct ec2c_eni_list l;
	struct ec2c_assigned as;
	struct ec2c_error err;
	struct ec2c_eni eni;
	uint32_t drop;

	default_subnet(c, subnet);
	cr_assert_eq(ec2c_run_instance(c, "ami-12345678", "t3.small", subnet, inst, &err), 0,
		     "%s: %s", err.code, err.message);
	cr_assert_eq(strncmp(inst, "i-", 2), 0);

	/* CreateNetworkInterface with 3 secondary IPs, tagged, described as ipamd does. */
	snprintf(desc, sizeof(desc), "aws-K8S-%s", inst);
	tag.value = inst;
	ce = (struct ec2c_create_eni){.subnet_id = subnet,
				      .description = desc,
				      .tags = &tag,
				      .n_tags = 1,
				      .secondary_ip_count = 3};
	cr_assert_eq(ec2c_create_network_interface(c, &ce, &eni, &err), 0, "%s: %s", err.code,
		     err.message);
	cr_assert_eq(strncmp(eni.id, "eni-", 4), 0);
	cr_assert_str_eq(eni.subnet_id, subnet);
	cr_assert_str_eq(eni.status, "available");
	cr_assert_str_eq(eni.description, desc);
	cr_assert_eq(eni.n_secondary_ips, 3);
	cr_assert_neq(eni.primary_ip, 0);
	cr_assert_eq(strlen(eni.mac), 17);
	cr_assert_str_eq(ec2c_eni_tag(&eni, "node.k8s.amazonaws.com/instance_id"), inst);
	cr_assert_geq(eni.n_group_ids, 1, "the default security group");

	/* Attach at device 1, DeleteOnTermination. */
	cr_assert_eq(ec2c_attach_network_interface(c, eni.id, inst, 1, att, &err), 0, "%s: %s",
		     err.code, err.message);
	cr_assert_eq(strncmp(att, "eni-attach-", 11), 0);
	cr_assert_eq(ec2c_set_delete_on_termination(c, eni.id, att, &err), 0, "%s", err.code);

	/* DescribeInstances shows it at device 1 with that attachment. */
	cr_assert_eq(ec2c_describe_instance(c, inst, in, &err), 0, "%s", err.code);
	cr_assert_str_eq(in->instance_type, "t3.small");
	cr_assert_str_eq(in->subnet_id, subnet);
	cr_assert_eq(in->n_enis, 2);
	ie = instance_eni(in, eni.id);
	cr_assert_not_null(ie);
	cr_assert_eq(ie->device_index, 1);
	cr_assert_str_eq(ie->attachment_id, att);
	cr_assert_eq(in->enis[0].device_index == 0 || in->enis[1].device_index == 0, 1);

	/* t3.small: 4 IPv4 per ENI, so a fourth secondary is refused with its code. */
	cr_assert_eq(ec2c_assign_private_ips(c, eni.id, 1, 0, &as, &err), -EREMOTEIO);
	cr_assert_str_eq(err.code, "PrivateIpAddressLimitExceeded");
	cr_assert_eq(err.http_status, 400);
	cr_assert_eq(err.attempts, 1, "not retried");
	cr_assert_neq(err.request_id[0], '\0');

	/* Unassign one, assign one back. */
	drop = eni.secondary_ips[2];
	cr_assert_eq(ec2c_unassign_private_ips(c, eni.id, &drop, 1, NULL, 0, &err), 0, "%s",
		     err.code);
	cr_assert_eq(ec2c_assign_private_ips(c, eni.id, 1, 0, &as, &err), 0, "%s", err.code);
	cr_assert_str_eq(as.eni_id, eni.id);
	cr_assert_eq(as.n_ips, 1);
	cr_assert_eq(as.n_prefixes, 0);

	/* DescribeNetworkInterfaces by attachment.instance-id (MaxResults=5). */
	{
		const char *v[] = {inst};
		const struct ec2c_filter flt[] = {{"attachment.instance-id", v, 1}};
		const struct ec2c_describe q = {.filters = flt, .n_filters = 1, .max_results = 5};
		const struct ec2c_eni *mine = NULL;
		bool has_new = false;

		cr_assert_eq(ec2c_describe_network_interfaces(c, &q, &l, &err), 0, "%s: %s",
			     err.code, err.message);
		cr_assert_eq(l.n_enis, 2);
		for (size_t i = 0; i < l.n_enis; i++) {
			cr_assert(l.enis[i].attached);
			cr_assert_str_eq(l.enis[i].attachment.instance_id, inst);
			if (strcmp(l.enis[i].id, eni.id) == 0)
				mine = &l.enis[i];
		}
		cr_assert_not_null(mine);
		cr_assert_str_eq(mine->status, "in-use");
		cr_assert_eq(mine->attachment.device_index, 1);
		cr_assert_str_eq(mine->attachment.id, att);
		cr_assert(mine->attachment.delete_on_termination);
		cr_assert_str_eq(mine->mac, eni.mac);
		cr_assert_eq(mine->primary_ip, eni.primary_ip);
		cr_assert_eq(mine->n_secondary_ips, 3);
		for (size_t i = 0; i < mine->n_secondary_ips; i++) {
			cr_assert_neq(mine->secondary_ips[i], drop == as.ips[0] ? 0 : drop);
			has_new |= mine->secondary_ips[i] == as.ips[0];
		}
		cr_assert(has_new);
		ec2c_eni_list_done(&l);
	}

	/* The ENI limit: t3.small has 3; the fourth attach is AttachmentLimitExceeded. */
	{
		struct ec2c_eni e2, e3;
		char att2[EC2C_ID_MAX], att3[EC2C_ID_MAX] = "";
		struct ec2c_create_eni pd = {.subnet_id = subnet, .prefix_count = 1};

		cr_assert_eq(ec2c_create_network_interface(c, &pd, &e2, &err), 0, "%s", err.code);
		cr_assert_eq(e2.n_prefixes, 1);
		cr_assert_eq(e2.prefixes[0].len, 28);
		cr_assert_eq(ec2c_attach_network_interface(c, e2.id, inst, 2, att2, &err), 0, "%s",
			     err.code);
		ce = (struct ec2c_create_eni){.subnet_id = subnet};
		cr_assert_eq(ec2c_create_network_interface(c, &ce, &e3, &err), 0, "%s", err.code);
		cr_assert_eq(ec2c_attach_network_interface(c, e3.id, inst, 3, att3, &err),
			     -EREMOTEIO);
		cr_assert_str_eq(err.code, "AttachmentLimitExceeded");
		cr_assert_str_eq(att3, "", "untouched on failure");
		/* Prefixes: assign one more /28, give it back. */
		cr_assert_eq(ec2c_assign_private_ips(c, e2.id, 0, 1, &as, &err), 0, "%s", err.code);
		cr_assert_eq(as.n_prefixes, 1);
		cr_assert_eq(ec2c_unassign_private_ips(c, e2.id, NULL, 0, as.prefixes, 1, &err), 0,
			     "%s", err.code);
		cr_assert_eq(ec2c_detach_network_interface(c, att2, false, &err), 0, "%s",
			     err.code);
		cr_assert_eq(ec2c_delete_network_interface(c, e2.id, &err), 0, "%s", err.code);
		cr_assert_eq(ec2c_delete_network_interface(c, e3.id, &err), 0, "%s", err.code);
		ec2c_eni_done(&e2);
		ec2c_eni_done(&e3);
	}

	/* Paging: 7 ENIs in the subnet, 5 per page, every page followed. */
	{
		const char *v[] = {subnet};
		const struct ec2c_filter flt[] = {{"subnet-id", v, 1}};
		const struct ec2c_describe q = {.filters = flt, .n_filters = 1, .max_results = 5};
		struct ec2c_eni extra[5];
		int before;

		ce = (struct ec2c_create_eni){.subnet_id = subnet};
		for (int i = 0; i < 5; i++)
			cr_assert_eq(ec2c_create_network_interface(c, &ce, &extra[i], &err), 0,
				     "%s", err.code);
		before = logged("DescribeNetworkInterfaces");
		cr_assert_eq(ec2c_describe_network_interfaces(c, &q, &l, &err), 0, "%s", err.code);
		cr_assert_eq(l.n_enis, 7, "the instance's 2 and 5 more");
		for (size_t i = 0; i < l.n_enis; i++)
			for (size_t j = i + 1; j < l.n_enis; j++)
				cr_assert_str_neq(l.enis[i].id, l.enis[j].id, "no ENI twice");
		cr_assert_eq(logged("DescribeNetworkInterfaces") - before, 2, "two pages");
		ec2c_eni_list_done(&l);
		for (int i = 0; i < 5; i++) {
			cr_assert_eq(ec2c_delete_network_interface(c, extra[i].id, &err), 0);
			ec2c_eni_done(&extra[i]);
		}
	}

	/* CreateTags, then read back by id. */
	{
		const char *ids[] = {eni.id};
		const struct ec2c_kv t2[] = {{"cluster.k8s.amazonaws.com/name", "demo"}};
		const struct ec2c_describe q = {.ids = ids, .n_ids = 1};

		cr_assert_eq(ec2c_create_tags(c, ids, 1, t2, 1, &err), 0, "%s", err.code);
		cr_assert_eq(ec2c_describe_network_interfaces(c, &q, &l, &err), 0, "%s", err.code);
		cr_assert_eq(l.n_enis, 1);
		cr_assert_str_eq(ec2c_eni_tag(&l.enis[0], "cluster.k8s.amazonaws.com/name"),
				 "demo");
		ec2c_eni_list_done(&l);
	}

	/* Detach (forced), delete, and NotFound afterwards. */
	cr_assert_eq(ec2c_detach_network_interface(c, att, true, &err), 0, "%s", err.code);
	cr_assert_eq(ec2c_delete_network_interface(c, eni.id, &err), 0, "%s", err.code);
	cr_assert_eq(ec2c_delete_network_interface(c, eni.id, &err), -ENOENT);
	cr_assert_str_eq(err.code, "InvalidNetworkInterfaceID.NotFound");
	cr_assert_eq(ec2c_describe_instance(c, inst, in, &err), 0);
	cr_assert_eq(in->n_enis, 1);
	cr_assert_eq(ec2c_terminate_instance(c, inst, &err), 0, "%s", err.code);

	ec2c_eni_done(&eni);
	free(in);
	ec2c_free(c);
}

Test(ec2c_vpcd, wrong_secret_is_refused)
{
	struct ec2c *c = client("not-the-secret");
	struct ec2c_subnet_list sl;
	struct ec2c_error err;

	cr_assert_eq(ec2c_describe_subnets(c, NULL, &sl, &err), -EACCES);
	cr_assert_neq(err.code[0], '\0');
	cr_assert_eq(err.attempts, 1);
	ec2c_free(c);
}
