/* ipamd-node: vpc-ipamd's start — the node from IMDS, its ENIs from EC2, the checkpoint. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <net/if.h>

#include "cni/cni-result.h"
#include "ipamd/ipam-ckpt.h"
#include "ipamd/ipamd.h"
#include "ipamd/node-net.h"
#include "lib/model/model.h"
#include "lib/util/util.h"

int64_t ipamd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ipamd_log(const char *level, const char *fmt, ...)
{
	va_list ap;
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;

	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	fprintf(stderr, "%s vpc-ipamd: %s: ", ts, level);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* One IMDS value into dst (trailing newline dropped). */
static int meta(struct ipamd *d, const char *path, char *dst, size_t size, char *why, size_t wsize)
{
	char *body = NULL;
	int e = imdsc_get(&d->imds, path, &body);

	if (e < 0) {
		snprintf(why, wsize, "IMDS %s%s: %s", d->imds.endpoint, path, strerror(-e));
		return e;
	}
	size_t n = strlen(body);
	while (n && (body[n - 1] == '\n' || body[n - 1] == '\r'))
		body[--n] = '\0';
	e = util_strscpy(dst, body, size);
	free(body);
	if (e < 0)
		snprintf(why, wsize, "IMDS %s: answer too long", path);
	return e < 0 ? -E2BIG : 0;
}

static int learn_node(struct ipamd *d, char *why, size_t wsize)
{
	char path[256], buf[4096], doc[4096];
	int e;

	if ((e = meta(d, "meta-data/instance-id", d->instance_id, sizeof(d->instance_id), why, wsize)) < 0 ||
	    (e = meta(d, "meta-data/instance-type", d->instance_type, sizeof(d->instance_type), why, wsize)) < 0 ||
	    (e = meta(d, "meta-data/placement/availability-zone", d->az, sizeof(d->az), why, wsize)) < 0 ||
	    (e = meta(d, "meta-data/mac", d->primary_mac, sizeof(d->primary_mac), why, wsize)) < 0 ||
	    (e = meta(d, "meta-data/local-ipv4", buf, sizeof(buf), why, wsize)) < 0)
		return e;
	if (net_ip4_parse(buf, &d->node_ip) < 0) {
		snprintf(why, wsize, "IMDS local-ipv4 \"%.32s\" is not an address", buf);
		return -EINVAL;
	}
#define MAC_PATH(leaf) (snprintf(path, sizeof(path), "meta-data/network/interfaces/macs/%s/" leaf, d->primary_mac), path)
	if ((e = meta(d, MAC_PATH("interface-id"), d->primary_eni, sizeof(d->primary_eni), why, wsize)) < 0 ||
	    (e = meta(d, MAC_PATH("subnet-id"), d->subnet_id, sizeof(d->subnet_id), why, wsize)) < 0 ||
	    (e = meta(d, MAC_PATH("vpc-id"), d->vpc_id, sizeof(d->vpc_id), why, wsize)) < 0 ||
	    (e = meta(d, MAC_PATH("subnet-ipv4-cidr-block"), buf, sizeof(buf), why, wsize)) < 0)
		return e;
	if (net_cidr4_parse(buf, &d->subnet) < 0) {
		snprintf(why, wsize, "IMDS subnet-ipv4-cidr-block \"%.32s\" is not a CIDR", buf);
		return -EINVAL;
	}
	if ((e = meta(d, MAC_PATH("vpc-ipv4-cidr-blocks"), buf, sizeof(buf), why, wsize)) < 0)
		return e;
	d->n_vpc_cidrs = 0;
	for (char *save = NULL, *t = strtok_r(buf, "\n", &save); t && d->n_vpc_cidrs < CNI_PROTO_VPC_CIDRS_MAX;
	     t = strtok_r(NULL, "\n", &save))
		if (net_cidr4_parse(t, &d->vpc_cidrs[d->n_vpc_cidrs]) == 0)
			d->n_vpc_cidrs++;
	if ((e = meta(d, MAC_PATH("security-group-ids"), buf, sizeof(buf), why, wsize)) < 0)
		return e;
#undef MAC_PATH
	d->n_sg_ids = 0;
	for (char *save = NULL, *t = strtok_r(buf, "\n", &save); t && d->n_sg_ids < IPAMD_SGS_MAX;
	     t = strtok_r(NULL, "\n", &save))
		util_strscpy(d->sg_ids[d->n_sg_ids++], t, sizeof(d->sg_ids[0]));
	if ((e = meta(d, "/latest/dynamic/instance-identity/document", doc, sizeof(doc), why, wsize)) < 0)
		return e;
	json_t *j = json_loads(doc, 0, NULL);
	const char *region = json_string_value(json_object_get(j, "region"));
	e = region ? util_strscpy(d->region, region, sizeof(d->region)) : -EINVAL;
	json_decref(j);
	if (e < 0)
		snprintf(why, wsize, "IMDS identity document has no region");
	return e < 0 ? -EINVAL : 0;
}

