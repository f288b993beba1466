/*
 * SigV4 against AWS's published test-suite vectors (aws-sig-v4-test-suite:
 * get-vanilla, get-vanilla-query-order-key-case, post-vanilla,
 * post-x-www-form-urlencoded), a request signed offline by botocore 1.29
 * (SigV4Auth, service ec2), and the Authorization parser's edge cases.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sigv4/sigv4.h"

#define AKID   "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define DATE   "20150830T123600Z"

static void expect_sig(const char *method, const char *query, const struct sigv4_header *h,
		       size_t nh, const char *body, const char *want_signed, const char *want_sig)
{
	struct sigv4_request req = {
	    .method = method,
	    .path = "/",
	    .query = query,
	    .headers = h,
	    .n_headers = nh,
	    .payload = body,
	    .payload_size = body ? strlen(body) : 0,
	};
	char *authz = NULL;
	char want[512];
	struct sigv4_auth a;

	cr_assert_eq(sigv4_sign(&req, AKID, SECRET, DATE, "us-east-1", "service", &authz), 0);
	snprintf(want, sizeof(want),
		 "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
		 "SignedHeaders=%s, Signature=%s",
		 want_signed, want_sig);
	cr_assert_str_eq(authz, want);
	/* The verifier accepts what the signer produced, and nothing else. */
	cr_assert_eq(sigv4_parse_authorization(authz, &a), 0);
	cr_assert_eq(sigv4_verify(&req, &a, SECRET, DATE), 0);
	cr_assert_eq(sigv4_verify(&req, &a, "wrong-secret", DATE), -EACCES);
	a.signature[0] = a.signature[0] == '0' ? '1' : '0';
	cr_assert_eq(sigv4_verify(&req, &a, SECRET, DATE), -EACCES);
	free(authz);
}

