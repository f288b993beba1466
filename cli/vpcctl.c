/*
 * vpcctl: the openvpc command line.  One subcommand per entry of the table
 * below (in the manner of wireguard-tools' wg.c); each returns the process
 * exit status.  Every subcommand answers --help on stdout with exit 0
 * (`vpcctl help CMD` prints the same), takes --output text|json, and on
 * bad usage names itself and the option on stderr and exits 2 (cli-opts).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli-opts.h"
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

static void version_usage(FILE *f)
{
	fprintf(f, "Usage: vpcctl version [--output text|json]\n\n"
		   "Print vpcctl's version (the openvpc release it was built from).\n\n"
		   "  --output FORMAT   text (\"vpcctl VERSION\", default) or json\n"
		   "                    ({\"Version\": ...})\n"
		   "  -h, --help        this text\n");
}

static int version_main(int argc, char **argv)
{
	bool json = false;
	int r = cli_output_only("version", argc, argv, version_usage, &json);

	if (r >= 0)
		return r;
	if (optind != argc)
		return cli_usage_error("version", "unexpected argument \"%s\"", argv[optind]);
	if (json)
		printf("{\"Version\": \"%s\"}\n", OPENVPC_VERSION);
	else
		printf("vpcctl %s\n", OPENVPC_VERSION);
	return 0;
}

static void max_pods_usage(FILE *f)
{
	fprintf(f, "Usage: vpcctl max-pods INSTANCE_TYPE [--output text|json]\n\n"
		   "The most pods the VPC CNI can run on an instance type: ENIs x (IPv4\n"
		   "addresses per ENI - 1) + 2, from the built-in instance type table.\n\n"
		   "  --output FORMAT   text (the number, default) or json (InstanceType,\n"
		   "                    MaxPods, MaxEnis, Ipv4PerEni)\n"
		   "  -h, --help        this text\n\n"
		   "Exit status: 0, or 2 for bad usage or an unknown instance type.\n");
}

static int max_pods_main(int argc, char **argv)
{
	const struct model_instance_type *t;
	bool json = false;
	int r = cli_output_only("max-pods", argc, argv, max_pods_usage, &json);

	if (r >= 0)
		return r;
	if (optind == argc)
		return cli_usage_error("max-pods", "INSTANCE_TYPE is required (e.g. m5.large)");
	if (optind + 1 != argc)
		return cli_usage_error("max-pods", "unexpected argument \"%s\"", argv[optind + 1]);
	t = model_instance_type_find(argv[optind]);
	if (!t) {
		fprintf(stderr, "vpcctl max-pods: unknown instance type \"%s\"\n", argv[optind]);
		return CLI_EXIT_USAGE;
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
    {"trace", trace_main, "Can A reach B, and if not, which rule stops it (offline or live)"},
#ifdef VPCCTL_LIVE
    {"ls", ls_main, "Instances of a running vpcd, their interfaces and namespaces"},
    {"exec", exec_main, "Run a command inside an instance (its network namespace)"},
#endif
    {"flow-logs", flow_logs_main, "Print delivered flow-log records (flow-logs tail)"},
    {"max-pods", max_pods_main, "Maximum pods the VPC CNI fits on an instance type"},
    {"version", version_main, "Print the version"},
    {"help", help_main, "Show this help, or a subcommand's (help SUBCOMMAND)"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: vpcctl <subcommand> [options]\n\nSubcommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		fprintf(f, "  %-10s %s\n", subcommands[i].subcommand, subcommands[i].description);
	fprintf(f, "\n`vpcctl <subcommand> --help` (or `vpcctl help <subcommand>`) shows the\n"
		   "options of a subcommand.  Every subcommand takes --help, and --output\n"
		   "text|json when it prints a result; progress on long steps goes to stderr,\n"
		   "only on a terminal (--quiet: never).\n"
		   "Exit status: 0 success, 1 failure (trace: not reachable), 2 bad usage.\n"
		   "Reference: docs/reference/vpcctl.md.\n"
		   "Example:\n"
		   "  vpcctl trace --aws-json examples/two-tier --source i-0c4a8e2f6b1d37a95 \\\n"
		   "               --destination i-0e7b1d5a9c3f26e84 --destination-port 5432\n");
}

/* `vpcctl help [SUBCOMMAND]`: the same text as `vpcctl SUBCOMMAND --help`. */
static int help_main(int argc, char **argv)
{
	char help[] = "--help";

	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc > 2)
		return cli_usage_error("help", "unexpected argument \"%s\"", argv[2]);
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++) {
		if (strcmp(argv[1], subcommands[i].subcommand) == 0) {
			char *sub_argv[] = {argv[1], help, NULL};

			return subcommands[i].function(2, sub_argv);
		}
	}
	fprintf(stderr, "vpcctl help: unknown subcommand \"%s\" (see vpcctl --help)\n", argv[1]);
	return CLI_EXIT_USAGE;
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
	if (strcmp(argv[1], "--version") == 0) {
		char *v_argv[] = {argv[1], NULL};

		return version_main(1, v_argv);
	}
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (strcmp(argv[1], subcommands[i].subcommand) == 0)
			return subcommands[i].function(argc - 1, argv + 1);
	fprintf(stderr, "vpcctl: unknown %s \"%s\" (see vpcctl --help)\n",
		argv[1][0] == '-' ? "option" : "subcommand", argv[1]);
	return CLI_EXIT_USAGE;
}
