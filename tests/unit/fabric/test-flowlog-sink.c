/*
 * Tests for fabric/flowlog-sink: S3 keys and file names as AWS writes them,
 * the header line, gzip round trips of default and custom (v3-v5) formats,
 * delivery after the delay only, 5-minute windows, objects never replaced
 * and never seen partial, CloudWatch stream files, destinations that would
 * leave their folder, the buffer limits, flow logs removed or unknown,
 * concurrent record/update/flush, and the records per second it takes.
 * Each test works in its own temporary state directory.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "fabric/flowlog-sink.h"
#include "lib/engine/flowlog-format.h"
#include "lib/net/net.h"
#include "lib/util/util.h"

#define ACCOUNT "123456789012"
#define REGION "us-east-1"
/* 2018-06-20T16:22:33Z: the window of AWS's example name, 20180620T1620Z. */
#define T0 1529511753

static uint64_t fake_now;

static uint64_t fake_clock(void *ud)
{
	(void)ud;
	return fake_now;
}

static char state[256];

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void setup(void)
{
	snprintf(state, sizeof(state), "/tmp/ovt-flowsink-%d-XXXXXX", (int)getpid());
	cr_assert_not_null(mkdtemp(state));
	fake_now = 1000000;
}

static void teardown(void)
{
	nftw(state, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(flowlog_sink, .init = setup, .fini = teardown);

static uint32_t ip(const char *s)
{
	uint32_t v = 0;

	cr_assert_eq(net_ip4_parse(s, &v), 0);
	return v;
}

static struct eng_flow_record rec(const char *fl_id, const char *eni, const char *src,
				  const char *dst, uint16_t sport, uint16_t dport, uint8_t proto,
				  int64_t end, bool reject)
{
	struct eng_flow_record r;

	memset(&r, 0, sizeof(r));
	r.flow_log_id = fl_id;
	r.account_id = ACCOUNT;
	r.interface_id = eni;
	r.srcaddr = r.pkt_srcaddr = ip(src);
	r.dstaddr = r.pkt_dstaddr = ip(dst);
	r.srcport = sport;
	r.dstport = dport;
	r.protocol = proto;
	r.packets = 3;
	r.bytes = 180;
	r.start = end - 5;
	r.end = end;
	r.action = reject ? ENG_FLOW_REJECT : ENG_FLOW_ACCEPT;
	r.log_status = ENG_FLOW_OK;
	r.vpc_id = "vpc-0a1b2c3d";
	r.subnet_id = "subnet-0a1b2c3d";
	r.instance_id = "i-01234567890abcdef";
	r.tcp_flags = proto == 6 ? 2 : -1;
	r.region = REGION;
	r.az_id = "use1-az1";
	r.egress = true;
	r.traffic_path = 1;
	return r;
}

static struct model *model_with(size_t n, const char *const *ids, const char *const *types,
				const char *const *dests, const char *const *formats)
{
	struct model *m = model_new(ACCOUNT, REGION);

	cr_assert_not_null(m);
	for (size_t i = 0; i < n; i++) {
		struct model_flow_log *f = model_add_flow_log(m);

		cr_assert_not_null(f);
		util_strscpy(f->id, ids[i], sizeof(f->id));
		util_strscpy(f->resource_id, "vpc-0a1b2c3d", sizeof(f->resource_id));
		util_strscpy(f->destination_type, types[i], sizeof(f->destination_type));
		f->destination = strdup(dests[i]);
		if (strcmp(types[i], "cloud-watch-logs") == 0)
			f->log_group_name = strdup(dests[i]);
		f->format = formats && formats[i] ? strdup(formats[i]) : NULL;
		f->max_aggregation_interval = 600;
	}
	return m;
}

static struct flowlog_sink *sink_new(uint64_t delay_ms, size_t max_buffered, size_t max_object,
				     size_t max_groups)
{
	struct flowlog_sink_config c;
	struct flowlog_sink *s = NULL;

	flowlog_sink_config_default(&c);
	c.state_dir = state;
	c.account_id = ACCOUNT;
	c.region = REGION;
	c.delay_ms = delay_ms;
	c.max_buffered_size = max_buffered;
	c.max_object_size = max_object;
	c.max_groups = max_groups;
	c.clock_ms = fake_clock;
	cr_assert_eq(flowlog_sink_new(&c, &s), 0);
	return s;
}

static struct flowlog_sink *sink_s3(const char *fl_id, const char *dest, const char *format)
{
	struct flowlog_sink *s = sink_new(1000, 0, 0, 0);
	const char *ids[] = {fl_id}, *types[] = {"s3"}, *dests[] = {dest}, *fmts[] = {format};
	struct model *m = model_with(1, ids, types, dests, fmts);

	cr_assert_eq(flowlog_sink_update(s, m), 0);
	model_free(m);
	return s;
}

/* Sorted names (not starting with '.' unless hidden) in dir; returns the count. */
static size_t list_dir(const char *dir, char names[][256], size_t max, bool hidden)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((de->d_name[0] == '.') != hidden)
			continue;
		cr_assert_lt(n, max);
		util_strscpy(names[n++], de->d_name, 256);
	}
	closedir(d);
	qsort(names, n, 256, (int (*)(const void *, const void *))strcmp);
	return n;
}

