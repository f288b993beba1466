/* cni-result: results per cniVersion, prevResult, host veth names. */
#include <criterion/criterion.h>
#include <string.h>

#include "cni/cni-result.h"

static struct cni_pod_result sample(void)
{
	struct cni_pod_result r = {
	    .host_ifname = "eni1a2b3c4d5e6",
	    .host_mac = {0x0a, 0x58, 0, 0, 0, 1},
	    .pod_ifname = "eth0",
	    .pod_mac = {0x0a, 0x58, 0, 0, 0, 2},
	    .sandbox = "/var/run/netns/cni-1",
	    .ip4 = 0x0a00611e, /* 10.0.97.30 */
	    .mtu = 9001,
	};
	return r;
}

static json_t *render(enum cni_ver v)
{
	struct cni_pod_result r = sample();
	char *s = cni_result_json(&r, v, cni_version_str(v));
	json_t *j;

	cr_assert(s);
	j = json_loads(s, 0, NULL);
	cr_assert(j, "%s", s);
	free(s);
	cr_assert_str_eq(json_string_value(json_object_get(j, "cniVersion")), cni_version_str(v));
	return j;
}

Test(cni_result, v1_shape)
{
	json_t *j = render(CNI_V110), *ip = json_array_get(json_object_get(j, "ips"), 0);
	json_t *pod = json_array_get(json_object_get(j, "interfaces"), 1);

	cr_assert_str_eq(json_string_value(json_object_get(ip, "address")), "10.0.97.30/32");
	cr_assert_str_eq(json_string_value(json_object_get(ip, "gateway")), "169.254.1.1");
	cr_assert_eq(json_integer_value(json_object_get(ip, "interface")), 1);
	cr_assert_null(json_object_get(ip, "version"));
	cr_assert_str_eq(json_string_value(json_object_get(pod, "sandbox")), "/var/run/netns/cni-1");
	cr_assert_str_eq(json_string_value(json_object_get(pod, "mac")), "0a:58:00:00:00:02");
	cr_assert_eq(json_integer_value(json_object_get(pod, "mtu")), 9001);
	json_t *route = json_array_get(json_object_get(j, "routes"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(route, "dst")), "0.0.0.0/0");
	cr_assert_str_eq(json_string_value(json_object_get(route, "gw")), "169.254.1.1");
	json_decref(j);
	j = render(CNI_V100);
	pod = json_array_get(json_object_get(j, "interfaces"), 1);
	cr_assert_null(json_object_get(pod, "mtu"), "mtu on interfaces is 1.1.0 only");
	json_decref(j);
}

Test(cni_result, v04_has_ip_version_and_legacy_has_ip4)
{
	json_t *j = render(CNI_V040), *ip = json_array_get(json_object_get(j, "ips"), 0);

	cr_assert_str_eq(json_string_value(json_object_get(ip, "version")), "4");
	json_decref(j);
	j = render(CNI_V031);
	cr_assert(json_object_get(j, "ips"));
	json_decref(j);
	j = render(CNI_V020);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "ip4"), "ip")),
			 "10.0.97.30/32");
	cr_assert_null(json_object_get(j, "ips"));
	json_decref(j);
}

Test(cni_result, prev_result_round_trip_every_version)
{
	for (int v = 0; v < CNI_V_COUNT; v++) {
		json_t *j = render((enum cni_ver)v);
		struct cni_pod_result r;
		struct cni_err err = {0};

		cr_assert_eq(cni_result_from_prev(j, &r, &err), 0, "%s: %s", cni_version_str(v), err.msg);
		cr_assert_eq(r.ip4, 0x0a00611e);
		if (v > CNI_V020) {
			cr_assert_str_eq(r.host_ifname, "eni1a2b3c4d5e6");
			cr_assert_str_eq(r.pod_ifname, "eth0");
		}
		json_decref(j);
	}
	json_t *bad = json_loads("{\"ips\":[]}", 0, NULL);
	struct cni_pod_result r;
	struct cni_err err = {0};
	cr_assert_lt(cni_result_from_prev(bad, &r, &err), 0);
	cr_assert_eq(err.code, CNI_ERR_DECODE);
	json_decref(bad);
	bad = json_loads("{\"interfaces\":5}", 0, NULL);
	cr_assert_lt(cni_result_from_prev(bad, &r, &err), 0);
	json_decref(bad);
}

Test(cni_result, host_veth_name_matches_the_aws_plugin)
{
	struct cni_env env = {.pod_namespace = "default", .pod_name = "web-1"};
	char name[CNI_IFNAME_MAX];

	/* `printf default.web-1 | sha1sum` = 0761ccbeacef8227... */
	cni_host_veth_name("eni", &env, name);
	cr_assert_str_eq(name, "eni0761ccbeace");
	cr_assert_eq(strncmp(name, "eni", 3), 0);
	for (int i = 3; i < 14; i++)
		cr_assert(strchr("0123456789abcdef", name[i]));
	/* Different pods, different names; same pod, same name. */
	char again[CNI_IFNAME_MAX], other[CNI_IFNAME_MAX];
	cni_host_veth_name("eni", &env, again);
	cr_assert_str_eq(name, again);
	struct cni_env env2 = {.pod_namespace = "default", .pod_name = "web-2"};
	cni_host_veth_name("eni", &env2, other);
	cr_assert_str_neq(name, other);
	/* Without Kubernetes names: containerID.ifname. */
	struct cni_env p1 = {.container_id = "abc", .ifname = "eth0"};
	struct cni_env p2 = {.container_id = "abc", .ifname = "eth1"};
	cni_host_veth_name("veth", &p1, name);
	cni_host_veth_name("veth", &p2, other);
	cr_assert_eq(strlen(name), 15);
	cr_assert_str_neq(name, other);
}
