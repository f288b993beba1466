/*
 * progress: one transient status line on stderr while a long step runs
 * ("loading the state of vpcd at DIR ...", "waiting for new objects ...").
 * Shown only when stderr is a terminal, the command prints text and the
 * user did not ask for --quiet: never in a pipe, a log file or beside
 * --output json.  The line is erased before the command prints its result,
 * so a terminal shows only the result afterwards.
 */
#ifndef OPENVPC_CLI_PROGRESS_H
#define OPENVPC_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

struct progress {
	FILE *out; /* NULL: progress is off */
	bool shown;
};

/* On when !quiet, !json and stderr is a terminal. */
void progress_init(struct progress *p, bool quiet, bool json);
/* Replace the status line with "vpcctl CMD: <message> ..." (no-op when off). */
void progress_show(struct progress *p, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Erase the status line, if one is shown. */
void progress_clear(struct progress *p);

#endif