Test(sigv4, get_vanilla)
{
	struct sigv4_header h[] = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", DATE}};

	expect_sig("GET", NULL, h, 2, NULL, "host;x-amz-date",
		   "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

Test(sigv4, get_vanilla_query_order_key_case)
{
	struct sigv4_header h[] = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", DATE}};

	expect_sig("GET", "Param2=value2&Param1=value1", h, 2, NULL, "host;x-amz-date",
		   "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

Test(sigv4, post_vanilla)
{
	struct sigv4_header h[] = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", DATE}};

	expect_sig("POST", NULL, h, 2, NULL, "host;x-amz-date",
		   "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

Test(sigv4, post_x_www_form_urlencoded)
{
	struct sigv4_header h[] = {{"Content-Type", "application/x-www-form-urlencoded"},
				   {"Host", "example.amazonaws.com"},
				   {"X-Amz-Date", DATE}};
	struct sigv4_request req = {.method = "POST",
				    .path = "/",
				    .headers = h,
				    .n_headers = 3,
				    .payload = "Param1=value1",
				    .payload_size = 13};
	char *creq = NULL, *sts = NULL;

	expect_sig("POST", NULL, h, 3, "Param1=value1", "content-type;host;x-amz-date",
		   "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
	/* The intermediate strings as published (.creq and .sts files). */
	cr_assert_eq(sigv4_canonical_request(&req, "content-type;host;x-amz-date", &creq), 0);
	cr_assert_str_eq(creq, "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n"
			       "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
			       "content-type;host;x-amz-date\n"
			       "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
	cr_assert_eq(
	    sigv4_string_to_sign(DATE, "20150830/us-east-1/service/aws4_request", creq, &sts), 0);
	cr_assert_str_eq(sts, "AWS4-HMAC-SHA256\n20150830T123600Z\n"
			      "20150830/us-east-1/service/aws4_request\n"
			      "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");
	free(creq);
	free(sts);
}

/* Signed offline with botocore.auth.SigV4Auth(Credentials(AKID, SECRET), "ec2", "us-east-1")
 * at 2026-11-26T19:07:28Z, URL http://127.0.0.1:8787/. */
Test(sigv4, botocore_ec2_request)
{
	const char *body = "Action=DescribeRegions&Version=2016-11-15";
	const char *authz =
	    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/ec2/aws4_request, "
	    "SignedHeaders=content-type;host;x-amz-date, "
	    "Signature=58333c56ef8b408bb0f2dd75bab457a705fabee1fee2e49de39af98ff34982d3";
	/* Extra unsigned headers and different case must not matter. */
	struct sigv4_header h[] = {
	    {"content-type", "application/x-www-form-urlencoded; charset=utf-8"},
	    {"User-Agent", "Boto3/1.26.27"},
	    {"host", "127.0.0.1:8787"},
	    {"X-AMZ-DATE", "20261126T190728Z"}};
	struct sigv4_request req = {.method = "POST",
				    .path = "/",
				    .headers = h,
				    .n_headers = 4,
				    .payload = body,
				    .payload_size = strlen(body)};
	struct sigv4_auth a;

	cr_assert_eq(sigv4_parse_authorization(authz, &a), 0);
	cr_assert_str_eq(a.access_key, "AKIDEXAMPLE");
	cr_assert_str_eq(a.date, "20261126");
	cr_assert_str_eq(a.region, "us-east-1");
	cr_assert_str_eq(a.service, "ec2");
	cr_assert_str_eq(a.signed_headers, "content-type;host;x-amz-date");
	cr_assert_eq(sigv4_verify(&req, &a, SECRET, "20261126T190728Z"), 0);
	/* A changed body breaks it. */
	req.payload = "Action=DescribeRegions&Version=2016-11-16";
	cr_assert_eq(sigv4_verify(&req, &a, SECRET, "20261126T190728Z"), -EACCES);
	req.payload = body;
	/* X-Amz-Date of another day than the scope. */
	cr_assert_eq(sigv4_verify(&req, &a, SECRET, "20261127T000000Z"), -EINVAL);
	/* A signed header missing from the request. */
	req.n_headers = 3;
	cr_assert_eq(sigv4_verify(&req, &a, SECRET, "20261126T190728Z"), -EINVAL);
}

Test(sigv4, canonical_forms)
{
	struct sigv4_header h[] = {{"Host", "  example.amazonaws.com  "},
				   {"My-Header1", "  value1   with  spaces "},
				   {"my-header1", "second"}};
	struct sigv4_request req = {.method = "GET",
				    .path = "//a/./b/../c//",
				    .query = "b=%7e&a=2&a=1&c&sp=a%20b+c",
				    .headers = h,
				    .n_headers = 3};
	char *creq = NULL;

	cr_assert_eq(sigv4_canonical_request(&req, "host;my-header1", &creq), 0);
	cr_assert_str_eq(creq,
			 "GET\n/a/c/\na=1&a=2&b=~&c=&sp=a%20b%2Bc\n"
			 "host:example.amazonaws.com\nmy-header1:value1 with spaces,second\n\n"
			 "host;my-header1\n"
			 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	free(creq);
	cr_assert_eq(sigv4_canonical_request(&req, "host;x-missing", &creq), -EINVAL);
}

Test(sigv4, parse_rejects)
{
	static const char *bad[] = {
	    "",
	    "AWS4-HMAC-SHA1 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, "
	    "Signature=0000000000000000000000000000000000000000000000000000000000000000",
	    /* missing component */
	    "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host",
	    /* short signature */
	    "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, "
	    "Signature=00",
	    /* upper-case hex */
	    "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, "
	    "Signature=000000000000000000000000000000000000000000000000000000000000000A",
	    /* bad terminator */
	    "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws5_request, SignedHeaders=host, "
	    "Signature=0000000000000000000000000000000000000000000000000000000000000000",
	    /* bad date */
	    "AWS4-HMAC-SHA256 Credential=A/2015083x/r/s/aws4_request, SignedHeaders=host, "
	    "Signature=0000000000000000000000000000000000000000000000000000000000000000",
	    /* too many scope parts */
	    "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/x/aws4_request, SignedHeaders=host, "
	    "Signature=0000000000000000000000000000000000000000000000000000000000000000",
	    /* unsorted signed headers */
	    "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=x;host, "
	    "Signature=0000000000000000000000000000000000000000000000000000000000000000",
	    /* duplicate signed header */
	    "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host;host, "
	    "Signature=0000000000000000000000000000000000000000000000000000000000000000",
	    /* empty signed header */
	    "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host;, "
	    "Signature=0000000000000000000000000000000000000000000000000000000000000000",
	    /* duplicate component */
	    "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, Credential=A/20150830/r/s/"
	    "aws4_request, "
	    "Signature=0000000000000000000000000000000000000000000000000000000000000000",
	    /* trailing garbage */
	    "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, "
	    "Signature=0000000000000000000000000000000000000000000000000000000000000000, x",
	    /* upper-case region */
	    "AWS4-HMAC-SHA256 Credential=A/20150830/US-EAST-1/s/aws4_request, SignedHeaders=host, "
	    "Signature=0000000000000000000000000000000000000000000000000000000000000000",
	    /* empty key */
	    "AWS4-HMAC-SHA256 Credential=/20150830/r/s/aws4_request, SignedHeaders=host, "
	    "Signature=0000000000000000000000000000000000000000000000000000000000000000",
	};
	struct sigv4_auth a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(sigv4_parse_authorization(bad[i], &a), -EINVAL, "case %zu", i);
	cr_assert_eq(sigv4_parse_authorization(NULL, &a), -EINVAL);
}

Test(sigv4, parse_accepts_any_order_and_limits)
{
	struct sigv4_auth a;
	char big[600];

	cr_assert_eq(sigv4_parse_authorization(
			 "AWS4-HMAC-SHA256 Signature="
			 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef,"
			 "SignedHeaders=host;x-amz-date,Credential=K1/20261126/eu-west-1/ec2/"
			 "aws4_request",
			 &a),
		     0);
	cr_assert_str_eq(a.region, "eu-west-1");
	cr_assert_str_eq(a.signed_headers, "host;x-amz-date");
	/* A key longer than the limit is -E2BIG, not a crash. */
	memset(big, 'K', sizeof(big));
	snprintf(big + 200, sizeof(big) - 200,
		 "/20150830/r/s/aws4_request, SignedHeaders=host, "
		 "Signature=0000000000000000000000000000000000000000000000000000000000000000");
	{
		char hdr[900];

		snprintf(hdr, sizeof(hdr), "AWS4-HMAC-SHA256 Credential=%s", big);
		cr_assert_eq(sigv4_parse_authorization(hdr, &a), -E2BIG);
	}
}

Test(sigv4, amz_date)
{
	int64_t t;
	char buf[SIGV4_AMZ_DATE_LEN];

	cr_assert_eq(sigv4_parse_amz_date("20150830T123600Z", &t), 0);
	cr_assert_eq(t, 1440938160);
	sigv4_format_amz_date(t, buf);
	cr_assert_str_eq(buf, "20150830T123600Z");
	cr_assert_eq(sigv4_parse_amz_date("20240229T000000Z", &t), 0);
	sigv4_format_amz_date(t, buf);
	cr_assert_str_eq(buf, "20240229T000000Z");
	cr_assert_eq(sigv4_parse_amz_date("20150830T123600", &t), -EINVAL);
	cr_assert_eq(sigv4_parse_amz_date("20151330T123600Z", &t), -EINVAL);
	cr_assert_eq(sigv4_parse_amz_date("20150830T253600Z", &t), -EINVAL);
	cr_assert_eq(sigv4_parse_amz_date("2015-08-30T12:36Z", &t), -EINVAL);
	/* Days a month does not have are refused, not rolled into the next month. */
	cr_assert_eq(sigv4_parse_amz_date("20230229T000000Z", &t), -EINVAL);
	cr_assert_eq(sigv4_parse_amz_date("20150431T000000Z", &t), -EINVAL);
	cr_assert_eq(sigv4_parse_amz_date("20001232T000000Z", &t), -EINVAL);
	cr_assert_eq(sigv4_parse_amz_date("21000229T000000Z", &t), -EINVAL);
	cr_assert_eq(sigv4_parse_amz_date("20000229T000000Z", &t), 0);
	cr_assert_eq(t, 951782400);
	cr_assert_eq(sigv4_parse_amz_date("19691231T235959Z", &t), -EINVAL);
	/* A leap second on the last day of a year is that year's, as before. */
	cr_assert_eq(sigv4_parse_amz_date("20161231T235960Z", &t), 0);
	cr_assert_eq(t, 1483228800);
	/* Formatting keeps four digits of year at both ends. */
	sigv4_format_amz_date(0, buf);
	cr_assert_str_eq(buf, "19700101T000000Z");
	sigv4_format_amz_date(INT64_MAX, buf);
	cr_assert_str_eq(buf, "99991231T235959Z");
	sigv4_format_amz_date(INT64_MIN, buf);
	cr_assert_str_eq(buf, "00000101T000000Z");
}
