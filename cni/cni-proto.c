/* cni-proto: vpc-cni <-> vpc-ipamd messages (see cni-proto.h). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cni/cni-proto.h"
#include "lib/util/util.h"

static const char *const op_names[] = {
    [CNI_OP_ADD] = "ADD", [CNI_OP_DEL] = "DEL",		[CNI_OP_CHECK] = "CHECK",
    [CNI_OP_GC] = "GC",	  [CNI_OP_STATUS] = "STATUS",
};

const char *cni_proto_op_str(enum cni_proto_op op)
{
	return (size_t)op < sizeof(op_names) / sizeof(op_names[0]) ? op_names[op] : "?";
}

static char *dump(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

char *cni_proto_req_encode(const struct cni_proto_req *q)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "version",
			      CNI_PROTO_VERSION, "op", cni_proto_op_str(q->op), "network", q->network,
			      "containerID", q->container_id, "ifName", q->ifname, "netns", q->netns,
			      "podName", q->pod_name, "podNamespace", q->pod_namespace, "reason",
			      q->reason);
	if (o && q->op == CNI_OP_GC) {
		json_t *a = json_array();

		for (size_t i = 0; a && i < q->n_valid; i++)
			if (json_array_append_new(a, json_pack("{s:s, s:s}", "containerID",
								q->valid[i].container_id, "ifName",
								q->valid[i].ifname))) {
				json_decref(a);
				a = NULL;
			}
		if (!a || json_object_set_new(o, "valid", a)) {
			json_decref(o);
			return NULL;
		}
	}
	return dump(o);
}

char *cni_proto_resp_encode(const struct cni_proto_resp *p)
{
	char ip[NET_IP4_STRLEN], node[NET_IP4_STRLEN], cidr[NET_CIDR4_STRLEN];
	json_t *o, *cidrs;

	if (!p->ok)
		return dump(json_pack("{s:s, s:b, s:i, s:s}", "version", CNI_PROTO_VERSION, "ok", 0,
				      "code", p->code, "msg", p->msg));
	cidrs = json_array();
	for (size_t i = 0; cidrs && i < p->n_vpc_cidrs; i++)
		if (json_array_append_new(cidrs, json_string(net_cidr4_format(p->vpc_cidrs[i], cidr)))) {
			json_decref(cidrs);
			cidrs = NULL;
		}
	o = json_pack("{s:s, s:b, s:s, s:i, s:i, s:b, s:s, s:o, s:i}", "version", CNI_PROTO_VERSION,
		      "ok", 1, "ipv4", net_ip4_format(p->ip4, ip), "deviceNumber", p->device_number,
		      "routeTable", p->route_table, "externalSnat", p->external_snat, "nodeIp",
		      net_ip4_format(p->node_ip, node), "vpcCidrs", cidrs, "mtu", p->mtu);
	return dump(o);
}

static json_t *load(const char *buf, size_t len, struct cni_err *err)
{
	json_error_t jerr;
	json_t *o;

	if (len > CNI_PROTO_MAX_BYTES) {
		cni_err_set(err, CNI_ERR_DECODE, "ipamd message larger than %u bytes",
			    CNI_PROTO_MAX_BYTES);
		return NULL;
	}
	o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o || !json_is_object(o)) {
		cni_err_set(err, CNI_ERR_DECODE, "ipamd message is not a JSON object%s%s",
			    o ? "" : ": ", o ? "" : jerr.text);
		json_decref(o);
		return NULL;
	}
	const char *v = json_string_value(json_object_get(o, "version"));
	if (!v || strcmp(v, CNI_PROTO_VERSION) != 0) {
		cni_err_set(err, CNI_ERR_PROTO_VERSION,
			    "vpc-cni and vpc-ipamd are different versions (message \"%.32s\", "
			    "expected \"%s\"): install both from one build",
			    v ? v : "none", CNI_PROTO_VERSION);
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Copy string member key (absent: "") into dst; too long or not a string: error. */
static int get_str(json_t *o, const char *key, char *dst, size_t size, struct cni_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!v) {
		dst[0] = '\0';
		return 0;
	}
	if (!json_is_string(v) || util_strscpy(dst, json_string_value(v), size) < 0)
		return cni_err_set(err, CNI_ERR_DECODE,
				   "ipamd message: \"%s\" must be a string of at most %zu bytes", key,
				   size - 1);
	return 0;
}

static int decode_valid(json_t *o, struct cni_proto_req *q, struct cni_err *err)
{
	json_t *a = json_object_get(o, "valid"), *it;
	size_t i, bytes = 0;

	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > 65536)
		return cni_err_set(err, CNI_ERR_DECODE, "ipamd message: \"valid\" must be an array");
	json_array_foreach(a, i, it) {
		const char *id = json_string_value(json_object_get(it, "containerID"));
		const char *ifn = json_string_value(json_object_get(it, "ifName"));

		if (!id || !ifn || strlen(id) >= CNI_ID_MAX || strlen(ifn) >= CNI_IFNAME_MAX)
			return cni_err_set(err, CNI_ERR_DECODE,
					   "ipamd message: valid[%zu] needs containerID and ifName", i);
		bytes += strlen(id) + strlen(ifn) + 2;
	}
	q->valid = calloc(json_array_size(a) + 1, sizeof(*q->valid));
	q->valid_strings = malloc(bytes + 1);
	q->owns_valid = true;
	if (!q->valid || !q->valid_strings)
		return cni_err_set(err, CNI_ERR_IO, "out of memory");
	char *p = q->valid_strings;
	json_array_foreach(a, i, it) {
		const char *id = json_string_value(json_object_get(it, "containerID"));
		const char *ifn = json_string_value(json_object_get(it, "ifName"));

		q->valid[i].container_id = strcpy(p, id);
		p += strlen(id) + 1;
		q->valid[i].ifname = strcpy(p, ifn);
		p += strlen(ifn) + 1;
	}
	q->n_valid = json_array_size(a);
	return 0;
}

