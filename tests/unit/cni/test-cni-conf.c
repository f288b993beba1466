/* cni-conf: the network configuration vpc-cni reads on stdin. */
#include <criterion/criterion.h>
#include <string.h>

#include "cni/cni-conf.h"

static struct cni_conf *parse_ok(const char *s)
{
	struct cni_conf *c = NULL;
	struct cni_err err = {0};

	cr_assert_eq(cni_conf_parse(s, strlen(s), &c, &err), 0, "%s: %s", s, err.msg);
	return c;
}

static struct cni_err parse_fail(const char *s)
{
	struct cni_conf *c = NULL;
	struct cni_err err = {0};

	cr_assert_lt(cni_conf_parse(s, strlen(s), &c, &err), 0, "%s parsed", s);
	cr_assert_null(c);
	return err;
}

Test(cni_conf, defaults_like_the_aws_plugin)
{
	struct cni_conf *c = parse_ok("{\"cniVersion\":\"1.1.0\",\"name\":\"openvpc\",\"type\":\"vpc-cni\"}");

	cr_assert_str_eq(c->veth_prefix, "eni");
	cr_assert_eq(c->mtu, 9001);
	cr_assert_eq(c->version, CNI_V110);
	cr_assert_str_eq(c->name, "openvpc");
	cr_assert_str_eq(c->ipamd_socket, CNI_DEFAULT_SOCKET);
	cr_assert_null(c->prev_result);
	cr_assert_null(c->log_file);
	cni_conf_free(c);
}

Test(cni_conf, aws_fields_and_mtu_as_string)
{
	struct cni_conf *c = parse_ok(
	    "{\"cniVersion\":\"0.4.0\",\"name\":\"aws-cni\",\"type\":\"vpc-cni\",\"vethPrefix\":\"pod\","
	    "\"mtu\":\"1500\",\"pluginLogFile\":\"/tmp/x.log\",\"pluginLogLevel\":\"info\","
	    "\"ipamdSocket\":\"/tmp/s.sock\",\"somethingElse\":[1,2]}");

	cr_assert_str_eq(c->veth_prefix, "pod");
	cr_assert_eq(c->mtu, 1500);
	cr_assert_str_eq(c->log_level, "Info");
	cr_assert_str_eq(c->log_file, "/tmp/x.log");
	cr_assert_str_eq(c->ipamd_socket, "/tmp/s.sock");
	cr_assert_eq(c->version, CNI_V040);
	cni_conf_free(c);
}

Test(cni_conf, errors_name_the_field_and_use_spec_codes)
{
	struct cni_err e;

	e = parse_fail("not json");
	cr_assert_eq(e.code, CNI_ERR_DECODE);
	e = parse_fail("[1]");
	cr_assert_eq(e.code, CNI_ERR_DECODE);
	e = parse_fail("{\"cniVersion\":\"2.0.0\"}");
	cr_assert_eq(e.code, CNI_ERR_INCOMPATIBLE_VERSION);
	cr_assert(strstr(e.msg, "2.0.0"));
	e = parse_fail("{\"name\":\"x\"}");
	cr_assert_eq(e.code, CNI_ERR_INVALID_CONFIG);
	cr_assert(strstr(e.msg, "cniVersion"));
	e = parse_fail("{\"cniVersion\":\"1.0.0\",\"mtu\":100}");
	cr_assert_eq(e.code, CNI_ERR_INVALID_CONFIG);
	cr_assert(strstr(e.msg, "mtu"));
	e = parse_fail("{\"cniVersion\":\"1.0.0\",\"mtu\":\"9002\"}");
	cr_assert(strstr(e.msg, "mtu"));
	e = parse_fail("{\"cniVersion\":\"1.0.0\",\"vethPrefix\":\"toolong\"}");
	cr_assert(strstr(e.msg, "vethPrefix"));
	e = parse_fail("{\"cniVersion\":\"1.0.0\",\"vethPrefix\":\"eth\"}");
	cr_assert(strstr(e.msg, "reserved"));
	e = parse_fail("{\"cniVersion\":\"1.0.0\",\"vethPrefix\":\"a/b\"}");
	cr_assert(strstr(e.msg, "vethPrefix"));
	e = parse_fail("{\"cniVersion\":\"1.0.0\",\"pluginLogLevel\":\"loud\"}");
	cr_assert(strstr(e.msg, "pluginLogLevel"));
	e = parse_fail("{\"cniVersion\":\"1.0.0\",\"prevResult\":3}");
	cr_assert(strstr(e.msg, "prevResult"));
	e = parse_fail("{\"cniVersion\":\"1.0.0\",\"name\":7}");
	cr_assert(strstr(e.msg, "name"));
	e = parse_fail("{\"cniVersion\":\"1.0.0\",\"cniVersion\":\"1.1.0\"}");
	cr_assert_eq(e.code, CNI_ERR_DECODE);
}

Test(cni_conf, gc_valid_attachments)
{
	struct cni_conf *c = parse_ok(
	    "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"cni.dev/valid-attachments\":["
	    "{\"containerID\":\"abc\",\"ifname\":\"eth0\"},{\"containerID\":\"def\",\"ifname\":\"net1\"}]}");

	cr_assert(c->has_valid);
	cr_assert_eq(c->n_valid, 2);
	cr_assert_str_eq(c->valid[1].container_id, "def");
	cr_assert_str_eq(c->valid[1].ifname, "net1");
	cni_conf_free(c);
	struct cni_err e = parse_fail("{\"cniVersion\":\"1.1.0\",\"cni.dev/valid-attachments\":[{\"x\":1}]}");
	cr_assert(strstr(e.msg, "valid-attachments[0]"));
}

Test(cni_conf, every_version_parses)
{
	const char *v[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
	char buf[64];

	for (size_t i = 0; i < 7; i++) {
		snprintf(buf, sizeof(buf), "{\"cniVersion\":\"%s\"}", v[i]);
		struct cni_conf *c = parse_ok(buf);
		cr_assert_eq((int)c->version, (int)i);
		cr_assert_str_eq(cni_version_str(c->version), v[i]);
		cni_conf_free(c);
	}
}

Test(cni_conf, error_json_shape)
{
	struct cni_err e = parse_fail("{\"cniVersion\":\"9.9.9\"}");
	char *s = cni_err_json(&e, "1.1.0");

	cr_assert(s);
	cr_assert(strstr(s, "\"code\":1"), "%s", s);
	cr_assert(strstr(s, "\"cniVersion\":\"1.1.0\""), "%s", s);
	cr_assert(strstr(s, "\"msg\":\"CNI version"), "%s", s);
	free(s);
	/* A message quoting bytes that are not UTF-8 still yields JSON. */
	struct cni_err bad = {0};
	cni_err_set(&bad, 7, "bad \xff byte");
	s = cni_err_json(&bad, NULL);
	cr_assert(s && strstr(s, "\"code\":7"));
	free(s);
	s = cni_version_json("0.4.0");
	cr_assert(strstr(s, "\"supportedVersions\":[\"0.1.0\",\"0.2.0\",\"0.3.0\",\"0.3.1\",\"0.4.0\","
			    "\"1.0.0\",\"1.1.0\"]"),
		  "%s", s);
	free(s);
}
