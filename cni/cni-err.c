/* cni-err: CNI error results (see cni-err.h). */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>

#include "cni/cni-err.h"

int cni_err_set(struct cni_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->details[0] = '\0';
	return -EINVAL;
}

void cni_err_details(struct cni_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->details, sizeof(e->details), fmt, ap);
	va_end(ap);
}

/* A JSON string of s; text that is not UTF-8 (it may quote input) is replaced. */
static json_t *text(const char *s)
{
	json_t *j = json_string(s);

	return j ? j : json_string("(message not valid UTF-8)");
}

char *cni_err_json(const struct cni_err *e, const char *cni_version)
{
	json_t *o = json_object();
	char *s = NULL;

	if (!o)
		return NULL;
	if (json_object_set_new(o, "cniVersion",
				text(cni_version && *cni_version ? cni_version : "1.1.0")) ||
	    json_object_set_new(o, "code", json_integer(e->code)) ||
	    json_object_set_new(o, "msg", text(e->msg)) ||
	    (e->details[0] && json_object_set_new(o, "details", text(e->details))))
		goto out;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
	json_decref(o);
	return s;
}
