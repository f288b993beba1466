/*
 * flowlog-format: LogFormat parsing and flow-log line rendering
 * (vpc-semantics.md sections 12.2 and 12.3).
 *
 * A format is `${field}` names separated by single spaces, at most
 * FLOWLOG_FORMAT_MAX_FIELDS of them, each a field of versions 2 to 5, no
 * field twice [I: AWS documents no duplicates].  Its version is the highest
 * version among its fields (2 for the default format), and ${version} prints
 * it.
 *
 * Rendering.  Records with log-status NODATA or SKIPDATA print "-" for every
 * flow-specific field: srcaddr, dstaddr, srcport, dstport, protocol, packets,
 * bytes, action, and (v3+) tcp-flags, type, pkt-srcaddr, pkt-dstaddr,
 * flow-direction, traffic-path [I].  Otherwise: tcp-flags -1 prints "-"; type
 * prints "IPv4"; an empty or NULL string field (account-id, instance-id,
 * vpc-id, ...) prints "-"; sublocation-type, sublocation-id,
 * pkt-src-aws-service and pkt-dst-aws-service print "-" (openvpc has no
 * sublocations and no AWS service ranges); flow-direction prints
 * "ingress"/"egress"; traffic-path prints 1..8 for egress records and "-"
 * otherwise.
 *
 * The parsed format is immutable and owned by the caller.  No I/O.
 */
#ifndef OPENVPC_ENGINE_FLOWLOG_FORMAT_H
#define OPENVPC_ENGINE_FLOWLOG_FORMAT_H

#include <stddef.h>

#include "lib/engine/engine.h"

#define FLOWLOG_DEFAULT_FORMAT                                                                     \
	"${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "    \
	"${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"

#define FLOWLOG_FORMAT_MAX_FIELDS 29
#define FLOWLOG_FORMAT_MAX_LENGTH 4096

struct flowlog_format;

/*
 * Parse fmt (NULL = the default format).  0 and *ret_fmt (owned by the
 * caller), -EINVAL with a description copied into ret_bad_field (may be
 * NULL; truncated to bad_size): the unknown or repeated field name, or the
 * syntax problem ("expected '${' at offset 7"), or -ENOMEM.
 */
int flowlog_format_parse(const char *fmt, struct flowlog_format **ret_fmt, char *ret_bad_field,
			 size_t bad_size);
/* Highest field version: 2 for the default. */
int flowlog_format_version(const struct flowlog_format *f);
/* Number of fields. */
size_t flowlog_format_field_count(const struct flowlog_format *f);
/* Accepts NULL; returns NULL. */
struct flowlog_format *flowlog_format_free(struct flowlog_format *f);

/*
 * Render rec as one line without newline into buf (NUL-terminated).
 * Returns the line's length, or -ENOSPC when it does not fit in size.
 */
int flowlog_format_line(const struct flowlog_format *f, const struct eng_flow_record *rec,
			char *buf, size_t size);

#endif
