/*
 * The response writer (api/xml.c): the exact bytes of success and error
 * documents.  The expected strings were produced by the libxml2
 * xmlTextWriter this writer replaced (same calls, compared byte for byte),
 * so clients see the same documents: declaration and final newline, <a/>
 * for no content, <a></a> for an empty string, & < > " and CR escaped,
 * other bytes (UTF-8, control characters) copied; misuse fails the
 * document instead of truncating it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/req-private.h"

#define DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define ROOT "<TestThingsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"

static const struct api_action action = {.name = "TestThings"};

static struct api_req req(const char *request_id)
{
	return (struct api_req){.action = &action, .request_id = request_id};
}

static char *finish(struct api_req *r)
{
	char *body = NULL;
	size_t size = 0;

	cr_assert_eq(api_xml_finish(r, &body, &size), 0);
	cr_assert_eq(strlen(body), size);
	return body;
}

Test(xml, document_shape)
{
	struct api_req r = req("rid-1");
	char *b;

	cr_assert_eq(api_xml_begin(&r), 0);
	api_xml_start(&r, "thingSet");
	api_xml_start(&r, "item");
	api_xml_str(&r, "a", "plain");
	api_xml_str(&r, "b", "");
	api_xml_str(&r, "skipped", NULL);
	api_xml_start(&r, "empty");
	api_xml_end(&r);
	api_xml_tags(&r, "tagSet", NULL);
	api_xml_bool(&r, "t", true);
	api_xml_bool(&r, "f", false);
	api_xml_end(&r);
	api_xml_end(&r);
	b = finish(&r);
	cr_assert_str_eq(b, DECL ROOT "<requestId>rid-1</requestId><thingSet><item><a>plain</a>"
				      "<b></b><empty/><tagSet/><t>true</t><f>false</f></item>"
				      "</thingSet></TestThingsResponse>\n");
	free(b);
}

Test(xml, escaping)
{
	struct api_req r = req("r");
	char *b;

	cr_assert_eq(api_xml_begin(&r), 0);
	api_xml_str(&r, "c", "x&y<z>\"q\"'s'\r\n\ttab \xc3\xa9 \x01 end&");
	b = finish(&r);
	cr_assert_str_eq(b, DECL ROOT "<requestId>r</requestId><c>x&amp;y&lt;z&gt;&quot;q&quot;'s'"
				      "&#13;\n\ttab \xc3\xa9 \x01 end&amp;</c></TestThingsResponse>\n");
	free(b);
}

Test(xml, numbers_times_and_formats)
{
	struct api_req r = req("r");
	static char big[3000];
	char *b, *p;

	memset(big, 'b', sizeof(big) - 1);
	cr_assert_eq(api_xml_begin(&r), 0);
	api_xml_long(&r, "n1", 0);
	api_xml_long(&r, "n2", -42);
	api_xml_long(&r, "n3", 9223372036854775807L);
	api_xml_long(&r, "n4", -9223372036854775807L - 1);
	api_xml_time(&r, "tm", 1795000000);
	api_xml_strf(&r, "arn", "arn:aws:ec2:%s:%s:subnet/%s", "us-east-1", "123456789012",
		     "subnet-0abc");
	api_xml_strf(&r, "e", "%s%s", "", "x");
	api_xml_strf(&r, "esc", "lead%s", "&<");
	api_xml_strf(&r, "pct", "100%% %s %d", "y", 7);
	api_xml_strf(&r, "big", "pre:%s:%s", big, "tail");
	b = finish(&r);
	cr_assert_not_null(strstr(b, "<n1>0</n1><n2>-42</n2><n3>9223372036854775807</n3>"
				     "<n4>-9223372036854775808</n4>"
				     "<tm>2026-11-18T11:06:40.000Z</tm>"
				     "<arn>arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0abc</arn>"
				     "<e>x</e><esc>lead&amp;&lt;</esc><pct>100% y 7</pct><big>pre:"));
	/* A formatted value is cut at 1,023 bytes, as vsnprintf into 1,024 does. */
	p = strstr(b, "<big>");
	cr_assert_not_null(p);
	cr_assert_eq(strcspn(p + 5, "<"), 1023);
	free(b);
}

Test(xml, unclosed_elements_are_closed)
{
	struct api_req r = req("r");
	char *b;

	cr_assert_eq(api_xml_begin(&r), 0);
	api_xml_start(&r, "a");
	api_xml_start(&r, "bb");
	api_xml_str(&r, "x", "1");
	b = finish(&r);
	cr_assert_str_eq(b, DECL ROOT "<requestId>r</requestId><a><bb><x>1</x></bb></a>"
				      "</TestThingsResponse>\n");
	free(b);
}

Test(xml, large_document_grows)
{
	struct api_req r = req("r");
	char *b;
	size_t items = 5000, n = 0;

	cr_assert_eq(api_xml_begin(&r), 0);
	api_xml_start(&r, "set");
	for (size_t i = 0; i < items; i++) {
		api_xml_start(&r, "item");
		api_xml_long(&r, "i", (long)i);
		api_xml_end(&r);
	}
	api_xml_end(&r);
	b = finish(&r);
	for (const char *p = b; (p = strstr(p, "</item>")); p++)
		n++;
	cr_assert_eq(n, items);
	cr_assert_not_null(strstr(b, "<item><i>4999</i></item></set></TestThingsResponse>\n"));
	free(b);
}

Test(xml, misuse_fails_the_document)
{
	struct api_req r = req("r");
	char *b = NULL;
	size_t n = 0;

	cr_assert_eq(api_xml_begin(&r), 0);
	api_xml_end(&r); /* closes the root */
	api_xml_end(&r); /* nothing open */
	cr_assert_eq(api_xml_finish(&r, &b, &n), -ENOMEM);
	cr_assert_null(b);
	r = req("r");
	cr_assert_eq(api_xml_begin(&r), 0);
	api_xml_start(&r, "");
	cr_assert_eq(api_xml_finish(&r, &b, &n), -ENOMEM);
	cr_assert_null(b);
	r = req("r");
	cr_assert_eq(api_xml_begin(&r), 0);
	api_xml_start(&r, "open");
	api_xml_abort(&r);
	cr_assert_null(r.xml);
	api_xml_abort(&r);
}

Test(xml, error_document)
{
	char *b = NULL;
	size_t n = 0;

	cr_assert_eq(api_xml_error_document("Code<&>", "Message \"x\" \r\xff bad", "rid", &b, &n),
		     0);
	cr_assert_str_eq(b, DECL "<Response><Errors><Error><Code>Code&lt;&amp;&gt;</Code>"
				 "<Message>Message &quot;x&quot; &#13;\xff bad</Message></Error>"
				 "</Errors><RequestID>rid</RequestID></Response>\n");
	cr_assert_eq(n, strlen(b));
	free(b);
	cr_assert_eq(api_xml_error_document("C", "", "", &b, &n), 0);
	cr_assert_str_eq(b, DECL "<Response><Errors><Error><Code>C</Code><Message></Message>"
				 "</Error></Errors><RequestID></RequestID></Response>\n");
	free(b);
	cr_assert_eq(api_xml_error_document(NULL, "m", "r", &b, &n), -EINVAL);
}