/* The whole gunzipped content of path (caller frees). */
static char *gunzip(const char *path)
{
	gzFile f = gzopen(path, "rb");
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int n, err;

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(gzdirect(f), 0, "%s is not gzip", path);
	while ((n = gzread(f, buf + len, (unsigned)(cap - len - 1))) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	gzerror(f, &err);
	cr_assert(err == Z_OK || err == Z_STREAM_END, "%s: zlib error %d", path, err);
	gzclose(f);
	buf[len] = '\0';
	return buf;
}

static const char *s3_dir(char *buf, size_t size, const char *folder, int64_t t)
{
	char key[256], stem[256];

	cr_assert_eq(flowlog_sink_s3_key(ACCOUNT, REGION, "fl-x", t, key, sizeof(key), stem,
					 sizeof(stem)),
		     0);
	cr_assert_lt((size_t)snprintf(buf, size, "%s/s3/%s/%s", state, folder, key), size);
	return buf;
}

static void line_of(const char *format, const struct eng_flow_record *r, char *buf, size_t size)
{
	struct flowlog_format *f = NULL;

	cr_assert_eq(flowlog_format_parse(format, &f, NULL, 0), 0);
	cr_assert_geq(flowlog_format_line(f, r, buf, size), 0);
	flowlog_format_free(f);
}

/* ---- names and paths ---------------------------------------------------------------- */

Test(flowlog_sink, s3_key_is_the_aws_layout)
{
	char dir[256], stem[256];

	cr_assert_eq(flowlog_sink_s3_key(ACCOUNT, REGION, "fl-1234abcd", T0 - T0 % 300, dir,
					 sizeof(dir), stem, sizeof(stem)),
		     0);
	cr_assert_str_eq(dir, "AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/");
	cr_assert_str_eq(stem, "123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z");
	cr_assert_eq(flowlog_sink_s3_key(ACCOUNT, REGION, "fl-1", 0, dir, 8, stem, sizeof(stem)),
		     -ENAMETOOLONG);
}

Test(flowlog_sink, s3_folder_from_arn)
{
	char b[256];

	cr_assert_eq(flowlog_sink_s3_folder("arn:aws:s3:::test-bucket", b, sizeof(b)), 0);
	cr_assert_str_eq(b, "test-bucket");
	cr_assert_eq(flowlog_sink_s3_folder("arn:aws:s3:::test-bucket/fl", b, sizeof(b)), 0);
	cr_assert_str_eq(b, "test-bucket/fl");
	cr_assert_eq(flowlog_sink_s3_folder("arn:aws:s3:::b/team-a/x/", b, sizeof(b)), 0);
	cr_assert_str_eq(b, "b/team-a/x");
	cr_assert_eq(flowlog_sink_s3_folder("arn:aws-cn:s3:::b/p", b, sizeof(b)), 0);
	cr_assert_str_eq(b, "b/p");
	const char *bad[] = {"", "arn:", "s3://b", "arn:aws:s3:::", "arn:aws:s3:::/b",
			     "arn:aws:s3:::..", "arn:aws:s3:::b/../../etc", "arn:aws:s3:::b//p",
			     "arn:aws:s3:::b/./p", "arn:aws:logs:::b", "arn::s3:::b",
			     "arn:aws:s3:::b/p\nq"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		cr_assert_eq(flowlog_sink_s3_folder(bad[i], b, sizeof(b)), -EINVAL, "%s", bad[i]);
	cr_assert_eq(flowlog_sink_s3_folder("arn:aws:s3:::bucket/prefix", b, 8), -ENAMETOOLONG);
}

Test(flowlog_sink, header_lines)
{
	char b[1024];

	cr_assert_eq(flowlog_sink_header(NULL, b, sizeof(b)), 0);
	cr_assert_str_eq(b, "version account-id interface-id srcaddr dstaddr srcport dstport "
			    "protocol packets bytes start end action log-status");
	cr_assert_eq(flowlog_sink_header("${vpc-id} ${pkt-srcaddr} ${flow-direction}", b,
					 sizeof(b)),
		     0);
	cr_assert_str_eq(b, "vpc-id pkt-srcaddr flow-direction");
	cr_assert_eq(flowlog_sink_header("${nope}", b, sizeof(b)), -EINVAL);
	cr_assert_eq(flowlog_sink_header("${version}", b, 4), -ENAMETOOLONG);
}

/* ---- S3 objects ---------------------------------------------------------------------- */

Test(flowlog_sink, default_format_round_trip_after_the_delay)
{
	struct flowlog_sink *s = sink_s3("fl-x", "arn:aws:s3:::test-bucket/fl", NULL);
	struct eng_flow_record a = rec("fl-x", "eni-0a", "172.31.0.10", "172.31.16.20", 40000,
				       8080, 6, T0, false);
	struct eng_flow_record b = rec("fl-x", "eni-0a", "172.31.0.10", "172.31.16.20", 40001,
				       9090, 6, T0 + 1, true);
	struct flowlog_sink_stats st;
	char dir[512], names[8][256], path[1024], want[2048], la[512], lb[512];
	char *text;

	flowlog_sink_record(&a, s);
	fake_now += 500;
	flowlog_sink_record(&b, s);
	cr_assert_eq(flowlog_sink_flush(s, fake_now), 0, "not before the delay");
	s3_dir(dir, sizeof(dir), "test-bucket/fl", T0);
	cr_assert_eq(list_dir(dir, names, 8, false), 0);
	fake_now += 500;
	cr_assert_eq(flowlog_sink_flush(s, fake_now), 1);
	cr_assert_eq(list_dir(dir, names, 8, false), 1);
	cr_assert_eq(list_dir(dir, names + 1, 7, true), 0, "no temporary left: %s", names[1]);
	cr_assert_eq(strncmp(names[0],
			     "123456789012_vpcflowlogs_us-east-1_fl-x_20180620T1620Z_", 55),
		     0, "%s", names[0]);
	cr_assert_eq(strlen(names[0]), 55 + 8 + strlen(".log.gz"), "%s", names[0]);
	cr_assert_str_eq(names[0] + 63, ".log.gz");
	for (int i = 55; i < 63; i++)
		cr_assert(strchr("0123456789abcdef", names[0][i]), "%s", names[0]);
	snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
	text = gunzip(path);
	line_of(NULL, &a, la, sizeof(la));
	line_of(NULL, &b, lb, sizeof(lb));
	snprintf(want, sizeof(want),
		 "version account-id interface-id srcaddr dstaddr srcport dstport protocol "
		 "packets bytes start end action log-status\n%s\n%s\n",
		 la, lb);
	cr_assert_str_eq(text, want);
	cr_assert_str_eq(la, "2 123456789012 eni-0a 172.31.0.10 172.31.16.20 40000 8080 6 3 180 "
			     "1529511748 1529511753 ACCEPT OK");
	free(text);
	flowlog_sink_stats(s, &st);
	cr_assert_eq(st.records, 2);
	cr_assert_eq(st.records_written, 2);
	cr_assert_eq(st.objects_written, 1);
	cr_assert_eq(st.buffered_size, 0);
	cr_assert_gt(st.bytes_written, 20);
	cr_assert_eq(flowlog_sink_flush(s, fake_now + 100000), 0, "nothing left");
	flowlog_sink_free(s);
}

Test(flowlog_sink, custom_format_v3_to_v5_fields)
{
	const char *fmt = "${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} "
			  "${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} ${region} ${az-id} "
			  "${sublocation-type} ${pkt-src-aws-service} ${flow-direction} "
			  "${traffic-path} ${action}";
	struct flowlog_sink *s = sink_s3("fl-x", "arn:aws:s3:::b", fmt);
	struct eng_flow_record a = rec("fl-x", "eni-0a", "172.31.0.10", "172.31.16.20", 40000,
				       22, 6, T0, false);
	char dir[512], names[4][256], path[1024];
	char *text;

	flowlog_sink_record(&a, s);
	cr_assert_eq(flowlog_sink_flush_all(s), 1);
	s3_dir(dir, sizeof(dir), "b", T0);
	cr_assert_eq(list_dir(dir, names, 4, false), 1);
	snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
	text = gunzip(path);
	cr_assert_str_eq(text, "version vpc-id subnet-id instance-id interface-id tcp-flags type "
			       "pkt-srcaddr pkt-dstaddr region az-id sublocation-type "
			       "pkt-src-aws-service flow-direction traffic-path action\n"
			       "5 vpc-0a1b2c3d subnet-0a1b2c3d i-01234567890abcdef eni-0a 2 IPv4 "
			       "172.31.0.10 172.31.16.20 us-east-1 use1-az1 - - egress 1 ACCEPT\n");
	free(text);
	flowlog_sink_free(s);
}

Test(flowlog_sink, windows_of_five_minutes_and_days)
{
	struct flowlog_sink *s = sink_s3("fl-x", "arn:aws:s3:::b", "${end} ${action}");
	/* 23:58:30 on 2018-06-20, then 00:01 the next day. */
	int64_t late = 1529539110, next_day = 1529539260;
	int64_t ends[] = {T0, T0 + 200, T0 + 300, late, next_day};
	char dir[512], names[4][256];

	for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
		struct eng_flow_record r = rec("fl-x", "eni-0a", "10.0.0.1", "10.0.0.2", 1, 2, 17,
					       ends[i], false);

		flowlog_sink_record(&r, s);
	}
	cr_assert_eq(flowlog_sink_flush_all(s), 4);
	cr_assert_eq(list_dir(s3_dir(dir, sizeof(dir), "b", T0), names, 4, false), 3);
	cr_assert(strstr(names[0], "_20180620T1620Z_"), "%s", names[0]);
	cr_assert(strstr(names[1], "_20180620T1625Z_"), "%s", names[1]);
	cr_assert(strstr(names[2], "_20180620T2355Z_"), "%s", names[2]);
	cr_assert_eq(list_dir(s3_dir(dir, sizeof(dir), "b", next_day), names, 4, false), 1);
	cr_assert(strstr(dir, "/2018/06/21/"), "%s", dir);
	cr_assert(strstr(names[0], "_20180621T0000Z_"), "%s", names[0]);
	flowlog_sink_free(s);
}

Test(flowlog_sink, an_object_is_never_replaced)
{
	struct flowlog_sink *s = sink_s3("fl-x", "arn:aws:s3:::b", NULL);
	struct eng_flow_record a = rec("fl-x", "eni-0a", "10.0.0.1", "10.0.0.2", 1, 2, 17, T0,
				       false);
	char dir[512], names[4][256], path[1024];

	/* Identical content, same window, twice: the same CRC, so the name gets salted. */
	flowlog_sink_record(&a, s);
	cr_assert_eq(flowlog_sink_flush_all(s), 1);
	flowlog_sink_record(&a, s);
	cr_assert_eq(flowlog_sink_flush_all(s), 1);
	s3_dir(dir, sizeof(dir), "b", T0);
	cr_assert_eq(list_dir(dir, names, 4, false), 2);
	cr_assert_str_neq(names[0], names[1]);
	for (int i = 0; i < 2; i++) {
		char *t;

		cr_assert_lt((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]), sizeof(path));
		t = gunzip(path);
		cr_assert_eq(strchr(strchr(t, '\n') + 1, '\n')[1], '\0', "one record each");
		free(t);
	}
	cr_assert_eq(list_dir(dir, names, 4, true), 0, "no temporary left");
	flowlog_sink_free(s);
}

