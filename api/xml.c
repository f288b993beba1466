/*
 * xml: EC2 response documents, written straight into one growing buffer.
 *
 * A success document is written while the handler runs: api_xml_begin()
 * opens <{Action}Response xmlns="...2016-11-15/"> and writes <requestId>
 * first (as AWS does); handlers add members with the api_xml_* helpers;
 * api_xml_finish() closes what is open and hands the buffer over as the
 * response body (no copy).  The first failure (out of memory, an end with
 * nothing open, an empty element name) is remembered in r->xml_failed and
 * the framework then answers InternalError instead of a truncated document.
 * Error documents are built separately (api_xml_error_document), so a
 * failed handler's partial output is simply dropped.
 *
 * The bytes are those libxml2's xmlTextWriter wrote before (this module
 * replaced it: the writer's per-call allocations and list walks were most
 * of a DescribeSubnets): the declaration
 * `<?xml version="1.0" encoding="UTF-8"?>` and a newline, `<a/>` for an
 * element with no content, `<a></a>` for an empty string, text escaped as
 * xmlEncodeSpecialChars does (& < > " and CR as &#13;), a final newline.
 * An open element's name is kept as its offset in the buffer (the caller's
 * string need not outlive the call).
 */
#include "api/api.h"
#include "api/req-private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/util/util.h"

#define XML_INITIAL_SIZE 16384 /* most answers fit: no regrowth */

struct xml_open {
	size_t off, len; /* the element's name in buf */
};

struct xml_state {
	char *buf;
	size_t len, cap;
	struct xml_open *open;
	size_t depth, cap_open;
	bool tag_pending; /* the last start tag still lacks its '>' */
	bool failed;
};

static int buf_reserve(struct xml_state *x, size_t more)
{
	size_t cap;
	char *p;

	if (x->failed)
		return -ENOMEM;
	if (more <= x->cap - x->len)
		return 0;
	cap = x->cap ? x->cap : XML_INITIAL_SIZE;
	while (cap - x->len < more) {
		if (cap > SIZE_MAX / 2) {
			x->failed = true;
			return -ENOMEM;
		}
		cap *= 2;
	}
	p = realloc(x->buf, cap);
	if (!p) {
		x->failed = true;
		return -ENOMEM;
	}
	x->buf = p;
	x->cap = cap;
	return 0;
}

static void put(struct xml_state *x, const char *s, size_t n)
{
	if (buf_reserve(x, n) < 0)
		return;
	memcpy(x->buf + x->len, s, n);
	x->len += n;
}

#define PUT_LIT(x, lit) put((x), (lit), sizeof(lit) - 1)

/* Text content, escaped as libxml2's xmlEncodeSpecialChars. */
static void put_text(struct xml_state *x, const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "&<>\"\r");

		put(x, s, n);
		s += n;
		switch (*s) {
		case '\0':
			return;
		case '&':
			PUT_LIT(x, "&amp;");
			break;
		case '<':
			PUT_LIT(x, "&lt;");
			break;
		case '>':
			PUT_LIT(x, "&gt;");
			break;
		case '"':
			PUT_LIT(x, "&quot;");
			break;
		default: /* '\r' */
			PUT_LIT(x, "&#13;");
			break;
		}
		s++;
	}
}

static void close_pending(struct xml_state *x)
{
	if (x->tag_pending) {
		PUT_LIT(x, ">");
		x->tag_pending = false;
	}
}

static void elem_start(struct xml_state *x, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	int e;

	if (n == 0) {
		x->failed = true;
		return;
	}
	close_pending(x);
	e = util_grow((void **)&x->open, &x->cap_open, x->depth + 1, sizeof(*x->open));
	if (e < 0) {
		x->failed = true;
		return;
	}
	PUT_LIT(x, "<");
	x->open[x->depth++] = (struct xml_open){.off = x->len, .len = n};
	put(x, name, n);
	x->tag_pending = true;
}

static void elem_end(struct xml_state *x)
{
	struct xml_open o;

	if (x->depth == 0) {
		x->failed = true;
		return;
	}
	o = x->open[--x->depth];
	if (x->tag_pending) {
		PUT_LIT(x, "/>");
		x->tag_pending = false;
		return;
	}
	if (buf_reserve(x, o.len + 3) < 0)
		return;
	x->buf[x->len++] = '<';
	x->buf[x->len++] = '/';
	memcpy(x->buf + x->len, x->buf + o.off, o.len); /* reserved first: buf stays put */
	x->len += o.len;
	x->buf[x->len++] = '>';
}

static void elem_text(struct xml_state *x, const char *name, const char *value)
{
	elem_start(x, name);
	close_pending(x);
	put_text(x, value);
	elem_end(x);
}

#define XML_DECLARATION "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/* Close everything, add the final newline and hand the buffer over. */
static int doc_finish(struct xml_state *x, char **ret_body, size_t *ret_size)
{
	while (x->depth && !x->failed)
		elem_end(x);
	PUT_LIT(x, "\n");
	if (buf_reserve(x, 1) < 0)
		return -ENOMEM;
	x->buf[x->len] = '\0';
	*ret_body = x->buf;
	*ret_size = x->len;
	x->buf = NULL;
	x->len = x->cap = 0;
	return 0;
}

static void state_free(struct xml_state *x)
{
	free(x->buf);
	free(x->open);
}

static struct xml_state *X(struct api_req *r)
{
	return r->xml;
}

static void sync_failed(struct api_req *r)
{
	struct xml_state *x = r->xml;

	if (x && x->failed)
		r->xml_failed = true;
}

