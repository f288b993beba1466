/*
 * Tests for cli/flowlogs-render: header parsing, the aligned text form and
 * JSON lines of `vpcctl flow-logs tail`, for the default format, custom
 * formats, NODATA records and lines that do not match their header.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "cli/flowlogs-render.h"

#define HEADER_V2                                                                                  \
	"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "  \
	"start end action log-status\n"

static struct flr_header header(const char *line)
{
	struct flr_header h;

	cr_assert_eq(flr_header_parse(line, &h), 0, "%s", line);
	return h;
}

Test(flowlogs_render, header)
{
	struct flr_header h = header(HEADER_V2);

	cr_assert_eq(h.n, 14);
	cr_assert_str_eq(h.names[0], "version");
	cr_assert_str_eq(h.names[13], "log-status");
	cr_assert_eq(h.srcaddr, 3);
	cr_assert_eq(h.start, 10);
	cr_assert_eq(h.log_status, 13);
	flr_header_done(&h);
	h = header("vpc-id srcaddr action");
	cr_assert_eq(h.n, 3);
	cr_assert_eq(h.dstaddr, -1);
	cr_assert_eq(h.action, 2);
	flr_header_done(&h);
	cr_assert_eq(flr_header_parse("", &h), -EINVAL);
	cr_assert_eq(flr_header_parse("\n", &h), -EINVAL);
	cr_assert_eq(flr_header_parse("2 123 eni-1", &h), -EINVAL, "a record is no header");
	cr_assert_eq(flr_header_parse("version  srcaddr", &h), -EINVAL);
	flr_header_done(NULL);
}

Test(flowlogs_render, text_accept_and_reject)
{
	struct flr_header h = header(HEADER_V2);
	char buf[512];
	int n;

	n = flr_render_text(&h,
			    "2 123456789012 eni-0123456789abcdef0 172.31.0.10 172.31.16.20 40000 "
			    "8080 6 5 300 1529511748 1529511753 ACCEPT OK\n",
			    buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_str_eq(buf, "2018-06-20 16:22:28  eni-0123456789abcdef0  "
			      "172.31.0.10:40000 -> 172.31.16.20:8080           TCP          5 "
			      "       300  ACCEPT OK");
	cr_assert_eq((size_t)n, strlen(buf));
	/* Columns line up with the title. */
	cr_assert_eq(strstr(buf, "ACCEPT") - buf, strstr(flr_text_title(), "ACTION") -
						    flr_text_title());
	cr_assert_eq(strstr(buf, "TCP") - buf, strstr(flr_text_title(), "PROTO") -
						 flr_text_title());
	flr_render_text(&h,
			"2 123456789012 eni-0a 172.31.0.10 172.31.16.20 0 0 1 1 84 1529511748 "
			"1529511753 REJECT OK",
			buf, sizeof(buf));
	cr_assert(strstr(buf, " ICMP "), "%s", buf);
	cr_assert(strstr(buf, "REJECT OK"), "%s", buf);
	flr_render_text(&h,
			"2 123456789012 eni-0a - - - - - - - 1529511748 1529511753 - NODATA",
			buf, sizeof(buf));
	cr_assert_eq(strncmp(buf, "2018-06-20 16:22:28  eni-0a                 -   ", 48), 0,
		     "%s", buf);
	cr_assert(strstr(buf, "NODATA"), "%s", buf);
	flr_header_done(&h);
}

Test(flowlogs_render, text_custom_format_fills_dashes)
{
	struct flr_header h = header("end srcaddr dstaddr protocol action vpc-id");
	char buf[512];

	cr_assert_gt(flr_render_text(&h, "1529511753 10.0.0.1 10.0.0.2 17 ACCEPT vpc-1", buf,
				     sizeof(buf)),
		     0);
	cr_assert(strncmp(buf, "2018-06-20 16:22:33  -  ", 24) == 0, "%s", buf);
	cr_assert(strstr(buf, "10.0.0.1:- -> 10.0.0.2:-"), "%s", buf);
	cr_assert(strstr(buf, " UDP "), "%s", buf);
	flr_header_done(&h);
}

Test(flowlogs_render, json_lines)
{
	struct flr_header h = header(HEADER_V2);
	char buf[1024];

	cr_assert_gt(flr_render_json(&h,
				     "2 012345678901 eni-0a 172.31.0.10 172.31.16.20 040 8080 6 5 300 "
				     "1529511748 1529511753 ACCEPT OK",
				     buf, sizeof(buf)),
		     0);
	cr_assert_str_eq(buf, "{\"version\":2,\"account-id\":\"012345678901\",\"interface-id\":"
			      "\"eni-0a\",\"srcaddr\":\"172.31.0.10\",\"dstaddr\":\"172.31.16.20\","
			      "\"srcport\":40,\"dstport\":8080,\"protocol\":6,\"packets\":5,"
			      "\"bytes\":300,\"start\":1529511748,\"end\":1529511753,\"action\":"
			      "\"ACCEPT\",\"log-status\":\"OK\"}");
	cr_assert_gt(flr_render_json(&h, "2 1 eni-0a - - - - - - - 1 2 - NODATA", buf,
				     sizeof(buf)),
		     0);
	cr_assert(strstr(buf, "\"srcport\":\"-\""), "%s", buf);
	flr_header_done(&h);
	h = header("vpc-id tcp-flags");
	cr_assert_gt(flr_render_json(&h, "vpc-\"x\\ 19", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "{\"vpc-id\":\"vpc-\\\"x\\\\\",\"tcp-flags\":19}");
	flr_header_done(&h);
}

Test(flowlogs_render, mismatched_lines_and_small_buffers)
{
	struct flr_header h = header("srcaddr dstaddr action");
	char buf[512];

	cr_assert_eq(flr_render_text(&h, "10.0.0.1 10.0.0.2", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(flr_render_text(&h, "10.0.0.1 10.0.0.2 ACCEPT OK", buf, sizeof(buf)),
		     -EINVAL);
	cr_assert_eq(flr_render_json(&h, "10.0.0.1  ACCEPT", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(flr_render_json(&h, "", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(flr_render_json(&h, "10.0.0.1 10.0.0.2 ACCEPT", buf, 10), -ENOSPC);
	cr_assert_eq(flr_render_text(&h, "10.0.0.1 10.0.0.2 ACCEPT", buf, 10), -ENOSPC);
	cr_assert_str_eq(flr_protocol_name("6"), "TCP");
	cr_assert_str_eq(flr_protocol_name("132"), "132");
	flr_header_done(&h);
}