Test(flowlog_sink, failed_write_leaves_nothing_and_is_counted)
{
	struct flowlog_sink *s = sink_s3("fl-x", "arn:aws:s3:::b", NULL);
	struct eng_flow_record a = rec("fl-x", "eni-0a", "10.0.0.1", "10.0.0.2", 1, 2, 17, T0,
				       false);
	struct flowlog_sink_stats st;
	char p[512], names[4][256];
	FILE *f;

	/* A plain file where the bucket folder should be. */
	snprintf(p, sizeof(p), "%s/s3", state);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fclose(f);
	flowlog_sink_record(&a, s);
	cr_assert_eq(flowlog_sink_flush_all(s), -ENOTDIR);
	flowlog_sink_stats(s, &st);
	cr_assert_eq(st.write_errors, 1);
	cr_assert_eq(st.last_error, -ENOTDIR);
	cr_assert_eq(st.records_dropped, 1);
	cr_assert_eq(st.records_written, 0);
	cr_assert_eq(st.buffered_size, 0);
	cr_assert_eq(list_dir(state, names, 4, true), 0);
	/* Once the folder can be made, delivery resumes. */
	cr_assert_eq(unlink(p), 0);
	flowlog_sink_record(&a, s);
	cr_assert_eq(flowlog_sink_flush_all(s), 1);
	flowlog_sink_free(s);
}

