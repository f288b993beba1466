/*
 * Tests for flowlog and flowlog-format: the example records of
 * vpc-semantics.md sections 12.2 and 12.6 reproduced from records (and from
 * aggregated packets), custom formats and the version rule, malformed
 * formats, tcp-flags values and their OR over an interval, SKIPDATA on
 * capacity, and a differential test of the aggregator against a naive list.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/engine/flowlog-format.h"
#include "lib/engine/flowlog.h"
#include "lib/net/net.h"
#include "lib/net/pkt.h"
#include "lib/util/util.h"

static uint32_t ip(const char *s)
{
	uint32_t v = 0;

	cr_assert_eq(net_ip4_parse(s, &v), 0);
	return v;
}

static struct eng_flow_record base_record(void)
{
	struct eng_flow_record r;

	memset(&r, 0, sizeof(r));
	r.account_id = "123456789010";
	r.interface_id = "eni-1235b8ca123456789";
	r.vpc_id = "vpc-0a1b2c3d";
	r.subnet_id = "subnet-0a1b2c3d";
	r.instance_id = "i-01234567890abcdef";
	r.region = "us-east-1";
	r.az_id = "use1-az1";
	r.log_status = ENG_FLOW_OK;
	return r;
}

static void expect_line(const struct flowlog_format *f, const struct eng_flow_record *r,
			const char *want)
{
	char buf[1024];
	int n = flowlog_format_line(f, r, buf, sizeof(buf));

	cr_assert_geq(n, 0);
	cr_assert_eq((size_t)n, strlen(buf));
	cr_assert_str_eq(buf, want);
}

static struct flowlog_format *parse_ok(const char *fmt)
{
	struct flowlog_format *f = NULL;
	char why[128] = "";

	cr_assert_eq(flowlog_format_parse(fmt, &f, why, sizeof(why)), 0, "%s: %s", fmt, why);
	return f;
}

Test(flowlog_format, default_examples_12_2)
{
	struct flowlog_format *f = parse_ok(FLOWLOG_DEFAULT_FORMAT);
	struct flowlog_format *g = parse_ok(NULL);
	struct eng_flow_record r = base_record();

	cr_assert_eq(flowlog_format_version(f), 2);
	cr_assert_eq(flowlog_format_field_count(f), 14);
	r.srcaddr = ip("172.31.16.139");
	r.dstaddr = ip("172.31.16.21");
	r.srcport = 20641;
	r.dstport = 22;
	r.protocol = 6;
	r.packets = 20;
	r.bytes = 4249;
	r.start = 1418530010;
	r.end = 1418530070;
	r.action = ENG_FLOW_ACCEPT;
	expect_line(f, &r,
		    "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 "
		    "4249 1418530010 1418530070 ACCEPT OK");
	expect_line(g, &r,
		    "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 "
		    "4249 1418530010 1418530070 ACCEPT OK");

	r = base_record();
	r.start = 1431280876;
	r.end = 1431280934;
	r.log_status = ENG_FLOW_NODATA;
	expect_line(f, &r,
		    "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - "
		    "NODATA");
	r.interface_id = "eni-11111111aaaaaaaaa";
	r.log_status = ENG_FLOW_SKIPDATA;
	r.packets = 99; /* ignored for SKIPDATA */
	expect_line(f, &r,
		    "2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - "
		    "SKIPDATA");
	flowlog_format_free(f);
	flowlog_format_free(g);
}

/* The ping of section 12.6, from packets through aggregation to lines. */
struct collect {
	struct flowlog_entry e[64];
	size_t n;
	uint32_t skipped[64];
	size_t n_skipped;
};

static void collect_fn(const struct flowlog_entry *e, void *ud)
{
	struct collect *c = ud;

	cr_assert_lt(c->n, ARRAY_SIZE(c->e));
	c->e[c->n++] = *e;
}

static void skip_fn(uint32_t eni, void *ud)
{
	struct collect *c = ud;

	cr_assert_lt(c->n_skipped, ARRAY_SIZE(c->skipped));
	c->skipped[c->n_skipped++] = eni;
}

static struct eng_flow_record record_of(const struct flowlog_entry *e)
{
	struct eng_flow_record r = base_record();

