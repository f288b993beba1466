/*
 * libFuzzer target: the flow-log LogFormat parser (CreateFlowLogs'
 * LogFormat, user input), then one record rendered in the parsed format.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/engine/engine.h"
#include "lib/engine/flowlog-format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eng_flow_record rec = {
		.flow_log_id = "fl-0123456789abcdef0", .account_id = "123456789012",
		.interface_id = "eni-0123456789abcdef0", .srcaddr = 0x0a000105, .dstaddr = 0xcb00710a,
		.srcport = 43210, .dstport = 443, .protocol = 6, .packets = 10, .bytes = 840,
		.start = 1700000000, .end = 1700000060, .vpc_id = "vpc-1", .subnet_id = "subnet-1",
		.instance_id = "i-1", .tcp_flags = 19, .pkt_srcaddr = 0x0a000105,
		.pkt_dstaddr = 0xcb00710a, .region = "us-east-1", .az_id = "use1-az1", .egress = true,
		.traffic_path = 8};
	struct flowlog_format *f = NULL;
	char bad[128], line[4096];
	char *fmt = malloc(size + 1);
	int n, r;

	if (!fmt)
		return 0;
	memcpy(fmt, data, size);
	fmt[size] = '\0';
	memset(bad, 'x', sizeof(bad));
	r = flowlog_format_parse(fmt, &f, bad, sizeof(bad));
	if (r == 0) {
		if (flowlog_format_version(f) < 2 || flowlog_format_field_count(f) == 0)
			abort();
		rec.format = fmt;
		n = flowlog_format_line(f, &rec, line, sizeof(line));
		if (n >= (int)sizeof(line) || (n >= 0 && strlen(line) != (size_t)n))
			abort();
	} else if (r == -EINVAL && memchr(bad, '\0', sizeof(bad)) == NULL) {
		abort(); /* the description must be a terminated string */
	}
	flowlog_format_free(f);
	free(fmt);
	return 0;
}