/* A reader polling the folder while objects are written sees whole gzip files only. */
struct reader {
	const char *dir;
	volatile bool stop;
	unsigned checked;
	unsigned bad;
};

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	char names[64][256], path[1024];

	while (!rd->stop) {
		size_t n = list_dir(rd->dir, names, 64, false);

		for (size_t i = 0; i < n; i++) {
			gzFile f;
			char buf[4096];
			int err = Z_OK;

			snprintf(path, sizeof(path), "%s/%s", rd->dir, names[i]);
			f = gzopen(path, "rb");
			if (!f) {
				rd->bad++;
				continue;
			}
			while (gzread(f, buf, sizeof(buf)) > 0)
				;
			gzerror(f, &err);
			if (gzdirect(f) || (err != Z_OK && err != Z_STREAM_END))
				rd->bad++;
			gzclose(f);
			rd->checked++;
		}
	}
	return NULL;
}

Test(flowlog_sink, readers_never_see_partial_objects)
{
	struct flowlog_sink *s = sink_s3("fl-x", "arn:aws:s3:::b", NULL);
	struct reader rd = {0};
	char dir[512];
	pthread_t t;

	s3_dir(dir, sizeof(dir), "b", T0);
	rd.dir = dir;
	cr_assert_eq(pthread_create(&t, NULL, reader_main, &rd), 0);
	for (int k = 0; k < 40; k++) {
		for (int i = 0; i < 2000; i++) {
			struct eng_flow_record r = rec("fl-x", "eni-0a", "10.0.0.1", "10.0.0.2",
						       (uint16_t)i, (uint16_t)k, 6, T0, false);

			flowlog_sink_record(&r, s);
		}
		cr_assert_eq(flowlog_sink_flush_all(s), 1);
	}
	rd.stop = true;
	pthread_join(t, NULL);
	cr_assert_eq(rd.bad, 0, "%u partial or broken objects seen", rd.bad);
	cr_assert_gt(rd.checked, 0);
	flowlog_sink_free(s);
}

