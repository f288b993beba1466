/* live: `vpcctl ls`, `vpcctl exec` and the store loader of `trace --state-dir` (see live.h). */
#include <errno.h>
#include <dirent.h>
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

#include "cli/cli-opts.h"
#include "cli/live.h"
#include "cli/progress.h"
#include "lib/net/net.h"
#include "lib/util/util.h"
#include "store/store.h"

#define NETNS_DIR "/run/netns"
#define NETNS_ETC_DIR "/etc/netns" /* iproute2's, written by vpcd (fabric/netns-etc.h) */

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
	fprintf(f,
		"Usage: vpcctl ls [--state-dir DIR] [--region R] [--fabric-prefix P]\n"
		"                 [--output text|json] [--quiet]\n\n"
		"Instances of a vpcd (its --state-dir), their interfaces and addresses, and\n"
		"the network namespace each runs in (P<instance-id>; P as given to vpcd).\n"
		"Reads the state while vpcd runs; needs no API call.\n\n"
		"  --state-dir DIR     vpcd's --state-dir (default $OPENVPC_STATE_DIR)\n"
		"  --region R          the Region to list (default us-east-1)\n"
		"  --fabric-prefix P   vpcd's --fabric-prefix (default none)\n"
		"  --output FORMAT     text (a table, default) or json ({\"Instances\": [...]})\n"
		"  --quiet, -q         no progress on stderr (shown only on a terminal)\n"
		"  -h, --help          this text\n\n"
		"Exit status: 0, 1 when DIR is not a vpcd state directory or cannot be read,\n"
		"2 bad usage.\n");
}

int ls_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"state-dir", required_argument, NULL, 'D'},
	    {"region", required_argument, NULL, 'R'},
	    {"fabric-prefix", required_argument, NULL, 'p'},
	    {"output", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = getenv("OPENVPC_STATE_DIR"), *region = "us-east-1", *prefix = "";
	bool json = false, quiet = false;
	struct progress prog;
	struct model *m = NULL;
	char why[256] = "";
	int c, r;

	CLI_GETOPT_RESET();
	while ((c = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
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
			if (cli_output_parse("ls", optarg, &json) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			ls_usage(stdout);
			return 0;
		default:
			return cli_bad_option("ls", c, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("ls", "unexpected argument \"%s\"", argv[optind]);
	if (!dir || !*dir)
		return cli_usage_error("ls", "--state-dir DIR is required (or $OPENVPC_STATE_DIR)");
	progress_init(&prog, quiet, json);
	progress_show(&prog, "ls", "loading the state of the vpcd at %s (Region %s)", dir, region);
	r = live_load_model(dir, region, &m, why, sizeof(why));
	progress_clear(&prog);
	if (r < 0) {
		fprintf(stderr, "vpcctl ls: --state-dir %s: %s\n", dir, why);
		return 1;
	}
	r = 0;
	if (json)
		r = print_json(m, prefix);
	else
		print_text(m, prefix);
	model_free(m);
	return r < 0 ? 1 : 0;
}

static void exec_usage(FILE *f)
{
	fprintf(f, "Usage: vpcctl exec [--fabric-prefix P] INSTANCE_ID [--] COMMAND [ARG...]\n\n"
		   "Run COMMAND inside an instance's network namespace (P<instance-id>), as\n"
		   "`ip netns exec` does: the instance's interfaces, addresses and routes,\n"
		   "and its resolv.conf (the Amazon DNS server at the VPC's base + 2).\n"
		   "Needs root.  COMMAND's output is its own (no --output).\n\n"
		   "  --fabric-prefix P   vpcd's --fabric-prefix (default none)\n"
		   "  -h, --help          this text\n\n"
		   "Exit status: COMMAND's, 1 when the namespace cannot be entered, 2 bad usage,\n"
		   "127 when COMMAND cannot be run.\n");
}

/*
 * As `ip netns exec`: a private mount namespace with /sys showing the
 * instance's links, and NETNS_ETC_DIR/NAME/FILE bind-mounted over /etc/FILE
 * (the instance's resolv.conf).
 */
static void remount(const char *ns_name)
{
	char dir[512], src[1024], dst[512];
	struct dirent *e;
	DIR *d;

	if (unshare(CLONE_NEWNS) < 0 || mount("", "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return;
	if (umount2("/sys", MNT_DETACH) == 0)
		mount("sysfs", "/sys", "sysfs", 0, NULL);
	if (snprintf(dir, sizeof(dir), NETNS_ETC_DIR "/%s", ns_name) >= (int)sizeof(dir) ||
	    !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(src, sizeof(src), "%s/%s", dir, e->d_name) < (int)sizeof(src) &&
		    snprintf(dst, sizeof(dst), "/etc/%s", e->d_name) < (int)sizeof(dst) &&
		    mount(src, dst, "none", MS_BIND, NULL) < 0)
			fprintf(stderr, "vpcctl exec: warning: cannot bind %s on %s: %s\n", src, dst,
				strerror(errno));
	}
	closedir(d);
}

int exec_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"fabric-prefix", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *prefix = "", *id;
	char path[512];
	int c, i, fd;

	/* '+': stop at INSTANCE_ID, so that COMMAND's options stay COMMAND's. */
	CLI_GETOPT_RESET();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			prefix = optarg;
			break;
		case 'h':
			exec_usage(stdout);
			return 0;
		default:
			return cli_bad_option("exec", c, argv);
		}
	}
	i = optind;
	if (i >= argc)
		return cli_usage_error("exec", "INSTANCE_ID is required");
	id = argv[i++];
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		return cli_usage_error("exec", "COMMAND is required");
	if (snprintf(path, sizeof(path), NETNS_DIR "/%s%s", prefix, id) >= (int)sizeof(path) ||
	    strchr(id, '/'))
		return cli_usage_error("exec", "\"%s\" is not an instance ID", id);
	fd = open(path, O_RDONLY | O_CLOEXEC);
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
	remount(path + sizeof(NETNS_DIR));
	execvp(argv[i], argv + i);
	fprintf(stderr, "vpcctl exec: %s: %s\n", argv[i], strerror(errno));
	return 127;
}