	r.srcaddr = e->key.srcaddr;
	r.dstaddr = e->key.dstaddr;
	r.srcport = e->key.srcport;
	r.dstport = e->key.dstport;
	r.protocol = e->key.proto;
	r.packets = e->packets;
	r.bytes = e->bytes;
	r.start = e->start;
	r.end = e->end;
	r.action = e->key.reject ? ENG_FLOW_REJECT : ENG_FLOW_ACCEPT;
	r.tcp_flags = e->tcp_flags;
	r.pkt_srcaddr = e->key.pkt_srcaddr;
	r.pkt_dstaddr = e->key.pkt_dstaddr;
	r.egress = e->key.egress;
	r.traffic_path = e->key.traffic_path;
	return r;
}

Test(flowlog, ping_rejected_by_nacl_12_6)
{
	struct flowlog_agg *a = flowlog_agg_new(16);
	struct flowlog_format *f = parse_ok(NULL);
	struct collect c = {0};
	struct flowlog_key in, out;
	const int64_t req[] = {1432917027, 1432917060, 1432917100, 1432917142};
	const int64_t rep[] = {1432917094, 1432917110, 1432917120, 1432917142};
	struct eng_flow_record r;

	memset(&in, 0, sizeof(in));
	in.eni = 3;
	in.srcaddr = in.pkt_srcaddr = ip("203.0.113.12");
	in.dstaddr = in.pkt_dstaddr = ip("172.31.16.139");
	in.proto = PKT_PROTO_ICMP;
	out = in;
	out.srcaddr = out.pkt_srcaddr = in.dstaddr;
	out.dstaddr = out.pkt_dstaddr = in.srcaddr;
	out.egress = 1;
	out.reject = 1;
	out.traffic_path = 2;
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(flowlog_agg_account(a, &in, 84, 0, req[i]), 0);
		cr_assert_eq(flowlog_agg_account(a, &out, 84, 0, rep[i]), 0);
	}
	cr_assert_eq(flowlog_agg_count(a), 2);
	cr_assert_eq(flowlog_agg_drain(a, collect_fn, skip_fn, &c), 2);
	cr_assert_eq(c.n, 2);
	cr_assert_eq(c.n_skipped, 0);
	r = record_of(&c.e[0]);
	expect_line(f, &r,
		    "2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 "
		    "1432917027 1432917142 ACCEPT OK");
	r = record_of(&c.e[1]);
	expect_line(f, &r,
		    "2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 "
		    "1432917094 1432917142 REJECT OK");
	/* Drained: the next interval starts empty. */
	cr_assert_eq(flowlog_agg_count(a), 0);
	cr_assert_eq(flowlog_agg_drain(a, collect_fn, NULL, &c), 0);
	flowlog_format_free(f);
	flowlog_agg_free(a);
}

Test(flowlog_format, custom_formats_and_versions)
{
	struct flowlog_format *f;
	struct eng_flow_record r = base_record();

	r.srcaddr = ip("10.0.1.5");
	r.dstaddr = ip("10.0.2.9");
	r.pkt_srcaddr = ip("10.0.1.77");
	r.pkt_dstaddr = ip("10.0.2.9");
	r.srcport = 34567;
	r.dstport = 443;
	r.protocol = 6;
	r.packets = 3;
	r.bytes = 180;
	r.start = 100;
	r.end = 160;
	r.tcp_flags = 19;
	r.egress = true;
	r.traffic_path = 1;

	f = parse_ok("${srcaddr} ${dstaddr}");
	cr_assert_eq(flowlog_format_version(f), 2);
	expect_line(f, &r, "10.0.1.5 10.0.2.9");
	flowlog_format_free(f);

	f = parse_ok("${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} "
		     "${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
		     "${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} "
		     "${end} ${action} ${tcp-flags} ${log-status}");
	cr_assert_eq(flowlog_format_version(f), 3);
	expect_line(f, &r,
		    "3 vpc-0a1b2c3d subnet-0a1b2c3d i-01234567890abcdef eni-1235b8ca123456789 "
		    "123456789010 IPv4 10.0.1.5 10.0.2.9 34567 443 10.0.1.77 10.0.2.9 6 180 3 100 "
		    "160 ACCEPT 19 OK");
	r.tcp_flags = -1;
	r.instance_id = ""; /* requester-managed ENI */
	expect_line(f, &r,
		    "3 vpc-0a1b2c3d subnet-0a1b2c3d - eni-1235b8ca123456789 "
		    "123456789010 IPv4 10.0.1.5 10.0.2.9 34567 443 10.0.1.77 10.0.2.9 6 180 3 100 "
		    "160 ACCEPT - OK");
	flowlog_format_free(f);

	f = parse_ok("${region} ${az-id} ${sublocation-type} ${sublocation-id} ${version}");
	cr_assert_eq(flowlog_format_version(f), 4);
	expect_line(f, &r, "us-east-1 use1-az1 - - 4");
	flowlog_format_free(f);

	f = parse_ok("${version} ${flow-direction} ${traffic-path} ${pkt-src-aws-service} "
		     "${pkt-dst-aws-service} ${srcport}");
	cr_assert_eq(flowlog_format_version(f), 5);
	expect_line(f, &r, "5 egress 1 - - 34567");
	r.egress = false;
	expect_line(f, &r, "5 ingress - - - 34567");
	r.log_status = ENG_FLOW_NODATA;
	expect_line(f, &r, "5 - - - - -");
	flowlog_format_free(f);

	/* Every field at once: the highest version wins. */
	f = parse_ok("${traffic-path} ${version} ${srcaddr}");
	cr_assert_eq(flowlog_format_version(f), 5);
	flowlog_format_free(f);
}

