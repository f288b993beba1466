/*
 * Tests for cli/cli-opts and cli/progress: --output parsing (the result is
 * written only on success), the messages for unknown options and missing
 * values (they name the option and the subcommand, with the --help hint),
 * and progress staying silent when stderr is not a terminal or --quiet or
 * json is asked for.  stderr is captured in a temporary file.
 */
#include <criterion/criterion.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli-opts.h"
#include "cli/progress.h"

static int saved_fd = -1;
static FILE *cap;

static void capture_begin(void)
{
	fflush(stderr);
	cap = tmpfile();
	cr_assert_not_null(cap);
	saved_fd = dup(STDERR_FILENO);
	cr_assert_geq(saved_fd, 0);
	cr_assert_geq(dup2(fileno(cap), STDERR_FILENO), 0);
}

/* The captured text (static buffer). */
static const char *capture_end(void)
{
	static char buf[4096];
	size_t n;

	fflush(stderr);
	dup2(saved_fd, STDERR_FILENO);
	close(saved_fd);
	rewind(cap);
	n = fread(buf, 1, sizeof(buf) - 1, cap);
	buf[n] = '\0';
	fclose(cap);
	return buf;
}

Test(cli_opts, output_values)
{
	bool json = true;

	cr_assert_eq(cli_output_parse("x", "text", &json), 0);
	cr_assert_not(json);
	cr_assert_eq(cli_output_parse("x", "json", &json), 0);
	cr_assert(json);
	capture_begin();
	json = false;
	cr_assert_eq(cli_output_parse("max-pods", "yaml", &json), CLI_EXIT_USAGE);
	const char *err = capture_end();
	cr_assert_not(json, "written on failure");
	cr_assert(strstr(err, "vpcctl max-pods: --output: \"yaml\" is not text or json"), "%s",
		  err);
	cr_assert(strstr(err, "see vpcctl max-pods --help"), "%s", err);
	capture_begin();
	cr_assert_eq(cli_output_parse("ls", "JSON", &json), CLI_EXIT_USAGE);
	capture_end();
}

/* Run getopt_long over argv until it reports a problem; the message cli_bad_option prints. */
static const char *bad_option(int argc, char **argv, int want_c)
{
	static const struct option opts[] = {
	    {"state-dir", required_argument, NULL, 'D'},
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	int c, r = 0;

	CLI_GETOPT_RESET();
	capture_begin();
	while ((c = getopt_long(argc, argv, ":q", opts, NULL)) != -1) {
		if (c == '?' || c == ':') {
			cr_assert_eq(c, want_c);
			r = cli_bad_option("flow-logs tail", c, argv);
			break;
		}
	}
	const char *err = capture_end();
	cr_assert_eq(r, CLI_EXIT_USAGE, "no error for %s", argv[argc - 1]);
	return err;
}

Test(cli_opts, unknown_long_option)
{
	char *argv[] = {"tail", "--quiet", "--frobnicate=3", NULL};
	const char *err = bad_option(3, argv, '?');

	cr_assert(strstr(err, "vpcctl flow-logs tail: unknown option \"--frobnicate\"\n"), "%s",
		  err);
	cr_assert(strstr(err, "(see vpcctl flow-logs tail --help)"), "%s", err);
}

Test(cli_opts, unknown_short_option)
{
	char *argv[] = {"tail", "-qZ", NULL};
	const char *err = bad_option(2, argv, '?');

	cr_assert(strstr(err, "unknown option \"-Z\""), "%s", err);
}

Test(cli_opts, missing_value)
{
	char *argv[] = {"tail", "--state-dir", NULL};
	const char *err = bad_option(2, argv, ':');

	cr_assert(strstr(err, "option \"--state-dir\" needs a value"), "%s", err);
}

Test(cli_opts, usage_error)
{
	capture_begin();
	cr_assert_eq(cli_usage_error("ls", "unexpected argument \"%s\"", "zz"), CLI_EXIT_USAGE);
	const char *err = capture_end();
	cr_assert_str_eq(err, "vpcctl ls: unexpected argument \"zz\"\n(see vpcctl ls --help)\n");
}

Test(progress, silent_without_a_terminal)
{
	struct progress p;

	/* stderr is a temporary file here: never a terminal. */
	capture_begin();
	progress_init(&p, false, false);
	cr_assert_null(p.out);
	progress_show(&p, "trace", "loading %s", "x");
	progress_clear(&p);
	progress_show(NULL, "trace", "nothing");
	progress_clear(NULL);
	cr_assert_str_eq(capture_end(), "");
	cr_assert_not(p.shown);
}

Test(progress, quiet_and_json_win)
{
	struct progress p;

	progress_init(&p, true, false);
	cr_assert_null(p.out);
	progress_init(&p, false, true);
	cr_assert_null(p.out);
}

Test(progress, shows_and_erases)
{
	struct progress p = {.out = NULL, .shown = false};

	/* As progress_init makes it on a terminal, with the line going to a file. */
	capture_begin();
	p.out = stderr;
	progress_show(&p, "ls", "loading %d", 3);
	cr_assert(p.shown);
	progress_clear(&p);
	cr_assert_not(p.shown);
	progress_clear(&p); /* nothing shown: writes nothing */
	cr_assert_str_eq(capture_end(), "\r\033[Kvpcctl ls: loading 3 ...\r\033[K");
}
