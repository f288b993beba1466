/*
 * cli-opts: the option spellings and bad-usage messages every vpcctl
 * subcommand shares, so that they cannot drift apart:
 *
 *   --output text|json   (text the default; json on stdout only)
 *   --quiet, -q          (no progress on stderr)
 *   --help, -h           (usage on stdout, exit 0)
 *
 * Bad usage is one line on stderr naming the subcommand and the option,
 * then the hint "see vpcctl CMD --help", and exit status 2.  Subcommands
 * parse with getopt_long after CLI_GETOPT_RESET and an optstring starting
 * with ':' (and '+' where the arguments after the options are a command).
 */
#ifndef OPENVPC_CLI_CLI_OPTS_H
#define OPENVPC_CLI_CLI_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#define CLI_EXIT_USAGE 2

/* Restart getopt_long for a new argv (glibc re-initialises on optind 0). */
#define CLI_GETOPT_RESET()                                                                         \
	do {                                                                                       \
		optind = 0;                                                                        \
		opterr = 0;                                                                        \
	} while (0)

/* The value of --output: 0 with *ret_json set, or CLI_EXIT_USAGE after a message. */
int cli_output_parse(const char *cmd, const char *value, bool *ret_json);

/*
 * getopt_long returned c ('?' unknown or ambiguous option, ':' a missing
 * value) for argv: prints which option and returns CLI_EXIT_USAGE.
 */
int cli_bad_option(const char *cmd, int c, char **argv);

/*
 * The options of a subcommand that takes only --output and --help: -1 to go
 * on (*ret_json set, optind at the first argument), or the exit status to
 * return (0 after usage(stdout), CLI_EXIT_USAGE after a message).
 */
int cli_output_only(const char *cmd, int argc, char **argv, void (*usage)(FILE *f),
		    bool *ret_json);

/* "vpcctl CMD: <message>" and the --help hint on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
