/* live: `vpcctl ls`, `vpcctl exec` and the store loader of `trace --state-dir` (see live.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/live.h"
#include "lib/net/net.h"
#include "lib/util/util.h"
#include "store/store.h"

#define NETNS_DIR "/run/netns"

int live_load_model(const char *state_dir, const char *region, struct model **ret_model, char *why,
		    size_t why_size)
{
	struct store *st = NULL;
	char path[4096];
	struct stat sb;
	int r;

	snprintf(path, sizeof(path), "%s/vpcd.lock", state_dir);
	if (stat(path, &sb) < 0) {
		snprintf(why, why_size, "not a vpcd state directory (no vpcd.lock)");
		return -ENOENT;
	}
	r = store_open(state_dir, &st);
	if (r < 0) {
		snprintf(why, why_size, "cannot open the store: %s", strerror(-r));
		return r;
	}
	r = store_load_region(st, NULL, region, ret_model);
	if (r < 0)
		snprintf(why, why_size, "cannot load Region %s: %s", region, strerror(-r));
	store_close(st);
	return r;
}

static const char *state_name(enum model_instance_state s)
{
	static const char *const names[] = {"pending", "running", "shutting-down", "terminated",
					    "stopping", "stopped"};
	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static bool ns_exists(const char *prefix, const char *id, char *name, size_t size)
{
	char path[512];
	struct stat sb;

	snprintf(name, size, "%s%s", prefix, id);
	snprintf(path, sizeof(path), NETNS_DIR "/%s", name);
	return stat(path, &sb) == 0;
}

static json_t *eni_json(const struct model_eni *e)
{
	json_t *ips = json_array(), *pfx = json_array();
	char buf[NET_CIDR4_STRLEN];

	for (size_t i = 0; i < e->n_ips; i++)
		json_array_append_new(ips, json_string(net_ip4_format(e->ips[i].ip, buf)));
	for (size_t i = 0; i < e->n_prefixes; i++)
		json_array_append_new(pfx, json_string(net_cidr4_format(e->prefixes[i], buf)));
	return json_pack("{s:s, s:i, s:s, s:s, s:o, s:o}", "NetworkInterfaceId", e->id,
			 "DeviceIndex", e->attachment.device_index, "MacAddress", e->mac, "SubnetId",
			 e->subnet_id, "PrivateIpAddresses", ips, "Ipv4Prefixes", pfx);
}

static void print_text(const struct model *m, const char *prefix)
{
	printf("%-21s %-10s %-10s %-26s %s\n", "INSTANCE", "STATE", "TYPE", "SUBNET", "NAMESPACE");
	for (size_t i = 0; i < m->n_instances; i++) {
		const struct model_instance *in = m->instances[i];
		char ns[256];
		bool have = ns_exists(prefix, in->id, ns, sizeof(ns));

		printf("%-21s %-10s %-10s %-26s %s%s\n", in->id, state_name(in->state),
		       in->instance_type, in->subnet_id, have ? ns : "-",
		       !have && in->state == MODEL_INSTANCE_RUNNING ? " (missing: is vpcd running "
								      "with the fabric?)"
								    : "");
		for (int dev = 0; dev < 64; dev++)
			for (size_t k = 0; k < m->n_enis; k++) {
				const struct model_eni *e = m->enis[k];
				char buf[NET_CIDR4_STRLEN];

				if (!e->attachment.present || e->attachment.device_index != dev ||
				    strcmp(e->attachment.instance_id, in->id) != 0)
					continue;
				printf("  eth%-2d %-22s %s ", dev, e->id, e->mac);
				for (size_t j = 0; j < e->n_ips; j++)
					printf("%s%s", j ? "," : "", net_ip4_format(e->ips[j].ip, buf));
				for (size_t j = 0; j < e->n_prefixes; j++)
					printf(",%s", net_cidr4_format(e->prefixes[j], buf));
				printf("\n");
			}
	}
}

static int print_json(const struct model *m, const char *prefix)
{
	json_t *list = json_array();

	for (size_t i = 0; i < m->n_instances; i++) {
		const struct model_instance *in = m->instances[i];
		json_t *enis = json_array();
		char ns[256];
		bool have = ns_exists(prefix, in->id, ns, sizeof(ns));

		for (size_t k = 0; k < m->n_enis; k++)
			if (m->enis[k]->attachment.present &&
			    strcmp(m->enis[k]->attachment.instance_id, in->id) == 0)
				json_array_append_new(enis, eni_json(m->enis[k]));
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "InstanceId",
						      in->id, "State", state_name(in->state),
						      "InstanceType", in->instance_type, "SubnetId",
						      in->subnet_id, "Namespace",
						      have ? json_string(ns) : json_null(),
						      "NetworkInterfaces", enis));
	}
	json_t *doc = json_pack("{s:o}", "Instances", list);
	int r = json_dumpf(doc, stdout, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	printf("\n");
	json_decref(doc);
	return r < 0 ? -EIO : 0;
}

static void ls_usage(FILE *f)
{
	fprintf(f, "Usage: vpcctl ls --state-dir DIR [--region R] [--fabric-prefix P]\n"
		   "                 [--output text|json]\n\n"
		   "Instances of a vpcd (its --state-dir), their interfaces and addresses, and\n"
		   "the network namespace each runs in (P<instance-id>; P as given to vpcd).\n");
}

int ls_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"state-dir", required_argument, NULL, 'D'}, {"region", required_argument, NULL, 'R'},
	    {"fabric-prefix", required_argument, NULL, 'p'}, {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},		     {NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *region = "us-east-1", *prefix = "";
	bool json = false;
	struct model *m = NULL;
	char why[256] = "";
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'D':
			dir = optarg;
			break;
		case 'R':
			region = optarg;
			break;
		case 'p':
			prefix = optarg;
			break;
		case 'o':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				fprintf(stderr, "vpcctl ls: --output: \"%s\" is not text or json\n",
					optarg);
				return 2;
			}
			json = strcmp(optarg, "json") == 0;
			break;
		case 'h':
			ls_usage(stdout);
			return 0;
		default:
			ls_usage(stderr);
			return 2;
		}
	}
	if (!dir || optind != argc) {
		ls_usage(stderr);
		return 2;
	}
	if (live_load_model(dir, region, &m, why, sizeof(why)) < 0) {
		fprintf(stderr, "vpcctl ls: --state-dir %s: %s\n", dir, why);
		return 1;
	}
	int r = 0;
	if (json)
		r = print_json(m, prefix);
	else
		print_text(m, prefix);
	model_free(m);
	return r < 0 ? 1 : 0;
}

static void exec_usage(FILE *f)
{
	fprintf(f, "Usage: vpcctl exec [--fabric-prefix P] INSTANCE_ID -- COMMAND [ARG...]\n\n"
		   "Run COMMAND inside an instance's network namespace (P<instance-id>), as\n"
		   "`ip netns exec` does: the instance's interfaces, addresses and routes.\n");
}

/* As `ip netns exec`: a private mount namespace with /sys showing the instance's links. */
static void remount_sys(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount("", "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return;
	if (umount2("/sys", MNT_DETACH) == 0)
		mount("sysfs", "/sys", "sysfs", 0, NULL);
}

int exec_main(int argc, char **argv)
{
	const char *prefix = "";
	int i = 1;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		exec_usage(stdout);
		return 0;
	}
	if (i + 1 < argc && strcmp(argv[i], "--fabric-prefix") == 0) {
		prefix = argv[i + 1];
		i += 2;
	} else if (i < argc && strncmp(argv[i], "--fabric-prefix=", 16) == 0) {
		prefix = argv[i] + 16;
		i++;
	}
	if (i + 2 >= argc || strcmp(argv[i + 1], "--") != 0) {
		exec_usage(stderr);
		return 2;
	}
	const char *id = argv[i];
	char path[512];
	snprintf(path, sizeof(path), NETNS_DIR "/%s%s", prefix, id);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr,
			"vpcctl exec: instance %s has no namespace %s (%s): is it running, and is "
			"vpcd running with the fabric%s?\n",
			id, path, strerror(errno), prefix[0] ? " and this --fabric-prefix" : "");
		return 1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "vpcctl exec: cannot enter %s: %s (run as root)\n", path,
			strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	remount_sys();
	execvp(argv[i + 2], argv + i + 2);
	fprintf(stderr, "vpcctl exec: %s: %s\n", argv[i + 2], strerror(errno));
	return 127;
}
