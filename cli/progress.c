/* progress: a transient status line on a terminal's stderr (see progress.h). */
#include <stdarg.h>
#include <unistd.h>

#include "cli/progress.h"

void progress_init(struct progress *p, bool quiet, bool json)
{
	p->out = !quiet && !json && isatty(STDERR_FILENO) ? stderr : NULL;
	p->shown = false;
}

void progress_show(struct progress *p, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	if (!p || !p->out)
		return;
	/* Carriage return and erase-to-end-of-line: the terminal is known to be one. */
	fprintf(p->out, "\r\033[Kvpcctl %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(p->out, fmt, ap);
	va_end(ap);
	fputs(" ...", p->out);
	fflush(p->out);
	p->shown = true;
}

void progress_clear(struct progress *p)
{
	if (!p || !p->out || !p->shown)
		return;
	fputs("\r\033[K", p->out);
	fflush(p->out);
	p->shown = false;
}