/* ---- CloudWatch Logs ----------------------------------------------------------------- */

Test(flowlog_sink, cloudwatch_stream_per_eni)
{
	struct flowlog_sink *s = sink_new(0, 0, 0, 0);
	const char *ids[] = {"fl-cw", "fl-arn"}, *types[] = {"cloud-watch-logs", "cloud-watch-logs"};
	const char *dests[] = {"/aws/vpc/flow", "arn:aws:logs:us-east-1:123456789012:log-group:grp:*"};
	struct model *m = model_with(2, ids, types, dests, NULL);
	struct eng_flow_record a = rec("fl-cw", "eni-0a", "10.0.0.1", "10.0.0.2", 1, 2, 17, T0,
				       false);
	struct eng_flow_record b = rec("fl-cw", "eni-0b", "10.0.0.2", "10.0.0.1", 2, 1, 17, T0,
				       false);
	struct eng_flow_record c = rec("fl-arn", "eni-0a", "10.0.0.1", "10.0.0.2", 1, 2, 17, T0,
				       false);
	char p[512], la[512], lb[512], want[1100], got[1100];
	FILE *f;
	size_t n;

	cr_assert_eq(flowlog_sink_update(s, m), 0);
	model_free(m);
	flowlog_sink_record(&a, s);
	flowlog_sink_record(&b, s);
	flowlog_sink_record(&c, s);
	cr_assert_eq(flowlog_sink_flush(s, fake_now), 3);
	flowlog_sink_record(&a, s);
	cr_assert_eq(flowlog_sink_flush(s, fake_now), 1);
	line_of(NULL, &a, la, sizeof(la));
	line_of(NULL, &b, lb, sizeof(lb));

	snprintf(p, sizeof(p), "%s/cloudwatch/%%2Faws%%2Fvpc%%2Fflow/eni-0a", state);
	f = fopen(p, "r");
	cr_assert_not_null(f, "%s", p);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	snprintf(want, sizeof(want), "%s\n%s\n", la, la);
	cr_assert_str_eq(got, want, "appended, no header");

	snprintf(p, sizeof(p), "%s/cloudwatch/%%2Faws%%2Fvpc%%2Fflow/eni-0b", state);
	f = fopen(p, "r");
	cr_assert_not_null(f, "%s", p);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	snprintf(want, sizeof(want), "%s\n", lb);
	cr_assert_str_eq(got, want);

	snprintf(p, sizeof(p), "%s/cloudwatch/grp/eni-0a", state);
	cr_assert_eq(access(p, F_OK), 0, "%s", p);
	flowlog_sink_free(s);
}

