/*
 * xml: EC2 response documents on libxml2's xmlTextWriter.
 *
 * A success document is written into an xmlBuffer while the handler runs:
 * api_xml_begin() opens <{Action}Response xmlns="...2016-11-15/"> and writes
 * <requestId> first (as AWS does); handlers add members with the api_xml_*
 * helpers; api_xml_finish() closes it.  The first writer failure is
 * remembered in r->xml_failed and the framework then answers InternalError
 * instead of a truncated document.  Error documents are built separately
 * (api_xml_error_document), so a failed handler's partial output is simply
 * dropped.
 */
#include "api/api.h"
#include "api/req-private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

struct xml_state {
	xmlTextWriterPtr w;
	xmlBufferPtr buf;
};

static xmlTextWriterPtr W(struct api_req *r)
{
	struct xml_state *x = r->xml;

	return x ? x->w : NULL;
}

static void check(struct api_req *r, int rc)
{
	if (rc < 0)
		r->xml_failed = true;
}

int api_xml_begin(struct api_req *r)
{
	struct xml_state *x = calloc(1, sizeof(*x));
	char root[128];

	if (!x)
		return -ENOMEM;
	x->buf = xmlBufferCreateSize(16384); /* most answers fit: no regrowth */
	if (!x->buf)
		goto fail;
	x->w = xmlNewTextWriterMemory(x->buf, 0);
	if (!x->w)
		goto fail;
	r->xml = x;
	snprintf(root, sizeof(root), "%sResponse", r->action ? r->action->name : "Unknown");
	check(r, xmlTextWriterStartDocument(x->w, NULL, "UTF-8", NULL));
	check(r, xmlTextWriterStartElement(x->w, BAD_CAST root));
	check(r, xmlTextWriterWriteAttribute(x->w, BAD_CAST "xmlns", BAD_CAST API_NAMESPACE));
	api_xml_str(r, "requestId", r->request_id);
	return r->xml_failed ? -ENOMEM : 0;
fail:
	if (x->buf)
		xmlBufferFree(x->buf);
	free(x);
	return -ENOMEM;
}

int api_xml_finish(struct api_req *r, char **ret_body, size_t *ret_size)
{
	struct xml_state *x = r->xml;
	char *body;
	size_t size;

	if (!x)
		return -EINVAL;
	check(r, xmlTextWriterEndDocument(x->w));
	xmlFreeTextWriter(x->w);
	x->w = NULL;
	if (r->xml_failed) {
		api_xml_abort(r);
		return -ENOMEM;
	}
	size = (size_t)xmlBufferLength(x->buf);
	body = malloc(size + 1);
	if (!body) {
		api_xml_abort(r);
		return -ENOMEM;
	}
	memcpy(body, xmlBufferContent(x->buf), size);
	body[size] = '\0';
	api_xml_abort(r);
	*ret_body = body;
	*ret_size = size;
	return 0;
}

void api_xml_abort(struct api_req *r)
{
	struct xml_state *x = r->xml;

	if (!x)
		return;
	if (x->w)
		xmlFreeTextWriter(x->w);
	if (x->buf)
		xmlBufferFree(x->buf);
	free(x);
	r->xml = NULL;
}

void api_xml_start(struct api_req *r, const char *name)
{
	if (W(r))
		check(r, xmlTextWriterStartElement(W(r), BAD_CAST name));
}

void api_xml_end(struct api_req *r)
{
	if (W(r))
		check(r, xmlTextWriterEndElement(W(r)));
}

void api_xml_str(struct api_req *r, const char *name, const char *value)
{
	if (!value || !W(r))
		return;
	check(r, xmlTextWriterWriteElement(W(r), BAD_CAST name, BAD_CAST value));
}

void api_xml_strf(struct api_req *r, const char *name, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
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
	api_xml_strf(r, name, "%ld", value);
}

void api_format_time(int64_t t, char buf[32])
{
	int64_t days = t / 86400, rem = t % 86400;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	/* civil_from_days (Howard Hinnant). */
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	unsigned doe = (unsigned)(days - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	char tmp[64];

	y += m <= 2;
	snprintf(tmp, sizeof(tmp), "%04d-%02u-%02uT%02d:%02d:%02d.000Z", (int)(y % 10000), m, d,
		 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
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
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w;
	bool failed = false;
	char *body;
	size_t size;

	if (!buf)
		return -ENOMEM;
	w = xmlNewTextWriterMemory(buf, 0);
	if (!w) {
		xmlBufferFree(buf);
		return -ENOMEM;
	}
	failed |= xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0;
	failed |= xmlTextWriterStartElement(w, BAD_CAST "Response") < 0;
	failed |= xmlTextWriterStartElement(w, BAD_CAST "Errors") < 0;
	failed |= xmlTextWriterStartElement(w, BAD_CAST "Error") < 0;
	failed |= xmlTextWriterWriteElement(w, BAD_CAST "Code", BAD_CAST code) < 0;
	failed |= xmlTextWriterWriteElement(w, BAD_CAST "Message", BAD_CAST message) < 0;
	failed |= xmlTextWriterEndElement(w) < 0;
	failed |= xmlTextWriterEndElement(w) < 0;
	failed |= xmlTextWriterWriteElement(w, BAD_CAST "RequestID", BAD_CAST request_id) < 0;
	failed |= xmlTextWriterEndDocument(w) < 0;
	xmlFreeTextWriter(w);
	if (failed) {
		xmlBufferFree(buf);
		return -ENOMEM;
	}
	size = (size_t)xmlBufferLength(buf);
	body = malloc(size + 1);
	if (!body) {
		xmlBufferFree(buf);
		return -ENOMEM;
	}
	memcpy(body, xmlBufferContent(buf), size);
	body[size] = '\0';
	xmlBufferFree(buf);
	*ret_body = body;
	*ret_size = size;
	return 0;
}