static int limits(struct ipamd *d, char *why, size_t wsize)
{
	const struct model_instance_type *t = model_instance_type_find(d->instance_type);

	if (!t) {
		snprintf(why, wsize, "instance type %s is not in the instance type table", d->instance_type);
		return -ENOENT;
	}
	d->lim.max_enis = t->max_enis;
	d->lim.ipv4_per_eni = t->ipv4_per_eni;
	d->lim.max_pods = model_instance_type_max_pods(t);
	if (d->cfg.pool.prefix_delegation) {
		int pd = t->max_enis * ((t->ipv4_per_eni - 1) * 16) + 2;
		d->lim.max_pods = pd > (t->vcpus <= 30 ? 110 : 250) ? (t->vcpus <= 30 ? 110 : 250) : pd;
	}
	return 0;
}

/* The node's ENIs from EC2 (not IMDS: EC2 is the truth), into the datastore. */
static int discover_enis(struct ipamd *d, char *why, size_t wsize)
{
	struct ec2c_filter f = {.name = "attachment.instance-id", .values = (const char *const[]){d->instance_id}, .n_values = 1};
	struct ec2c_describe q = {.filters = &f, .n_filters = 1};
	struct ec2c_eni_list list = {0};
	struct ec2c_error err = {0};
	int e = ec2c_describe_network_interfaces(d->ec2, &q, &list, &err);

	d->stats.ec2_calls++;
	if (e < 0) {
		snprintf(why, wsize, "DescribeNetworkInterfaces: %s %s", err.code, err.message);
		return e;
	}
	for (size_t i = 0; i < list.n_enis; i++) {
		const struct ec2c_eni *x = &list.enis[i];
		const char *nm = ec2c_eni_tag(x, "node.k8s.amazonaws.com/no_manage");
		struct net_cidr4 sn = d->subnet;
		char mwhy[256] = "";

		if ((nm && strcmp(nm, "true") == 0) || !x->attached)
			continue;
		if (strcmp(x->subnet_id, d->subnet_id) != 0) {
			/* Another subnet: its CIDR from EC2. */
			struct ec2c_subnet_list sl = {0};
			struct ec2c_describe sq = {.ids = (const char *const[]){x->subnet_id}, .n_ids = 1};
			if (ec2c_describe_subnets(d->ec2, &sq, &sl, &err) == 0 && sl.n_subnets == 1)
				sn = sl.subnets[0].cidr;
			ec2c_subnet_list_done(&sl);
		}
		e = ipam_ds_add_eni(d->ds, x->id, x->attachment.device_index, x->attachment.device_index == 0,
				    x->primary_ip, sn, 0);
		for (size_t k = 0; e == 0 && k < x->n_secondary_ips; k++)
			ipam_ds_add_ip(d->ds, x->id, x->secondary_ips[k]);
		for (size_t k = 0; e == 0 && k < x->n_prefixes; k++)
			ipam_ds_add_prefix(d->ds, x->id, x->prefixes[k]);
		if (e == 0 && x->attachment.device_index > 0 &&
		    node_eni_setup(x->mac, x->attachment.device_index, x->primary_ip, sn, d->cfg.mtu, mwhy,
				   sizeof(mwhy)) < 0)
			ipamd_log("warning", "ENI %s: %s", x->id, mwhy);
	}
	ec2c_eni_list_done(&list);
	return 0;
}