static void expect_bad(const char *fmt, const char *want_why)
{
	struct flowlog_format *f = (struct flowlog_format *)0x1;
	char why[128] = "";

	cr_assert_eq(flowlog_format_parse(fmt, &f, why, sizeof(why)), -EINVAL, "%s", fmt);
	cr_assert_eq(f, (struct flowlog_format *)0x1, "ret_fmt untouched on failure");
	cr_assert_str_eq(why, want_why, "for \"%s\"", fmt);
	/* The description is optional. */
	cr_assert_eq(flowlog_format_parse(fmt, &f, NULL, 0), -EINVAL);
}

Test(flowlog_format, malformed_formats_name_the_problem)
{
	char big[FLOWLOG_FORMAT_MAX_LENGTH + 2];
	char small[6] = "";
	struct flowlog_format *f = NULL;

	expect_bad("${srcaddr} ${bogus-field}", "bogus-field");
	expect_bad("${ srcaddr}", " srcaddr");
	expect_bad("", "empty format");
	expect_bad("srcaddr", "expected '${' at offset 0");
	expect_bad("${srcaddr}  ${dstaddr}", "expected '${' at offset 11");
	expect_bad("${srcaddr},${dstaddr}", "expected a single space at offset 10");
	expect_bad("${srcaddr} ", "expected a single space at offset 10");
	expect_bad("${srcaddr} ${dstaddr", "unterminated field at offset 11");
	expect_bad("${}", "empty field name at offset 0");
	expect_bad("${srcaddr} ${srcaddr}", "field srcaddr repeated");
	expect_bad("$srcaddr", "expected '${' at offset 0");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect_bad(big, "format longer than 4096 characters");
	/* A short buffer gets a truncated description. */
	cr_assert_eq(flowlog_format_parse("${interface-idx}", &f, small, sizeof(small)), -EINVAL);
	cr_assert_str_eq(small, "inter");
}

