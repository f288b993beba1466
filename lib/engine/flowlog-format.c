/*
 * flowlog-format: LogFormat parsing and record rendering (design in
 * flowlog-format.h).  The 29 fields of versions 2 to 5 are one static table
 * in documented order; a parsed format is the list of field ids.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/engine/flowlog-format.h"
#include "lib/net/net.h"
#include "lib/util/util.h"

enum fl_field {
	FL_VERSION,
	FL_ACCOUNT_ID,
	FL_INTERFACE_ID,
	FL_SRCADDR,
	FL_DSTADDR,
	FL_SRCPORT,
	FL_DSTPORT,
	FL_PROTOCOL,
	FL_PACKETS,
	FL_BYTES,
	FL_START,
	FL_END,
	FL_ACTION,
	FL_LOG_STATUS,
	FL_VPC_ID,
	FL_SUBNET_ID,
	FL_INSTANCE_ID,
	FL_TCP_FLAGS,
	FL_TYPE,
	FL_PKT_SRCADDR,
	FL_PKT_DSTADDR,
	FL_REGION,
	FL_AZ_ID,
	FL_SUBLOCATION_TYPE,
	FL_SUBLOCATION_ID,
	FL_PKT_SRC_AWS_SERVICE,
	FL_PKT_DST_AWS_SERVICE,
	FL_FLOW_DIRECTION,
	FL_TRAFFIC_PATH,
	FL__COUNT
};

static const struct {
	const char *name;
	int version;
} fl_fields[FL__COUNT] = {
    [FL_VERSION] = {"version", 2},
    [FL_ACCOUNT_ID] = {"account-id", 2},
    [FL_INTERFACE_ID] = {"interface-id", 2},
    [FL_SRCADDR] = {"srcaddr", 2},
    [FL_DSTADDR] = {"dstaddr", 2},
    [FL_SRCPORT] = {"srcport", 2},
    [FL_DSTPORT] = {"dstport", 2},
    [FL_PROTOCOL] = {"protocol", 2},
    [FL_PACKETS] = {"packets", 2},
    [FL_BYTES] = {"bytes", 2},
    [FL_START] = {"start", 2},
    [FL_END] = {"end", 2},
    [FL_ACTION] = {"action", 2},
    [FL_LOG_STATUS] = {"log-status", 2},
    [FL_VPC_ID] = {"vpc-id", 3},
    [FL_SUBNET_ID] = {"subnet-id", 3},
    [FL_INSTANCE_ID] = {"instance-id", 3},
    [FL_TCP_FLAGS] = {"tcp-flags", 3},
    [FL_TYPE] = {"type", 3},
    [FL_PKT_SRCADDR] = {"pkt-srcaddr", 3},
    [FL_PKT_DSTADDR] = {"pkt-dstaddr", 3},
    [FL_REGION] = {"region", 4},
    [FL_AZ_ID] = {"az-id", 4},
    [FL_SUBLOCATION_TYPE] = {"sublocation-type", 4},
    [FL_SUBLOCATION_ID] = {"sublocation-id", 4},
    [FL_PKT_SRC_AWS_SERVICE] = {"pkt-src-aws-service", 5},
    [FL_PKT_DST_AWS_SERVICE] = {"pkt-dst-aws-service", 5},
    [FL_FLOW_DIRECTION] = {"flow-direction", 5},
    [FL_TRAFFIC_PATH] = {"traffic-path", 5},
};

struct flowlog_format {
	uint8_t fields[FLOWLOG_FORMAT_MAX_FIELDS];
	size_t n;
	int version;
};

static void bad(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void bad(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!buf || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static int field_lookup(const char *name, size_t length)
{
	for (int i = 0; i < FL__COUNT; i++)
		if (strlen(fl_fields[i].name) == length && !memcmp(fl_fields[i].name, name, length))
			return i;
	return -1;
}

int flowlog_format_parse(const char *fmt, struct flowlog_format **ret_fmt, char *ret_bad_field,
			 size_t bad_size)
{
	struct flowlog_format f;
	bool seen[FL__COUNT] = {false};
	size_t pos = 0, length;

	if (!fmt)
		fmt = FLOWLOG_DEFAULT_FORMAT;
	length = strnlen(fmt, FLOWLOG_FORMAT_MAX_LENGTH + 1);
	if (length > FLOWLOG_FORMAT_MAX_LENGTH) {
		bad(ret_bad_field, bad_size, "format longer than %d characters",
		    FLOWLOG_FORMAT_MAX_LENGTH);
		return -EINVAL;
	}
	if (length == 0) {
		bad(ret_bad_field, bad_size, "empty format");
		return -EINVAL;
	}
	memset(&f, 0, sizeof(f));
	f.version = 2;
	for (;;) {
		const char *name, *close;
		size_t name_length;
		int id;

		if (fmt[pos] != '$' || fmt[pos + 1] != '{') {
			bad(ret_bad_field, bad_size, "expected '${' at offset %zu", pos);
			return -EINVAL;
		}
		name = fmt + pos + 2;
		close = strchr(name, '}');
		if (!close) {
			bad(ret_bad_field, bad_size, "unterminated field at offset %zu", pos);
			return -EINVAL;
		}
		name_length = (size_t)(close - name);
		if (name_length == 0) {
			bad(ret_bad_field, bad_size, "empty field name at offset %zu", pos);
			return -EINVAL;
		}
		id = field_lookup(name, name_length);
		if (id < 0) {
			/* The bare name, for "Unknown fields provided: <name>". */
			bad(ret_bad_field, bad_size, "%.*s", (int)UTIL_MIN(name_length, 256), name);
			return -EINVAL;
		}
		if (seen[id]) {
			bad(ret_bad_field, bad_size, "field %s repeated", fl_fields[id].name);
			return -EINVAL;
		}
		seen[id] = true;
		f.fields[f.n++] = (uint8_t)id;
		if (fl_fields[id].version > f.version)
			f.version = fl_fields[id].version;
		pos = (size_t)(close - fmt) + 1;
		if (fmt[pos] == '\0')
			break;
		if (fmt[pos] != ' ' || fmt[pos + 1] == '\0') {
			bad(ret_bad_field, bad_size, "expected a single space at offset %zu", pos);
			return -EINVAL;
		}
		pos++;
	}
	*ret_fmt = malloc(sizeof(**ret_fmt));
	if (!*ret_fmt)
		return -ENOMEM;
	**ret_fmt = f;
	return 0;
}