int api_xml_begin(struct api_req *r)
{
	struct xml_state *x = calloc(1, sizeof(*x));
	const char *action = r->action ? r->action->name : "Unknown";
	char root[128];

	if (!x)
		return -ENOMEM;
	r->xml = x;
	PUT_LIT(x, XML_DECLARATION);
	snprintf(root, sizeof(root), "%sResponse", action);
	elem_start(x, root);
	PUT_LIT(x, " xmlns=\"" API_NAMESPACE "\"");
	api_xml_str(r, "requestId", r->request_id);
	sync_failed(r);
	if (r->xml_failed) {
		api_xml_abort(r);
		return -ENOMEM;
	}
	return 0;
}

int api_xml_finish(struct api_req *r, char **ret_body, size_t *ret_size)
{
	struct xml_state *x = r->xml;
	int e;

	if (!x)
		return -EINVAL;
	sync_failed(r);
	if (r->xml_failed) {
		api_xml_abort(r);
		return -ENOMEM;
	}
	e = doc_finish(x, ret_body, ret_size);
	api_xml_abort(r);
	if (e < 0)
		r->xml_failed = true;
	return e;
}

void api_xml_abort(struct api_req *r)
{
	struct xml_state *x = r->xml;

	if (!x)
		return;
	state_free(x);
	free(x);
	r->xml = NULL;
}

void api_xml_start(struct api_req *r, const char *name)
{
	if (X(r))
		elem_start(X(r), name);
}

void api_xml_end(struct api_req *r)
{
	if (X(r))
		elem_end(X(r));
}

void api_xml_str(struct api_req *r, const char *name, const char *value)
{
	if (!value || !X(r))
		return;
	elem_text(X(r), name, value);
}

/*
 * A format whose only conversions are plain %s (the ARNs) is assembled
 * here: vsnprintf was a tenth of a DescribeSubnets.  Same result,
 * truncation at the same 1,023 bytes included.
 */
static bool only_plain_s(const char *fmt)
{
	for (const char *p = strchr(fmt, '%'); p; p = strchr(p + 2, '%'))
		if (p[1] != 's')
			return false;
	return true;
}

static void concat_plain_s(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t n = 0;

	for (const char *p = fmt; *p && n + 1 < size;) {
		const char *s;
		size_t k;

		if (p[0] == '%') {
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)"; /* as glibc's printf */
			k = strlen(s);
			p += 2;
		} else {
			const char *pct = strchr(p, '%');

			s = p;
			k = pct ? (size_t)(pct - p) : strlen(p);
			p += k;
		}
		if (k > size - 1 - n)
			k = size - 1 - n;
		memcpy(buf + n, s, k);
		n += k;
	}
	buf[n] = '\0';
}

void api_xml_strf(struct api_req *r, const char *name, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!X(r))
		return;
	va_start(ap, fmt);
	if (only_plain_s(fmt))
		concat_plain_s(buf, sizeof(buf), fmt, ap);
	else
		vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	api_xml_str(r, name, buf);
}

void api_xml_bool(struct api_req *r, const char *name, bool value)
{
	api_xml_str(r, name, value ? "true" : "false");
}

void api_xml_long(struct api_req *r, const char *name, long value)
{
	char buf[UTIL_DEC_MAX + 2], *p = buf + sizeof(buf);

	*--p = '\0';
	p = util_dec(value < 0 ? 0UL - (unsigned long)value : (unsigned long)value, p);
	if (value < 0)
		*--p = '-';
	api_xml_str(r, name, p);
}

void api_format_time(int64_t t, char buf[32])
{
	struct tm tm;

	char tmp[96];

	util_utc(t, &tm);
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.000Z", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	memcpy(buf, tmp, 25);
}

void api_xml_time(struct api_req *r, const char *name, int64_t unix_seconds)
{
	char buf[32];

	api_format_time(unix_seconds, buf);
	api_xml_str(r, name, buf);
}

void api_xml_tags(struct api_req *r, const char *name, const struct model_tags *tags)
{
	api_xml_start(r, name);
	for (size_t i = 0; tags && i < tags->n; i++) {
		api_xml_start(r, "item");
		api_xml_str(r, "key", tags->items[i].key);
		api_xml_str(r, "value", tags->items[i].value ? tags->items[i].value : "");
		api_xml_end(r);
	}
	api_xml_end(r);
}

void api_xml_return_true(struct api_req *r)
{
	api_xml_str(r, "return", "true");
}

void api_xml_next_token(struct api_req *r, const char *last_id)
{
	char tok[2 * API_PAGE_ID_MAX + 32];

	if (api_page_token_encode(r->action->name, last_id, tok, sizeof(tok)) < 0) {
		r->xml_failed = true;
		return;
	}
	api_xml_str(r, "nextToken", tok);
}

int api_xml_error_document(const char *code, const char *message, const char *request_id,
			   char **ret_body, size_t *ret_size)
{
	struct xml_state x = {0};
	int e;

	if (!code || !message || !request_id)
		return -EINVAL;
	PUT_LIT(&x, XML_DECLARATION);
	elem_start(&x, "Response");
	elem_start(&x, "Errors");
	elem_start(&x, "Error");
	elem_text(&x, "Code", code);
	elem_text(&x, "Message", message);
	elem_end(&x);
	elem_end(&x);
	elem_text(&x, "RequestID", request_id);
	e = x.failed ? -ENOMEM : doc_finish(&x, ret_body, ret_size);
	state_free(&x);
	return e;
}