Test(flowlog_format, line_buffer_limits)
{
	struct flowlog_format *f = parse_ok(NULL);
	struct eng_flow_record r = base_record();
	char buf[256];
	int n;

	r.log_status = ENG_FLOW_NODATA;
	n = flowlog_format_line(f, &r, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_eq(flowlog_format_line(f, &r, buf, (size_t)n + 1), n, "exact fit");
	cr_assert_eq(flowlog_format_line(f, &r, buf, (size_t)n), -ENOSPC);
	cr_assert_eq(flowlog_format_line(f, &r, buf, 0), -ENOSPC);
	/* NULL strings print "-". */
	r.account_id = NULL;
	r.interface_id = NULL;
	r.start = -5;
	cr_assert_gt(flowlog_format_line(f, &r, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "2 - - - - - - - - - -5 0 - NODATA");
	cr_assert_null(flowlog_format_free(f));
	cr_assert_null(flowlog_format_free(NULL));
}

Test(flowlog, tcp_flags_values)
{
	const uint8_t SYN = PKT_TCP_SYN, ACK = PKT_TCP_ACK, FIN = PKT_TCP_FIN, RST = PKT_TCP_RST;

	cr_assert_eq(flowlog_tcp_flags_value(SYN), 2);
	cr_assert_eq(flowlog_tcp_flags_value(SYN | ACK), 18);
	cr_assert_eq(flowlog_tcp_flags_value(FIN), 1);
	cr_assert_eq(flowlog_tcp_flags_value(FIN | ACK), 1);
	cr_assert_eq(flowlog_tcp_flags_value(RST), 4);
	cr_assert_eq(flowlog_tcp_flags_value(RST | ACK), 4);
	cr_assert_eq(flowlog_tcp_flags_value(ACK), 0);
	cr_assert_eq(flowlog_tcp_flags_value(PKT_TCP_PSH | ACK), 0);
	cr_assert_eq(flowlog_tcp_flags_value(PKT_TCP_URG), 0);
	cr_assert_eq(flowlog_tcp_flags_value(SYN | 0x40 /* ECE */), 2);
	cr_assert_eq(flowlog_tcp_flags_value(SYN | FIN), -1);
	cr_assert_eq(flowlog_tcp_flags_value(SYN | RST), -1);
	cr_assert_eq(flowlog_tcp_flags_or(2, 18), 18);
	cr_assert_eq(flowlog_tcp_flags_or(18, 1), 19);
	cr_assert_eq(flowlog_tcp_flags_or(2, 1), 3);
	cr_assert_eq(flowlog_tcp_flags_or(-1, 2), -1);
	cr_assert_eq(flowlog_tcp_flags_or(2, -1), -1);
}

static int flags_after(uint8_t proto, const uint8_t *pkts, size_t n)
{
	struct flowlog_agg *a = flowlog_agg_new(4);
	struct collect c = {0};
	struct flowlog_key k;

	memset(&k, 0, sizeof(k));
	k.proto = proto;
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(flowlog_agg_account(a, &k, 60, pkts[i], (int64_t)i), 0);
	cr_assert_eq(flowlog_agg_drain(a, collect_fn, NULL, &c), 1);
	cr_assert_eq(c.e[0].packets, n);
	flowlog_agg_free(a);
	return c.e[0].tcp_flags;
}

Test(flowlog, tcp_flags_or_over_interval)
{
	const uint8_t SYN = PKT_TCP_SYN, ACK = PKT_TCP_ACK, FIN = PKT_TCP_FIN, RST = PKT_TCP_RST;

	cr_assert_eq(flags_after(6, (uint8_t[]){SYN, ACK, ACK}, 3), 2);
	cr_assert_eq(flags_after(6, (uint8_t[]){SYN, SYN | ACK}, 2), 18);
	cr_assert_eq(flags_after(6, (uint8_t[]){SYN | ACK, ACK, FIN | ACK}, 3), 19);
	cr_assert_eq(flags_after(6, (uint8_t[]){SYN, ACK, FIN | ACK}, 3), 3);
	cr_assert_eq(flags_after(6, (uint8_t[]){ACK, RST}, 2), 4);
	cr_assert_eq(flags_after(6, (uint8_t[]){SYN | FIN, ACK, SYN}, 3), -1);
	cr_assert_eq(flags_after(6, (uint8_t[]){ACK, SYN | RST}, 2), -1);
	cr_assert_eq(flags_after(6, (uint8_t[]){ACK, PKT_TCP_PSH | ACK}, 2), 0);
	/* Not TCP: no flags, whatever the caller passes. */
	cr_assert_eq(flags_after(17, (uint8_t[]){SYN, FIN | SYN}, 2), 0);
}

Test(flowlog, keying_start_end_and_skipdata)
{
	struct flowlog_agg *a = flowlog_agg_new(3);
	struct collect c = {0};
	struct flowlog_key k, k2;

	cr_assert_eq(flowlog_agg_set_seed(a, 77), 0);
	cr_assert_null(flowlog_agg_new(0));
	cr_assert_null(flowlog_agg_new(FLOWLOG_CAPACITY_MAX + 1));
	cr_assert_null(flowlog_agg_free(NULL));
	memset(&k, 0, sizeof(k));
	k.eni = 1;
	k.srcaddr = 1;
	k.dstaddr = 2;
	k.srcport = 1000;
	k.dstport = 80;
	k.proto = 6;
	cr_assert_eq(flowlog_agg_account(a, &k, 100, 0, 50), 0);
	cr_assert_eq(flowlog_agg_set_seed(a, 1), -EBUSY);
	cr_assert_eq(flowlog_agg_account(a, &k, 200, 0, 40), 0); /* late packet */
	cr_assert_eq(flowlog_agg_account(a, &k, 300, 0, 70), 0);
	k2 = k;
	k2.reject = 1; /* same 5-tuple, other action: another record */
	cr_assert_eq(flowlog_agg_account(a, &k2, 10, 0, 55), 0);
	k2 = k;
	k2.eni = 2; /* other ENI */
	cr_assert_eq(flowlog_agg_account(a, &k2, 10, 0, 55), 0);
	cr_assert_eq(flowlog_agg_count(a), 3);
	/* Full: new records fail and mark their ENI (once); existing ones still count. */
	k2.dstport = 81;
	cr_assert_eq(flowlog_agg_account(a, &k2, 10, 0, 60), -ENOSPC);
	cr_assert_eq(flowlog_agg_account(a, &k2, 10, 0, 61), -ENOSPC);
	k2.eni = 7;
	cr_assert_eq(flowlog_agg_account(a, &k2, 10, 0, 61), -ENOSPC);
	cr_assert_eq(flowlog_agg_account(a, &k, 1, 0, 80), 0);
	cr_assert_eq(flowlog_agg_drain(a, collect_fn, skip_fn, &c), 3);
	cr_assert_eq(c.e[0].packets, 4);
	cr_assert_eq(c.e[0].bytes, 601);
	cr_assert_eq(c.e[0].start, 40);
	cr_assert_eq(c.e[0].end, 80);
	cr_assert_eq(c.e[1].key.reject, 1);
	cr_assert_eq(c.e[2].key.eni, 2);
	cr_assert_eq(c.n_skipped, 2);
	cr_assert_eq(c.skipped[0], 2);
	cr_assert_eq(c.skipped[1], 7);
	/* The marks are reset with the interval. */
	cr_assert_eq(flowlog_agg_set_seed(a, 78), 0, "empty again after drain");
	memset(&c, 0, sizeof(c));
	cr_assert_eq(flowlog_agg_account(a, &k2, 10, 0, 100), 0);
	cr_assert_eq(flowlog_agg_drain(a, collect_fn, skip_fn, &c), 1);
	cr_assert_eq(c.n_skipped, 0);
	cr_assert_eq(c.e[0].packets, 1);
	flowlog_agg_free(a);
}

/* ---- differential test ------------------------------------------------------ */

struct naive {
	struct flowlog_entry e[64];
	size_t n;
	uint32_t skip[64];
	size_t n_skip;
};

static bool naive_key_eq(const struct flowlog_key *a, const struct flowlog_key *b)
{
	return a->eni == b->eni && a->srcaddr == b->srcaddr && a->dstaddr == b->dstaddr &&
	       a->srcport == b->srcport && a->dstport == b->dstport && a->proto == b->proto &&
	       a->reject == b->reject && a->egress == b->egress &&
	       a->traffic_path == b->traffic_path && a->pkt_srcaddr == b->pkt_srcaddr &&
	       a->pkt_dstaddr == b->pkt_dstaddr;
}

static int naive_account(struct naive *nv, size_t cap, const struct flowlog_key *k, uint32_t bytes,
			 uint8_t raw, int64_t now)
{
	int v = k->proto == 6 ? flowlog_tcp_flags_value(raw) : 0;

	for (size_t i = 0; i < nv->n; i++) {
		struct flowlog_entry *e = &nv->e[i];

		if (!naive_key_eq(&e->key, k))
			continue;
		e->packets++;
		e->bytes += bytes;
		e->start = UTIL_MIN(e->start, now);
		e->end = UTIL_MAX(e->end, now);
		e->tcp_flags = (e->tcp_flags < 0 || v < 0) ? -1 : (e->tcp_flags | v);
		return 0;
	}
	if (nv->n >= cap) {
		bool seen = false;

		for (size_t i = 0; i < nv->n_skip; i++)
			seen |= nv->skip[i] == k->eni;
		if (!seen)
			nv->skip[nv->n_skip++] = k->eni;
		return -ENOSPC;
	}
	memset(&nv->e[nv->n], 0, sizeof(nv->e[0]));
	nv->e[nv->n].key = *k;
	nv->e[nv->n].packets = 1;
	nv->e[nv->n].bytes = bytes;
	nv->e[nv->n].start = nv->e[nv->n].end = now;
	nv->e[nv->n].tcp_flags = v;
	nv->n++;
	return 0;
}

Test(flowlog, differential_vs_naive_list)
{
	const size_t cap = 40;
	struct flowlog_agg *a = flowlog_agg_new((uint32_t)cap);
	static const uint8_t raws[] = {PKT_TCP_SYN,
				       PKT_TCP_SYN | PKT_TCP_ACK,
				       PKT_TCP_ACK,
				       PKT_TCP_FIN | PKT_TCP_ACK,
				       PKT_TCP_RST,
				       0,
				       PKT_TCP_SYN | PKT_TCP_FIN,
				       PKT_TCP_ACK,
				       PKT_TCP_ACK};
	struct util_rng rng;
	int64_t now = 1700000000;

	util_rng_seed(&rng, 12);
	for (int interval = 0; interval < 200; interval++) {
		struct naive nv;
		struct collect got;
		unsigned packets = (unsigned)util_rng_below(&rng, 400);

		memset(&nv, 0, sizeof(nv));
		memset(&got, 0, sizeof(got));
		for (unsigned p = 0; p < packets; p++) {
			struct flowlog_key k;
			uint32_t bytes = (uint32_t)(40 + util_rng_below(&rng, 1460));
			uint8_t raw = raws[util_rng_below(&rng, ARRAY_SIZE(raws))];
			int64_t t = now + (int64_t)util_rng_below(&rng, 60);

			memset(&k, 0, sizeof(k));
			k.eni = (uint32_t)util_rng_below(&rng, 5);
			k.srcaddr = 0x0a000001 + (uint32_t)util_rng_below(&rng, 2);
			k.dstaddr = 0x0a000101;
			k.srcport = (uint16_t)(1000 + util_rng_below(&rng, 3));
			k.dstport = 443;
			k.proto = util_rng_below(&rng, 4) ? 6 : 17;
			k.reject = (uint8_t)util_rng_below(&rng, 2);
			k.egress = (uint8_t)util_rng_below(&rng, 2);
			k.traffic_path = k.egress ? 1 : 0;
			k.pkt_srcaddr = k.srcaddr;
			k.pkt_dstaddr = k.dstaddr;
			cr_assert_eq(flowlog_agg_account(a, &k, bytes, raw, t),
				     naive_account(&nv, cap, &k, bytes, raw, t),
				     "interval %d packet %u", interval, p);
		}
		cr_assert_eq(flowlog_agg_count(a), nv.n);
		cr_assert_eq(flowlog_agg_drain(a, collect_fn, skip_fn, &got), nv.n);
		cr_assert_eq(got.n, nv.n);
		for (size_t i = 0; i < nv.n; i++) {
			cr_assert(naive_key_eq(&got.e[i].key, &nv.e[i].key), "record %zu", i);
			cr_assert_eq(got.e[i].packets, nv.e[i].packets);
			cr_assert_eq(got.e[i].bytes, nv.e[i].bytes);
			cr_assert_eq(got.e[i].start, nv.e[i].start);
			cr_assert_eq(got.e[i].end, nv.e[i].end);
			cr_assert_eq(got.e[i].tcp_flags, nv.e[i].tcp_flags);
		}
		cr_assert_eq(got.n_skipped, nv.n_skip);
		for (size_t i = 0; i < nv.n_skip; i++)
			cr_assert_eq(got.skipped[i], nv.skip[i]);
		now += 60;
	}
	flowlog_agg_free(a);
}

/* Random and mutated formats: always 0 or -EINVAL with a reason, never a crash. */
Test(flowlog_format, random_inputs_are_handled)
{
	static const char alphabet[] = "${}- abcdefilnoprstuvwxyz-\t\x01";
	static const char *const seeds[] = {
	    FLOWLOG_DEFAULT_FORMAT,
	    "${version} ${vpc-id} ${tcp-flags} ${traffic-path} ${flow-direction}",
	    "${region} ${az-id} ${pkt-srcaddr}",
	};
	struct eng_flow_record r = base_record();
	struct util_rng rng;
	unsigned accepted = 0, rejected = 0;

	util_rng_seed(&rng, 99);
	for (unsigned i = 0; i < 20000; i++) {
		char fmt[256], why[64], line[4096];
		struct flowlog_format *f = NULL;
		int rc;

		if (i % 2) {
			size_t n = (size_t)util_rng_below(&rng, 80);

			for (size_t j = 0; j < n; j++)
				fmt[j] = alphabet[util_rng_below(&rng, sizeof(alphabet) - 1)];
			fmt[n] = '\0';
		} else {
			const char *seed = seeds[util_rng_below(&rng, ARRAY_SIZE(seeds))];
			size_t n = strlen(seed), at = (size_t)util_rng_below(&rng, n);

			memcpy(fmt, seed, n + 1);
			switch (util_rng_below(&rng, 3)) {
			case 0: /* delete */
				memmove(fmt + at, fmt + at + 1, n - at);
				break;
			case 1: /* replace */
				fmt[at] = alphabet[util_rng_below(&rng, sizeof(alphabet) - 1)];
				break;
			default: /* no change */
				break;
			}
		}
		why[0] = '\0';
		rc = flowlog_format_parse(fmt, &f, why, sizeof(why));
		if (rc == 0) {
			accepted++;
			cr_assert_geq(flowlog_format_version(f), 2);
			cr_assert_leq(flowlog_format_version(f), 5);
			cr_assert_geq(flowlog_format_field_count(f), 1);
			cr_assert_leq(flowlog_format_field_count(f), FLOWLOG_FORMAT_MAX_FIELDS);
			cr_assert_gt(flowlog_format_line(f, &r, line, sizeof(line)), 0);
			flowlog_format_free(f);
		} else {
			rejected++;
			cr_assert_eq(rc, -EINVAL, "\"%s\"", fmt);
			cr_assert_null(f);
			cr_assert_neq(why[0], '\0', "no reason for \"%s\"", fmt);
		}
	}
	cr_assert_gt(accepted, 1000);
	cr_assert_gt(rejected, 1000);
}

/* Chain cap (white-box: restates the unseeded record hash). */
static uint32_t fl_bucket_unseeded(const struct flowlog_key *k, uint32_t mask)
{
	uint64_t a = ((uint64_t)k->srcaddr << 32) | k->dstaddr;
	uint64_t b = ((uint64_t)k->eni << 32) | ((uint64_t)k->srcport << 16) | k->dstport;
	uint64_t c = ((uint64_t)k->pkt_srcaddr << 32) | k->pkt_dstaddr;
	uint64_t d = (uint64_t)k->proto | (uint64_t)k->reject << 8 | (uint64_t)k->egress << 16 |
		     (uint64_t)k->traffic_path << 24;

	return (uint32_t)util_hash64((a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL) ^
				     (c * 0x165667b19e3779f9ULL) ^ (d << 32)) &
	       mask;
}

Test(flowlog, chain_cap_counts_as_full)
{
	struct flowlog_agg *a = flowlog_agg_new(64);
	struct collect c = {0};
	struct flowlog_key k;
	size_t n = 0;

	memset(&k, 0, sizeof(k));
	k.eni = 9;
	k.proto = 17;
	for (uint32_t port = 0; n <= FLOWLOG_CHAIN_MAX; port++) {
		k.srcport = (uint16_t)port;
		k.srcaddr = port >> 16;
		if (fl_bucket_unseeded(&k, 127) != 3)
			continue;
		cr_assert_eq(flowlog_agg_account(a, &k, 1, 0, 1),
			     n < FLOWLOG_CHAIN_MAX ? 0 : -ENOSPC, "record %zu", n);
		n++;
	}
	cr_assert_eq(flowlog_agg_count(a), FLOWLOG_CHAIN_MAX);
	cr_assert_eq(flowlog_agg_drain(a, collect_fn, skip_fn, &c), FLOWLOG_CHAIN_MAX);
	cr_assert_eq(c.n_skipped, 1);
	cr_assert_eq(c.skipped[0], 9);
	flowlog_agg_free(a);
}