/* ---- what is not delivered ----------------------------------------------------------- */

Test(flowlog_sink, destinations_outside_their_folder_are_refused)
{
	struct flowlog_sink *s = sink_new(0, 0, 0, 0);
	const char *ids[] = {"fl-a", "fl-b", "fl-c", "fl-d"};
	const char *types[] = {"s3", "s3", "cloud-watch-logs", "kinesis-data-firehose"};
	const char *dests[] = {"arn:aws:s3:::../../etc", "arn:aws:s3:::b/x/../../..", "..",
			       "arn:aws:firehose:us-east-1:1:deliverystream/x"};
	struct model *m = model_with(4, ids, types, dests, NULL);
	struct flowlog_sink_stats st;
	char names[4][256];

	cr_assert_eq(flowlog_sink_update(s, m), 0);
	model_free(m);
	for (size_t i = 0; i < 4; i++) {
		struct eng_flow_record r = rec(ids[i], "eni-0a", "10.0.0.1", "10.0.0.2", 1, 2, 17,
					       T0, false);

		flowlog_sink_record(&r, s);
	}
	cr_assert_eq(flowlog_sink_flush_all(s), 0);
	flowlog_sink_stats(s, &st);
	cr_assert_eq(st.records, 4);
	cr_assert_eq(st.records_undeliverable, 4);
	cr_assert_eq(st.flow_logs, 4);
	cr_assert_eq(list_dir(state, names, 4, false), 0, "nothing written: %s", names[0]);
	flowlog_sink_free(s);
}

Test(flowlog_sink, unknown_and_deleted_flow_logs)
{
	struct flowlog_sink *s = sink_s3("fl-x", "arn:aws:s3:::b", NULL);
	struct eng_flow_record a = rec("fl-x", "eni-0a", "10.0.0.1", "10.0.0.2", 1, 2, 17, T0,
				       false);
	struct eng_flow_record u = rec("fl-unknown", "eni-0a", "10.0.0.1", "10.0.0.2", 1, 2, 17,
				       T0, false);
	struct model *empty = model_new(ACCOUNT, REGION);
	struct flowlog_sink_stats st;
	char dir[512], names[4][256];

	flowlog_sink_record(&u, s);
	flowlog_sink_record(&a, s);
	/* Deleted after a record was buffered: that record is still delivered. */
	cr_assert_eq(flowlog_sink_update(s, empty), 0);
	model_free(empty);
	flowlog_sink_record(&a, s);
	cr_assert_eq(flowlog_sink_flush_all(s), 1);
	flowlog_sink_stats(s, &st);
	cr_assert_eq(st.records, 3);
	cr_assert_eq(st.records_written, 1);
	cr_assert_eq(st.records_undeliverable, 2);
	cr_assert_eq(st.flow_logs, 0);
	cr_assert_eq(list_dir(s3_dir(dir, sizeof(dir), "b", T0), names, 4, false), 1);
	flowlog_sink_free(s);
}

Test(flowlog_sink, update_keeps_parsed_formats_and_takes_new_ones)
{
	struct flowlog_sink *s = sink_new(0, 0, 0, 0);
	const char *ids[] = {"fl-a", "fl-b"}, *types[] = {"s3", "s3"};
	const char *dests[] = {"arn:aws:s3:::a", "arn:aws:s3:::b"};
	const char *fmts[] = {"${srcport}", "${dstport}"};
	struct model *m1 = model_with(1, ids, types, dests, fmts);
	struct model *m2 = model_with(2, ids, types, dests, fmts);
	struct eng_flow_record a = rec("fl-a", "eni-0a", "10.0.0.1", "10.0.0.2", 11, 22, 17, T0,
				       false);
	struct eng_flow_record b = rec("fl-b", "eni-0a", "10.0.0.1", "10.0.0.2", 11, 22, 17, T0,
				       false);
	char dir[512], names[4][256], path[1024];
	char *t;

	cr_assert_eq(flowlog_sink_update(s, m1), 0);
	flowlog_sink_record(&a, s);
	cr_assert_eq(flowlog_sink_update(s, m2), 0);
	cr_assert_eq(flowlog_sink_update(s, m2), 0);
	flowlog_sink_record(&a, s);
	flowlog_sink_record(&b, s);
	cr_assert_eq(flowlog_sink_flush_all(s), 2);
	cr_assert_eq(list_dir(s3_dir(dir, sizeof(dir), "a", T0), names, 4, false), 1);
	snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
	t = gunzip(path);
	cr_assert_str_eq(t, "srcport\n11\n11\n");
	free(t);
	cr_assert_eq(list_dir(s3_dir(dir, sizeof(dir), "b", T0), names, 4, false), 1);
	snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
	t = gunzip(path);
	cr_assert_str_eq(t, "dstport\n22\n");
	free(t);
	model_free(m1);
	model_free(m2);
	flowlog_sink_free(s);
}

