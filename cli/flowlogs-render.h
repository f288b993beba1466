/*
 * flowlogs-render: one flow-log record line as `vpcctl flow-logs tail`
 * prints it, readable text or a JSON line (used by cmd-flow-logs.c).
 *
 * A file's first line names its fields (the header AWS writes in every S3
 * object: "version account-id interface-id ...").  flr_header_parse() keeps
 * those names and where the fields the text form shows sit; a record line
 * is then split on single spaces and must have as many values as the
 * header has names.  Fields a custom format leaves out print as "-".
 *
 * Text, aligned columns:
 *   TIME (start, UTC)    INTERFACE              SRC:PORT -> DST:PORT  PROTO  PACKETS  BYTES  ACTION STATUS
 * JSON: one object per record, keys the header's field names, values
 * strings except the numeric fields (version, srcport, dstport, protocol,
 * packets, bytes, start, end, tcp-flags, traffic-path), which are numbers
 * when they hold digits ("-" stays a string).
 *
 * Pure: no I/O, no allocation beyond the header's copy.
 */
#ifndef OPENVPC_CLI_FLOWLOGS_RENDER_H
#define OPENVPC_CLI_FLOWLOGS_RENDER_H

#include <stddef.h>

#define FLR_MAX_FIELDS 64

struct flr_header {
	char *text;			  /* owned copy of the line, split in place */
	const char *names[FLR_MAX_FIELDS];
	size_t n;
	int start, end, interface, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes,
	    action, log_status; /* field positions, -1 when absent */
};

/*
 * Parse a header line (trailing newline allowed).  0, -EINVAL (empty, a
 * name that is no lowercase field name, more than FLR_MAX_FIELDS), -ENOMEM.
 * Free with flr_header_done().
 */
int flr_header_parse(const char *line, struct flr_header *ret_header);
void flr_header_done(struct flr_header *h);

/*
 * Render line (no newline in the output) into buf.  Return the length, or
 * -EINVAL when the line's value count differs from the header's, -ENOSPC.
 */
int flr_render_text(const struct flr_header *h, const char *line, char *buf, size_t size);
int flr_render_json(const struct flr_header *h, const char *line, char *buf, size_t size);
/* The column titles of the text form. */
const char *flr_text_title(void);
/* "TCP", "UDP", "ICMP", ... for an IANA number string; the string itself otherwise. */
const char *flr_protocol_name(const char *number);

#endif
