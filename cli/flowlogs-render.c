/* flowlogs-render: flow-log record lines as text or JSON (see flowlogs-render.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/flowlogs-render.h"

#define FLR_TEXT_FORMAT "%-19s  %-21s  %-47s  %-5s %8s %10s  %-6s %s"

static const char *const numeric_fields[] = {"version", "srcport", "dstport", "protocol",
					     "packets", "bytes",   "start",	  "end",
					     "tcp-flags", "traffic-path"};

struct out {
	char *buf;
	size_t size, len;
	bool overflow;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		o->overflow = true;
		return;
	}
	o->len += (size_t)n;
}

static int finish(struct out *o)
{
	if (o->overflow) {
		if (o->size)
			o->buf[0] = '\0';
		return -ENOSPC;
	}
	return (int)o->len;
}

int flr_header_parse(const char *line, struct flr_header *ret_header)
{
	struct flr_header h;
	size_t len = strcspn(line, "\r\n");
	char *p;

	memset(&h, 0, sizeof(h));
	if (len == 0)
		return -EINVAL;
	h.text = strndup(line, len);
	if (!h.text)
		return -ENOMEM;
	p = h.text;
	while (*p) {
		char *sp = strchr(p, ' ');

		if (sp)
			*sp = '\0';
		if (!*p || h.n == FLR_MAX_FIELDS || strspn(p, "abcdefghijklmnopqrstuvwxyz-") !=
							  strlen(p)) {
			free(h.text);
			return -EINVAL;
		}
		h.names[h.n++] = p;
		if (!sp)
			break;
		p = sp + 1;
	}
	if (h.n == 0) {
		free(h.text);
		return -EINVAL;
	}
	struct {
		const char *name;
		int *pos;
	} want[] = {
	    {"start", &h.start},	 {"end", &h.end},	  {"interface-id", &h.interface},
	    {"srcaddr", &h.srcaddr},	 {"dstaddr", &h.dstaddr}, {"srcport", &h.srcport},
	    {"dstport", &h.dstport},	 {"protocol", &h.protocol}, {"packets", &h.packets},
	    {"bytes", &h.bytes},	 {"action", &h.action},	  {"log-status", &h.log_status},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		*want[i].pos = -1;
		for (size_t j = 0; j < h.n; j++)
			if (strcmp(h.names[j], want[i].name) == 0)
				*want[i].pos = (int)j;
	}
	*ret_header = h;
	return 0;
}

void flr_header_done(struct flr_header *h)
{
	if (!h)
		return;
	free(h->text);
	memset(h, 0, sizeof(*h));
}

/* Split a record line into exactly n values (pointers into copy). */
static int split(const char *line, size_t n, char *copy, size_t copy_size, const char **vals)
{
	size_t len = strcspn(line, "\r\n"), k = 0;
	char *p = copy;

	if (len + 1 > copy_size)
		return -ENOSPC;
	memcpy(copy, line, len);
	copy[len] = '\0';
	for (;;) {
		char *sp = strchr(p, ' ');

		if (sp)
			*sp = '\0';
		if (k == n || !*p)
			return -EINVAL;
		vals[k++] = p;
		if (!sp)
			break;
		p = sp + 1;
	}
	return k == n ? 0 : -EINVAL;
}

static const char *val(const char **vals, int pos)
{
	return pos >= 0 ? vals[pos] : "-";
}

const char *flr_protocol_name(const char *number)
{
	static const struct {
		const char *num, *name;
	} names[] = {{"1", "ICMP"}, {"6", "TCP"}, {"17", "UDP"}, {"47", "GRE"},
		     {"50", "ESP"}, {"51", "AH"},  {"58", "ICMPv6"}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(number, names[i].num) == 0)
			return names[i].name;
	return number;
}

const char *flr_text_title(void)
{
	static char title[160];

	if (!title[0])
		snprintf(title, sizeof(title), FLR_TEXT_FORMAT, "TIME (UTC)", "INTERFACE",
			 "SRC:PORT -> DST:PORT", "PROTO", "PACKETS", "BYTES", "ACTION", "STATUS");
	return title;
}

static void fmt_time(const char *secs, char *buf, size_t size)
{
	char *end;
	long long v = strtoll(secs, &end, 10);
	time_t t = (time_t)v;
	struct tm tm;

	if (*secs == '\0' || *end != '\0' || v < 0 || !gmtime_r(&t, &tm) ||
	    !strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, size, "%s", secs);
}

int flr_render_text(const struct flr_header *h, const char *line, char *buf, size_t size)
{
	const char *vals[FLR_MAX_FIELDS];
	char copy[4096], when[32], flow[128];
	struct out o = {.buf = buf, .size = size};
	const char *t;
	int r;

	r = split(line, h->n, copy, sizeof(copy), vals);
	if (r < 0)
		return r;
	t = val(vals, h->start);
	if (strcmp(t, "-") == 0)
		t = val(vals, h->end);
	fmt_time(t, when, sizeof(when));
	if (strcmp(val(vals, h->srcaddr), "-") == 0 && strcmp(val(vals, h->dstaddr), "-") == 0)
		snprintf(flow, sizeof(flow), "-"); /* NODATA, SKIPDATA, or no addresses logged */
	else
		snprintf(flow, sizeof(flow), "%s:%s -> %s:%s", val(vals, h->srcaddr),
			 val(vals, h->srcport), val(vals, h->dstaddr), val(vals, h->dstport));
	put(&o, FLR_TEXT_FORMAT, when, val(vals, h->interface), flow,
	    flr_protocol_name(val(vals, h->protocol)), val(vals, h->packets), val(vals, h->bytes),
	    val(vals, h->action), val(vals, h->log_status));
	return finish(&o);
}

static bool is_numeric_field(const char *name)
{
	for (size_t i = 0; i < sizeof(numeric_fields) / sizeof(numeric_fields[0]); i++)
		if (strcmp(name, numeric_fields[i]) == 0)
			return true;
	return false;
}

static void put_json_string(struct out *o, const char *s)
{
	put(o, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			put(o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			put(o, "\\u%04x", c);
		else
			put(o, "%c", c);
	}
	put(o, "\"");
}

int flr_render_json(const struct flr_header *h, const char *line, char *buf, size_t size)
{
	const char *vals[FLR_MAX_FIELDS];
	char copy[4096];
	struct out o = {.buf = buf, .size = size};
	int r;

	r = split(line, h->n, copy, sizeof(copy), vals);
	if (r < 0)
		return r;
	put(&o, "{");
	for (size_t i = 0; i < h->n; i++) {
		const char *v = vals[i];
		bool digits = *v && strspn(v, "0123456789") == strlen(v) && strlen(v) <= 18;

		if (i)
			put(&o, ",");
		put_json_string(&o, h->names[i]);
		put(&o, ":");
		if (digits && is_numeric_field(h->names[i]))
			put(&o, "%llu", strtoull(v, NULL, 10)); /* no leading zeros in JSON */
		else
			put_json_string(&o, v);
	}
	put(&o, "}");
	return finish(&o);
}