/* ---- limits -------------------------------------------------------------------------- */

Test(flowlog_sink, buffered_bytes_are_bounded)
{
	struct flowlog_sink *s = sink_new(1000, 1000, 0, 0);
	const char *ids[] = {"fl-x"}, *types[] = {"s3"}, *dests[] = {"arn:aws:s3:::b"};
	struct model *m = model_with(1, ids, types, dests, NULL);
	struct flowlog_sink_stats st;
	uint64_t kept;

	cr_assert_eq(flowlog_sink_update(s, m), 0);
	model_free(m);
	for (int i = 0; i < 100; i++) {
		struct eng_flow_record r = rec("fl-x", "eni-0a", "10.0.0.1", "10.0.0.2",
					       (uint16_t)i, 2, 17, T0, false);

		flowlog_sink_record(&r, s);
	}
	flowlog_sink_stats(s, &st);
	cr_assert_eq(st.records, 100);
	cr_assert_leq(st.buffered_size, 1000);
	cr_assert_gt(st.records_dropped, 80);
	kept = st.records - st.records_dropped;
	cr_assert_gt(kept, 5);
	cr_assert_eq(flowlog_sink_flush_all(s), 1);
	flowlog_sink_stats(s, &st);
	cr_assert_eq(st.records_written, kept);
	flowlog_sink_free(s);
}

Test(flowlog_sink, a_full_object_starts_a_new_one)
{
	struct flowlog_sink *s = sink_new(60000, 0, 500, 0);
	const char *ids[] = {"fl-x"}, *types[] = {"s3"}, *dests[] = {"arn:aws:s3:::b"};
	struct model *m = model_with(1, ids, types, dests, NULL);
	struct flowlog_sink_stats st;
	char dir[512], names[16][256], line[512];
	size_t per, full, rest;

	cr_assert_eq(flowlog_sink_update(s, m), 0);
	model_free(m);
	for (int i = 0; i < 20; i++) {
		struct eng_flow_record r = rec("fl-x", "eni-0a", "10.0.0.1", "10.0.0.2",
					       (uint16_t)(10 + i), 2, 17, T0, false);

		flowlog_sink_record(&r, s);
		line_of(NULL, &r, line, sizeof(line));
	}
	/* Lines of equal length: an object closes at the first line reaching 500 bytes. */
	per = (500 + strlen(line)) / (strlen(line) + 1);
	full = 20 / per;
	rest = 20 % per ? 1 : 0;
	cr_assert_geq(full, 2);
	/* Long before the delay: only the full objects go. */
	cr_assert_eq(flowlog_sink_flush(s, fake_now), (int)full);
	cr_assert_eq(flowlog_sink_flush_all(s), (int)rest);
	cr_assert_eq(list_dir(s3_dir(dir, sizeof(dir), "b", T0), names, 16, false), full + rest);
	flowlog_sink_stats(s, &st);
	cr_assert_eq(st.records_written, 20);
	cr_assert_eq(st.records_dropped, 0);
	flowlog_sink_free(s);
}

Test(flowlog_sink, buffers_are_bounded)
{
	struct flowlog_sink *s = sink_new(1000, 0, 0, 3);
	const char *ids[] = {"fl-x"}, *types[] = {"s3"}, *dests[] = {"arn:aws:s3:::b"};
	struct model *m = model_with(1, ids, types, dests, NULL);
	struct flowlog_sink_stats st;

	cr_assert_eq(flowlog_sink_update(s, m), 0);
	model_free(m);
	for (int i = 0; i < 5; i++) {
		struct eng_flow_record r = rec("fl-x", "eni-0a", "10.0.0.1", "10.0.0.2", 1, 2, 17,
					       T0 + 300 * i, false);

		flowlog_sink_record(&r, s);
	}
	flowlog_sink_stats(s, &st);
	cr_assert_eq(st.records_dropped, 2, "windows 4 and 5 have no buffer");
	cr_assert_eq(flowlog_sink_flush_all(s), 3);
	flowlog_sink_free(s);
}

