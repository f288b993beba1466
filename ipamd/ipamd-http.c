/*
 * ipamd-http: Prometheus metrics (/metrics, the AWS plugin's awscni_* names)
 * and the introspection endpoint (/v1/enis: every ENI, its addresses and
 * which pod holds each) — two libmicrohttpd listeners, read-only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipamd/ipamd.h"
#include "lib/util/util.h"

char *ipamd_metrics_text(struct ipamd *d)
{
	struct ipam_stats s;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	pthread_mutex_lock(&d->lock);
	ipam_ds_stats(d->ds, ipamd_now_ms(), &s);
#define G(name, help, value)                                                                       \
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n%s %llu\n", name, help, name, name,                \
		(unsigned long long)(value))
#define C(name, help, value)                                                                       \
	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,              \
		(unsigned long long)(value))
	G("awscni_eni_max", "Maximum ENIs of the instance type", d->lim.max_enis);
	G("awscni_ip_max", "Maximum pod addresses of the node", d->lim.max_pods);
	G("awscni_eni_allocated", "ENIs attached", s.enis);
	G("awscni_total_ip_addresses", "Addresses in the pool", s.total);
	G("awscni_assigned_ip_addresses", "Addresses held by pods", s.assigned);
	G("awscni_total_ipv4_prefixes", "Delegated /28 prefixes", s.prefixes);
	G("openvpc_cooling_ip_addresses", "Addresses in their reuse cooldown", s.cooling);
	C("awscni_add_ip_req_count", "ADD requests", d->stats.add_req);
	C("awscni_del_ip_req_count", "DEL requests", d->stats.del_req);
	C("awscni_no_available_ip_addresses", "ADDs that found no free address", d->stats.no_ip);
	C("awscni_ec2api_req_count", "EC2 API calls", d->stats.ec2_calls);
	C("awscni_ec2api_error_count", "EC2 API errors", d->stats.ec2_errors);
	C("awscni_reconcile_count", "Warm pool checks", d->stats.reconciles);
	C("openvpc_enis_created", "ENIs created and attached", d->stats.enis_created);
	C("openvpc_enis_freed", "ENIs detached and deleted", d->stats.enis_freed);
#undef G
#undef C
	for (size_t i = 0; i < d->ds->n_enis; i++) {
		size_t n = 0;

		for (size_t k = 0; k < d->ds->enis[i].n_addrs; k++)
			n += d->ds->enis[i].addrs[k].assigned;
		fprintf(f, "awscni_assigned_ip_per_eni{eni=\"%s\"} %zu\n", d->ds->enis[i].id, n);
	}
	pthread_mutex_unlock(&d->lock);
	fclose(f);
	return out;
}

char *ipamd_introspection_json(struct ipamd *d)
{
	json_t *enis = json_array(), *doc;
	char ip[NET_CIDR4_STRLEN];
	struct ipam_stats s;
	char *out;

	pthread_mutex_lock(&d->lock);
	ipam_ds_stats(d->ds, ipamd_now_ms(), &s);
	for (size_t i = 0; i < d->ds->n_enis; i++) {
		const struct ipam_eni *e = &d->ds->enis[i];
		json_t *addrs = json_array(), *pfx = json_array();

		for (size_t k = 0; k < e->n_addrs; k++) {
			const struct ipam_addr *a = &e->addrs[k];
			json_t *o = json_pack("{s:s, s:b, s:b}", "Address", net_ip4_format(a->ip, ip),
					      "Assigned", a->assigned, "Cooling",
					      ipam_addr_cooling(a, ipamd_now_ms()));
			if (a->assigned)
				json_object_set_new(o, "IPAMKey",
						    json_pack("{s:s, s:s, s:s}", "networkName", a->key.network,
							      "containerID", a->key.container_id, "ifName",
							      a->key.ifname));
			json_array_append_new(addrs, o);
		}
		for (size_t p = 0; p < e->n_prefixes; p++)
			json_array_append_new(pfx, json_string(net_cidr4_format(e->prefixes[p], ip)));
		json_array_append_new(enis, json_pack("{s:s, s:i, s:b, s:s, s:o, s:o}", "ID", e->id,
						      "DeviceNumber", e->device, "IsPrimary", e->primary,
						      "PrimaryIP", net_ip4_format(e->primary_ip, ip),
						      "IPv4Addresses", addrs, "IPv4Prefixes", pfx));
	}
	doc = json_pack("{s:s, s:s, s:i, s:i, s:i, s:o}", "InstanceId", d->instance_id, "InstanceType",
			d->instance_type, "TotalIPs", (int)s.total, "AssignedIPs", (int)s.assigned,
			"MaxPods", d->lim.max_pods, "ENIs", enis);
	pthread_mutex_unlock(&d->lock);
	out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	return out;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *con, const char *url,
			       const char *method, const char *version, const char *upload_data,
			       size_t *upload_size, void **con_cls)
{
	struct ipamd *d = cls;
	const char *type = "text/plain; version=0.0.4";
	char *body = NULL;
	int status = 200;

	(void)version;
	(void)upload_data;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(method, "GET") != 0) {
		body = strdup("method not allowed\n");
		status = 405;
	} else if (strcmp(url, "/metrics") == 0) {
		body = ipamd_metrics_text(d);
	} else if (strcmp(url, "/v1/enis") == 0) {
		body = ipamd_introspection_json(d);
		type = "application/json";
	} else if (strcmp(url, "/") == 0) {
		body = strdup("/metrics\n/v1/enis\n");
	} else {
		body = strdup("not found\n");
		status = 404;
	}
	if (!body)
		return MHD_NO;
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	enum MHD_Result ok = MHD_queue_response(con, (unsigned)status, r);
	MHD_destroy_response(r);
	return ok;
}

static int start_one(struct ipamd *d, const char *addr, void **ret, char *why, size_t wsize)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char host[64];
	const char *colon = strrchr(addr, ':');
	long port;

	if (!colon || (size_t)(colon - addr) >= sizeof(host) || util_parse_long(colon + 1, 1, 65535, &port) < 0) {
		snprintf(why, wsize, "bad listen address \"%s\" (want IPv4:PORT)", addr);
		return -EINVAL;
	}
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		snprintf(why, wsize, "bad listen address \"%s\" (want IPv4:PORT)", addr);
		return -EINVAL;
	}
	sa.sin_port = htons((uint16_t)port);
	*ret = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port, NULL, NULL, handler, d,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
	if (!*ret) {
		snprintf(why, wsize, "cannot listen on %s", addr);
		return -EADDRINUSE;
	}
	return 0;
}

int ipamd_http_start(struct ipamd *d, char *why, size_t wsize)
{
	int e = 0;

	if (d->cfg.metrics_addr[0] && (e = start_one(d, d->cfg.metrics_addr, &d->metrics_daemon, why, wsize)) < 0)
		return e;
	if (d->cfg.introspection_addr[0])
		e = start_one(d, d->cfg.introspection_addr, &d->introspection_daemon, why, wsize);
	return e;
}

void ipamd_http_stop(struct ipamd *d)
{
	if (d->metrics_daemon)
		MHD_stop_daemon(d->metrics_daemon);
	if (d->introspection_daemon)
		MHD_stop_daemon(d->introspection_daemon);
	d->metrics_daemon = d->introspection_daemon = NULL;
}
