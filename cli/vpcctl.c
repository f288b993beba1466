/*
 * vpcctl: the openvpc command line.  One subcommand per entry of the table
 * below (in the manner of wireguard-tools' wg.c); each returns the process
 * exit status.  Bad usage exits 2 with a message on stderr.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd-flow-logs.h"
#include "cli/trace.h"
#ifdef VPCCTL_LIVE
#include "cli/live.h"
#endif
#include "lib/model/model.h"
#include "lib/util/util.h"

#ifndef OPENVPC_VERSION
#define OPENVPC_VERSION "unknown"
#endif

static int help_main(int argc, char **argv);

/* "--output json" anywhere in argv[1..]: removed, and true returned. */
static bool want_json(int *argc, char **argv, bool *ret_bad)
{
	bool json = false;
	int k = 1;

	*ret_bad = false;
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--output") == 0 && i + 1 < *argc) {
			json = strcmp(argv[i + 1], "json") == 0;
			*ret_bad = !json && strcmp(argv[i + 1], "text") != 0;
			i++;
			continue;
		}
		argv[k++] = argv[i];
	}
	*argc = k;
	return json;
}

static int version_main(int argc, char **argv)
{
	bool bad, json = want_json(&argc, argv, &bad);

	if (bad || argc > 1) {
		fprintf(stderr, "Usage: vpcctl version [--output text|json]\n");
		return 2;
	}
	if (json)
		printf("{\"Version\": \"%s\"}\n", OPENVPC_VERSION);
	else
		printf("vpcctl %s\n", OPENVPC_VERSION);
	return 0;
}

static int max_pods_main(int argc, char **argv)
{
	const struct model_instance_type *t;
	bool bad, json = want_json(&argc, argv, &bad);

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage: vpcctl max-pods INSTANCE_TYPE [--output text|json]\n\n"
		       "The most pods the VPC CNI can run on an instance type: ENIs x (IPv4\n"
		       "addresses per ENI - 1) + 2, from the built-in instance type table.\n");
		return 0;
	}
	if (bad || argc != 2) {
		fprintf(stderr, "Usage: vpcctl max-pods INSTANCE_TYPE [--output text|json]\n");
		return 2;
	}
	t = model_instance_type_find(argv[1]);
	if (!t) {
		fprintf(stderr, "vpcctl max-pods: unknown instance type \"%s\"\n", argv[1]);
		return 2;
	}
	if (json)
		printf("{\"InstanceType\": \"%s\", \"MaxPods\": %d, \"MaxEnis\": %d, "
		       "\"Ipv4PerEni\": %d}\n",
		       t->name, model_instance_type_max_pods(t), t->max_enis, t->ipv4_per_eni);
	else
		printf("%d\n", model_instance_type_max_pods(t));
	return 0;
}

static const struct {
	const char *subcommand;
	int (*function)(int, char **);
	const char *description;
} subcommands[] = {
    {"trace", trace_main, "Can A reach B, and if not, which rule stops it (describe-* JSON)"},
#ifdef VPCCTL_LIVE
    {"ls", ls_main, "Instances of a running vpcd, their interfaces and namespaces"},
    {"exec", exec_main, "Run a command inside an instance (its network namespace)"},
#endif
    {"flow-logs", flow_logs_main, "Print delivered flow-log records (tail [--follow])"},
    {"max-pods", max_pods_main, "Maximum pods the VPC CNI fits on an instance type"},
    {"version", version_main, "Print the version"},
    {"help", help_main, "Show this help"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: vpcctl <subcommand> [options]\n\nSubcommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		fprintf(f, "  %-10s %s\n", subcommands[i].subcommand, subcommands[i].description);
	fprintf(f, "\n`vpcctl <subcommand> --help` shows the options of a subcommand.\n"
		   "Example:\n"
		   "  vpcctl trace --aws-json examples/two-tier --source i-0c4a8e2f6b1d37a95 \\\n"
		   "               --destination i-0e7b1d5a9c3f26e84 --destination-port 5432\n");
}

static int help_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
#ifdef VPCCTL_LIVE
	trace_set_live_loader(live_load_model);
#endif
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return version_main(1, argv + 1);
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (strcmp(argv[1], subcommands[i].subcommand) == 0)
			return subcommands[i].function(argc - 1, argv + 1);
	fprintf(stderr, "vpcctl: unknown subcommand \"%s\" (see vpcctl --help)\n", argv[1]);
	return 2;
}