static void restore(struct ipamd *d)
{
	struct ipam_ckpt_entry *ents = NULL;
	size_t n = 0, kept = 0;
	char why[256] = "";

	if (ipam_ckpt_read(d->cfg.checkpoint_path, &ents, &n, why, sizeof(why)) < 0) {
		ipamd_log("error", "checkpoint %s: %s; starting without it (allocations are lost, "
				   "not doubled)", d->cfg.checkpoint_path, why);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char ip[NET_IP4_STRLEN], veth[CNI_IFNAME_MAX];
		struct cni_env who = {0};

		/*
		 * A pod whose host veth is gone was deleted while ipamd was down (the
		 * plugin's DEL then succeeds from prevResult): its address comes back,
		 * as the AWS plugin reclaims it at start.
		 */
		util_strscpy(who.pod_namespace, ents[i].pod_namespace, sizeof(who.pod_namespace));
		util_strscpy(who.pod_name, ents[i].pod_name, sizeof(who.pod_name));
		util_strscpy(who.container_id, ents[i].key.container_id, sizeof(who.container_id));
		util_strscpy(who.ifname, ents[i].key.ifname, sizeof(who.ifname));
		cni_host_veth_name(d->cfg.veth_prefix, &who, veth);
		if (if_nametoindex(veth) == 0) {
			ipamd_log("info", "checkpoint: %s of %s released (its host veth %s is gone)",
				  net_ip4_format(ents[i].ip, ip), ents[i].key.container_id, veth);
			continue;
		}
		int e = ipam_ds_restore(d->ds, &ents[i].key, ents[i].ip, ents[i].assigned_ms,
					ents[i].pod_namespace, ents[i].pod_name);

		if (e == 0)
			kept++;
		else
			ipamd_log("warning", "checkpoint: %s of %s dropped (%s)", net_ip4_format(ents[i].ip, ip),
				  ents[i].key.container_id,
				  e == -EEXIST ? "held by another allocation" : "no longer on this node");
	}
	ipamd_log("info", "checkpoint: %zu allocation(s) restored, %zu dropped", kept, n - kept);
	free(ents);
}

int ipamd_checkpoint(struct ipamd *d)
{
	int e = ipam_ckpt_write(d->cfg.checkpoint_path, d->ds);

	if (e == 0)
		ipam_ckpt_log_reset(&d->ckpt_log);
	return e;
}

int ipamd_checkpoint_change(struct ipamd *d, const struct ipam_key *k, const struct ipam_lease *l,
			    const char *pod_namespace, const char *pod_name)
{
	if (d->ckpt_log.records >= IPAM_CKPT_JOURNAL_MAX)
		return ipamd_checkpoint(d); /* the datastore already holds this change */
	if (!l)
		return ipam_ckpt_log_del(&d->ckpt_log, d->cfg.checkpoint_path, k);
	struct ipam_ckpt_entry ent = {.key = *k, .ip = l->ip, .assigned_ms = l->assigned_ms};
	util_strscpy(ent.pod_namespace, pod_namespace ? pod_namespace : "", sizeof(ent.pod_namespace));
	util_strscpy(ent.pod_name, pod_name ? pod_name : "", sizeof(ent.pod_name));
	return ipam_ckpt_log_add(&d->ckpt_log, d->cfg.checkpoint_path, &ent);
}

int ipamd_node_init(struct ipamd *d, char *why, size_t wsize)
{
	struct ec2c_config ec = d->cfg.ec2;
	int e;

	if ((e = imdsc_init(&d->imds, d->cfg.imds_endpoint[0] ? d->cfg.imds_endpoint : NULL)) < 0 ||
	    (e = learn_node(d, why, wsize)) < 0 || (e = limits(d, why, wsize)) < 0)
		return e;
	if (!ec.region[0] || getenv("AWS_REGION") == NULL)
		util_strscpy(ec.region, d->region, sizeof(ec.region));
	if ((e = ec2c_new(&ec, NULL, &d->ec2)) < 0) {
		snprintf(why, wsize, "EC2 client (endpoint %s): %s", ec.endpoint, strerror(-e));
		return e;
	}
	d->ds = ipam_ds_new(d->cfg.cooldown_ms);
	if (!d->ds)
		return -ENOMEM;
	if ((e = discover_enis(d, why, wsize)) < 0)
		return e;
	restore(d);
	if ((e = ipamd_checkpoint(d)) < 0) {
		snprintf(why, wsize, "cannot write the checkpoint %s: %s", d->cfg.checkpoint_path, strerror(-e));
		return e;
	}
	if ((e = node_sysctls(why, wsize)) < 0)
		return e;
	if ((e = node_snat_setup(d->node_ip, d->vpc_cidrs, d->n_vpc_cidrs, d->cfg.exclude_snat,
				 d->cfg.n_exclude_snat, d->cfg.external_snat, why, wsize)) < 0)
		return e;
	char ip[NET_IP4_STRLEN];
	ipamd_log("info", "node %s (%s, %s, %s): %s, %zu ENI(s), max pods %d, max ENIs %d x %d IPv4", d->instance_id,
		  d->instance_type, d->az, d->region, net_ip4_format(d->node_ip, ip), d->ds->n_enis,
		  d->lim.max_pods, d->lim.max_enis, d->lim.ipv4_per_eni);
	d->ready = true;
	return 0;
}