void cni_proto_req_clear(struct cni_proto_req *req)
{
	if (!req || !req->owns_valid)
		return;
	free(req->valid);
	free(req->valid_strings);
	req->valid = NULL;
	req->valid_strings = NULL;
	req->n_valid = 0;
	req->owns_valid = false;
}

int cni_proto_req_decode(const char *buf, size_t len, struct cni_proto_req *ret_req,
			 struct cni_err *err)
{
	struct cni_proto_req q = {0};
	json_t *o = load(buf, len, err);
	const char *op;
	size_t i;
	int e = -EINVAL;

	if (!o)
		return -EINVAL;
	op = json_string_value(json_object_get(o, "op"));
	for (i = 0; op && i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (strcmp(op, op_names[i]) == 0)
			break;
	if (!op || i == sizeof(op_names) / sizeof(op_names[0])) {
		cni_err_set(err, CNI_ERR_DECODE, "ipamd message: unknown \"op\"");
		goto out;
	}
	q.op = (enum cni_proto_op)i;
	if ((e = get_str(o, "network", q.network, sizeof(q.network), err)) < 0 ||
	    (e = get_str(o, "containerID", q.container_id, sizeof(q.container_id), err)) < 0 ||
	    (e = get_str(o, "ifName", q.ifname, sizeof(q.ifname), err)) < 0 ||
	    (e = get_str(o, "netns", q.netns, sizeof(q.netns), err)) < 0 ||
	    (e = get_str(o, "podName", q.pod_name, sizeof(q.pod_name), err)) < 0 ||
	    (e = get_str(o, "podNamespace", q.pod_namespace, sizeof(q.pod_namespace), err)) < 0 ||
	    (e = get_str(o, "reason", q.reason, sizeof(q.reason), err)) < 0 ||
	    (q.op == CNI_OP_GC && (e = decode_valid(o, &q, err)) < 0))
		goto out;
	*ret_req = q;
	q.owns_valid = false;
	e = 0;
out:
	cni_proto_req_clear(&q);
	json_decref(o);
	return e;
}

static int get_int(json_t *o, const char *key, long min, long max, int *ret, struct cni_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return cni_err_set(err, CNI_ERR_DECODE,
				   "ipamd message: \"%s\" must be an integer from %ld to %ld", key, min,
				   max);
	*ret = (int)json_integer_value(v);
	return 0;
}

static int get_ip(json_t *o, const char *key, uint32_t *ret, struct cni_err *err)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s || net_ip4_parse(s, ret) < 0)
		return cni_err_set(err, CNI_ERR_DECODE, "ipamd message: \"%s\" must be an IPv4 address",
				   key);
	return 0;
}

static int decode_ok(json_t *o, struct cni_proto_resp *p, struct cni_err *err)
{
	json_t *cidrs = json_object_get(o, "vpcCidrs"), *it;
	size_t i;
	int e;

	if ((e = get_ip(o, "ipv4", &p->ip4, err)) < 0 || (e = get_ip(o, "nodeIp", &p->node_ip, err)) < 0 ||
	    (e = get_int(o, "deviceNumber", 0, 1024, &p->device_number, err)) < 0 ||
	    (e = get_int(o, "routeTable", 0, 0x7fffffff, &p->route_table, err)) < 0 ||
	    (e = get_int(o, "mtu", 0, 9001, &p->mtu, err)) < 0)
		return e;
	if (!json_is_boolean(json_object_get(o, "externalSnat")))
		return cni_err_set(err, CNI_ERR_DECODE, "ipamd message: \"externalSnat\" must be a boolean");
	p->external_snat = json_is_true(json_object_get(o, "externalSnat"));
	if (!json_is_array(cidrs) || json_array_size(cidrs) > CNI_PROTO_VPC_CIDRS_MAX)
		return cni_err_set(err, CNI_ERR_DECODE, "ipamd message: \"vpcCidrs\" must be an array of "
				   "at most %d CIDRs", CNI_PROTO_VPC_CIDRS_MAX);
	json_array_foreach(cidrs, i, it) {
		if (!json_is_string(it) || net_cidr4_parse(json_string_value(it), &p->vpc_cidrs[i]) < 0)
			return cni_err_set(err, CNI_ERR_DECODE, "ipamd message: vpcCidrs[%zu] is not a CIDR",
					   i);
	}
	p->n_vpc_cidrs = json_array_size(cidrs);
	return 0;
}

int cni_proto_resp_decode(const char *buf, size_t len, struct cni_proto_resp *ret_resp,
			  struct cni_err *err)
{
	struct cni_proto_resp p = {0};
	json_t *o = load(buf, len, err);
	int e = -EINVAL;

	if (!o)
		return -EINVAL;
	if (!json_is_boolean(json_object_get(o, "ok"))) {
		cni_err_set(err, CNI_ERR_DECODE, "ipamd message: \"ok\" must be a boolean");
		goto out;
	}
	p.ok = json_is_true(json_object_get(o, "ok"));
	if (!p.ok) {
		if ((e = get_int(o, "code", 1, 999, &p.code, err)) < 0 ||
		    (e = get_str(o, "msg", p.msg, sizeof(p.msg), err)) < 0)
			goto out;
	} else if ((e = decode_ok(o, &p, err)) < 0) {
		goto out;
	}
	*ret_resp = p;
	e = 0;
out:
	json_decref(o);
	return e;
}