Test(flowlog_sink, bad_configuration)
{
	struct flowlog_sink_config c;
	struct flowlog_sink *s = NULL;

	flowlog_sink_config_default(&c);
	cr_assert_eq(flowlog_sink_new(&c, &s), -EINVAL);
	c.state_dir = state;
	c.account_id = ACCOUNT;
	cr_assert_eq(flowlog_sink_new(&c, &s), -EINVAL, "no region");
	c.region = REGION;
	c.gzip_level = 12;
	cr_assert_eq(flowlog_sink_new(&c, &s), -EINVAL);
	cr_assert_null(s);
	cr_assert_null(flowlog_sink_free(NULL));
}

/* ---- threads and speed --------------------------------------------------------------- */

struct producer {
	struct flowlog_sink *s;
	int n;
};

static void *producer_main(void *arg)
{
	struct producer *p = arg;

	for (int i = 0; i < p->n; i++) {
		struct eng_flow_record r = rec("fl-x", "eni-0a", "10.0.0.1", "10.0.0.2",
					       (uint16_t)i, 2, 6, T0 + (i % 900), false);

		flowlog_sink_record(&r, p->s);
	}
	return NULL;
}

Test(flowlog_sink, concurrent_record_update_flush, .timeout = 120)
{
	struct flowlog_sink *s = sink_new(0, 0, 0, 0);
	const char *ids[] = {"fl-x"}, *types[] = {"s3"}, *dests[] = {"arn:aws:s3:::b"};
	struct model *m = model_with(1, ids, types, dests, NULL);
	struct producer p = {.s = s, .n = 50000};
	struct flowlog_sink_stats st;
	pthread_t t;

	cr_assert_eq(flowlog_sink_update(s, m), 0);
	cr_assert_eq(pthread_create(&t, NULL, producer_main, &p), 0);
	for (int i = 0; i < 50; i++) {
		cr_assert_eq(flowlog_sink_update(s, m), 0);
		cr_assert_geq(flowlog_sink_flush(s, fake_now), 0);
	}
	pthread_join(t, NULL);
	cr_assert_geq(flowlog_sink_flush_all(s), 0);
	flowlog_sink_stats(s, &st);
	cr_assert_eq(st.records, 50000);
	cr_assert_eq(st.records_written, 50000);
	cr_assert_eq(st.records_dropped + st.records_undeliverable, 0);
	model_free(m);
	flowlog_sink_free(s);
}

Test(flowlog_sink, records_per_second, .timeout = 120)
{
	struct flowlog_sink *s = sink_new(0, 256u << 20, 256u << 20, 0);
	const char *ids[] = {"fl-x"}, *types[] = {"s3"}, *dests[] = {"arn:aws:s3:::b"};
	struct model *m = model_with(1, ids, types, dests, NULL);
	struct flowlog_sink_stats st;
	struct timespec a, b, c;
	const int n = 200000;
	double rec_s, all_s;
	size_t text;

	cr_assert_eq(flowlog_sink_update(s, m), 0);
	model_free(m);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		struct eng_flow_record r = rec("fl-x", "eni-0a", "172.31.0.10", "172.31.16.20",
					       (uint16_t)(i * 7), 443, 6, T0, false);

		flowlog_sink_record(&r, s);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	flowlog_sink_stats(s, &st);
	text = st.buffered_size;
	cr_assert_eq(flowlog_sink_flush_all(s), 1);
	clock_gettime(CLOCK_MONOTONIC, &c);
	flowlog_sink_stats(s, &st);
	cr_assert_eq(st.records_written, (uint64_t)n);
	rec_s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	all_s = (double)(c.tv_sec - a.tv_sec) + (double)(c.tv_nsec - a.tv_nsec) / 1e9;
	fprintf(stderr,
		"flowlog-sink: %d records: %.0f records/s buffered (data-path side), %.0f "
		"records/s including gzip + fsync (%.1f MB text -> %.2f MB gzip)\n",
		n, n / rec_s, n / all_s, (double)text / 1e6, (double)st.bytes_written / 1e6);
	cr_assert_gt(n / rec_s, 10000.0, "the data-path side must not be slow");
	flowlog_sink_free(s);
}