int flowlog_format_version(const struct flowlog_format *f)
{
	return f->version;
}

size_t flowlog_format_field_count(const struct flowlog_format *f)
{
	return f->n;
}

struct flowlog_format *flowlog_format_free(struct flowlog_format *f)
{
	free(f);
	return NULL;
}

/* ---- rendering ---------------------------------------------------------------- */

struct out {
	char *buf;
	size_t size, length;
	bool overflow;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->overflow || o->length + n + 1 > o->size) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->length, s, n + 1);
	o->length += n;
}

static void put_str(struct out *o, const char *s)
{
	put(o, s && *s ? s : "-");
}

static void put_u64(struct out *o, uint64_t v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
	put(o, tmp);
}

static void put_i64(struct out *o, int64_t v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%" PRId64, v);
	put(o, tmp);
}

static void put_ip(struct out *o, uint32_t ip)
{
	char tmp[NET_IP4_STRLEN];

	put(o, net_ip4_format(ip, tmp));
}

static void put_field(struct out *o, const struct flowlog_format *f, enum fl_field id,
		      const struct eng_flow_record *r)
{
	bool ok = r->log_status == ENG_FLOW_OK;

	if (!ok) {
		switch (id) {
		case FL_SRCADDR:
		case FL_DSTADDR:
		case FL_SRCPORT:
		case FL_DSTPORT:
		case FL_PROTOCOL:
		case FL_PACKETS:
		case FL_BYTES:
		case FL_ACTION:
		case FL_TCP_FLAGS:
		case FL_TYPE:
		case FL_PKT_SRCADDR:
		case FL_PKT_DSTADDR:
		case FL_FLOW_DIRECTION:
		case FL_TRAFFIC_PATH:
			put(o, "-");
			return;
		default:
			break;
		}
	}
	switch (id) {
	case FL_VERSION:
		put_i64(o, f->version);
		break;
	case FL_ACCOUNT_ID:
		put_str(o, r->account_id);
		break;
	case FL_INTERFACE_ID:
		put_str(o, r->interface_id);
		break;
	case FL_SRCADDR:
		put_ip(o, r->srcaddr);
		break;
	case FL_DSTADDR:
		put_ip(o, r->dstaddr);
		break;
	case FL_SRCPORT:
		put_u64(o, r->srcport);
		break;
	case FL_DSTPORT:
		put_u64(o, r->dstport);
		break;
	case FL_PROTOCOL:
		put_u64(o, r->protocol);
		break;
	case FL_PACKETS:
		put_u64(o, r->packets);
		break;
	case FL_BYTES:
		put_u64(o, r->bytes);
		break;
	case FL_START:
		put_i64(o, r->start);
		break;
	case FL_END:
		put_i64(o, r->end);
		break;
	case FL_ACTION:
		put(o, r->action == ENG_FLOW_REJECT ? "REJECT" : "ACCEPT");
		break;
	case FL_LOG_STATUS:
		put(o, r->log_status == ENG_FLOW_NODATA	    ? "NODATA"
		       : r->log_status == ENG_FLOW_SKIPDATA ? "SKIPDATA"
							    : "OK");
		break;
	case FL_VPC_ID:
		put_str(o, r->vpc_id);
		break;
	case FL_SUBNET_ID:
		put_str(o, r->subnet_id);
		break;
	case FL_INSTANCE_ID:
		put_str(o, r->instance_id);
		break;
	case FL_TCP_FLAGS:
		if (r->tcp_flags < 0)
			put(o, "-");
		else
			put_i64(o, r->tcp_flags);
		break;
	case FL_TYPE:
		put(o, "IPv4");
		break;
	case FL_PKT_SRCADDR:
		put_ip(o, r->pkt_srcaddr);
		break;
	case FL_PKT_DSTADDR:
		put_ip(o, r->pkt_dstaddr);
		break;
	case FL_REGION:
		put_str(o, r->region);
		break;
	case FL_AZ_ID:
		put_str(o, r->az_id);
		break;
	case FL_FLOW_DIRECTION:
		put(o, r->egress ? "egress" : "ingress");
		break;
	case FL_TRAFFIC_PATH:
		if (r->egress && r->traffic_path >= 1 && r->traffic_path <= 8)
			put_i64(o, r->traffic_path);
		else
			put(o, "-");
		break;
	default: /* sublocation-*, pkt-*-aws-service */
		put(o, "-");
		break;
	}
}

int flowlog_format_line(const struct flowlog_format *f, const struct eng_flow_record *rec,
			char *buf, size_t size)
{
	struct out o = {.buf = buf, .size = size};

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (size_t i = 0; i < f->n; i++) {
		if (i)
			put(&o, " ");
		put_field(&o, f, (enum fl_field)f->fields[i], rec);
	}
	if (o.overflow) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	return (int)o.length;
}
