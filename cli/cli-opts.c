/* cli-opts: shared option spellings and bad-usage messages (see cli-opts.h). */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli-opts.h"

static void hint(const char *cmd)
{
	fprintf(stderr, "(see vpcctl %s --help)\n", cmd);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vpcctl %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	hint(cmd);
	return CLI_EXIT_USAGE;
}

int cli_output_parse(const char *cmd, const char *value, bool *ret_json)
{
	if (strcmp(value, "json") == 0) {
		*ret_json = true;
		return 0;
	}
	if (strcmp(value, "text") == 0) {
		*ret_json = false;
		return 0;
	}
	return cli_usage_error(cmd, "--output: \"%s\" is not text or json", value);
}

int cli_bad_option(const char *cmd, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : NULL;
	char name[64];

	/*
	 * A short option (or a missing value of one) is in optopt; a long one
	 * has optopt 0 or its val, and is the argument just consumed.
	 */
	if (arg && strncmp(arg, "--", 2) == 0) {
		size_t n = strcspn(arg, "=");

		snprintf(name, sizeof(name), "%.*s", (int)(n < 60 ? n : 60), arg);
	} else if (optopt > 0 && optopt < 128) {
		snprintf(name, sizeof(name), "-%c", optopt);
	} else {
		snprintf(name, sizeof(name), "%.60s", arg ? arg : "?");
	}
	if (c == ':')
		return cli_usage_error(cmd, "option \"%s\" needs a value", name);
	return cli_usage_error(cmd, "unknown option \"%s\"", name);
}

int cli_output_only(const char *cmd, int argc, char **argv, void (*usage)(FILE *f),
		    bool *ret_json)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool json = false;
	int c;

	CLI_GETOPT_RESET();
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (cli_output_parse(cmd, optarg, &json) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	*ret_json = json;
	return -1;
}
