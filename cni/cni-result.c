/* cni-result: CNI results and prevResult (see cni-result.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cni/cni-result.h"
#include "cni/cni-sha1.h"
#include "lib/net/net.h"

static void mac_str(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static json_t *default_routes(void)
{
	return json_pack("[{s:s, s:s}]", "dst", "0.0.0.0/0", "gw", CNI_POD_GATEWAY);
}

static json_t *legacy_result(const char *addr, const char *version_str)
{
	return json_pack("{s:s, s:{s:s, s:s, s:o}, s:{}}", "cniVersion", version_str, "ip4", "ip",
			 addr, "gateway", CNI_POD_GATEWAY, "routes", default_routes(), "dns");
}

static json_t *interfaces(const struct cni_pod_result *r, enum cni_ver v)
{
	char hm[18], pm[18];
	json_t *pod;

	mac_str(r->host_mac, hm);
	mac_str(r->pod_mac, pm);
	pod = json_pack("{s:s, s:s, s:s}", "name", r->pod_ifname, "mac", pm, "sandbox", r->sandbox);
	if (pod && v >= CNI_V110 && r->mtu > 0 && json_object_set_new(pod, "mtu", json_integer(r->mtu))) {
		json_decref(pod);
		return NULL;
	}
	return json_pack("[{s:s, s:s}, o]", "name", r->host_ifname, "mac", hm, pod);
}

char *cni_result_json(const struct cni_pod_result *r, enum cni_ver v, const char *version_str)
{
	char ip[NET_IP4_STRLEN], addr[NET_IP4_STRLEN + 3];
	json_t *doc, *ip_obj;
	char *s = NULL;

	net_ip4_format(r->ip4, ip);
	snprintf(addr, sizeof(addr), "%s/32", ip);
	if (v <= CNI_V020) {
		doc = legacy_result(addr, version_str);
	} else {
		ip_obj = json_pack("{s:s, s:s, s:i}", "address", addr, "gateway", CNI_POD_GATEWAY,
				   "interface", 1);
		if (ip_obj && v < CNI_V100 && json_object_set_new(ip_obj, "version", json_string("4"))) {
			json_decref(ip_obj);
			ip_obj = NULL;
		}
		doc = json_pack("{s:s, s:o, s:[o], s:o, s:{}}", "cniVersion", version_str, "interfaces",
				interfaces(r, v), "ips", ip_obj, "routes", default_routes(), "dns");
	}
	if (doc)
		s = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	return s;
}

static int addr4(const char *s, uint32_t *ret)
{
	struct net_cidr4 c;

	if (net_cidr4_parse(s, &c) == 0) {
		*ret = c.addr;
		return 0;
	}
	return net_ip4_parse(s, ret);
}

int cni_result_from_prev(json_t *prev, struct cni_pod_result *ret, struct cni_err *err)
{
	struct cni_pod_result r = {0};
	json_t *ifs = json_object_get(prev, "interfaces"), *ips = json_object_get(prev, "ips"), *it;
	size_t i;
	bool have_ip = false;

	if (ifs && !json_is_array(ifs))
		return cni_err_set(err, CNI_ERR_DECODE, "prevResult: \"interfaces\" must be an array");
	json_array_foreach(ifs, i, it) {
		const char *name = json_string_value(json_object_get(it, "name"));
		const char *sandbox = json_string_value(json_object_get(it, "sandbox"));

		if (!name || strlen(name) >= CNI_IFNAME_MAX)
			continue;
		if ((!sandbox || !*sandbox) && !r.host_ifname[0])
			strcpy(r.host_ifname, name);
		else if (sandbox && *sandbox && !r.pod_ifname[0])
			strcpy(r.pod_ifname, name);
	}
	if (ips && !json_is_array(ips))
		return cni_err_set(err, CNI_ERR_DECODE, "prevResult: \"ips\" must be an array");
	json_array_foreach(ips, i, it) {
		const char *a = json_string_value(json_object_get(it, "address"));

		if (a && addr4(a, &r.ip4) == 0) {
			have_ip = true;
			break;
		}
	}
	if (!have_ip) {
		const char *a = json_string_value(json_object_get(json_object_get(prev, "ip4"), "ip"));
		have_ip = a && addr4(a, &r.ip4) == 0;
	}
	if (!have_ip)
		return cni_err_set(err, CNI_ERR_DECODE, "prevResult holds no IPv4 address");
	*ret = r;
	return 0;
}

void cni_host_veth_name(const char *prefix, const struct cni_env *env, char ret[CNI_IFNAME_MAX])
{
	char key[CNI_K8S_NAME_MAX * 2 + CNI_ID_MAX];
	uint8_t md[CNI_SHA1_LEN];
	int n;

	if (env->pod_name[0])
		n = snprintf(key, sizeof(key), "%s.%s", env->pod_namespace, env->pod_name);
	else
		n = snprintf(key, sizeof(key), "%s.%s", env->container_id, env->ifname);
	if (n < 0)
		memset(md, 0, sizeof(md));
	else
		cni_sha1(key, strlen(key), md);
	size_t p = strlen(prefix);
	memcpy(ret, prefix, p);
	for (size_t i = 0; i < 11; i++)
		ret[p + i] = "0123456789abcdef"[(md[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
	ret[p + 11] = '\0';
}
