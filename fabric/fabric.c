/* fabric: plumbing and data path kept in step with the model (see fabric.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/random.h>

#include "fabric/dns.h"
#include "fabric/fabric.h"
#include "fabric/imds-http.h"
#include "fabric/netns.h"
#include "fabric/outside.h"
#include "fabric/svc.h"
#include "lib/util/util.h"

struct fabric {
	struct fabric_config cfg; /* its strings point at the copies below */
	char ns_prefix[64], link_prefix[16], fabric_ns[256], svc_ns[256];
	struct plumb *plumb;
	struct outside *outside;
	struct eng_state *state;
	struct fabric_dp *dp;
	bool running;
	struct svc_port svc; /* the data path's SERVICE port */
	bool svc_ready;
	struct imds_http *imds;
	struct dns_server *dns;
	uint32_t *dns_addrs; /* the VPCs' base + 2 held by the service link, sorted */
	size_t n_dns_addrs;
	fabric_model_fn model_fn;
	void *model_userdata;
	struct imds_key imds_key; /* a copy of cfg.imds_key */
	bool has_imds_key;
	/*
	 * The last reconcile's ports, reused while the model asks plumb for
	 * the same thing (plumb_model_digest): tags, rules and routes change
	 * no namespace or link.  Every FABRIC_RECONCILE_EVERY-th apply
	 * reconciles regardless, so drift in the kernel is repaired.
	 */
	uint64_t plumb_digest; /* 0: reconcile next time (none yet, or it had errors) */
	struct fabric_port *plumb_ports;
	size_t n_plumb_ports;
	unsigned plumb_reuses;
};

enum { FABRIC_RECONCILE_EVERY = 16 };

void fabric_config_default(struct fabric_config *cfg)
{
	*cfg = (struct fabric_config){.ns_prefix = "", .link_prefix = "ovf",
				      .fabric_ns = "openvpc-fabric", .svc_ns = "openvpc-svc"};
}

int fabric_new(const struct fabric_config *cfg, struct fabric **ret)
{
	struct plumb_config pc = {.ns_prefix = cfg->ns_prefix, .link_prefix = cfg->link_prefix,
				  .fabric_ns = cfg->fabric_ns, .mtu = cfg->mtu};
	struct outside_config oc = {.ns_prefix = cfg->ns_prefix, .fabric_ns = cfg->fabric_ns,
				    .link_prefix = cfg->link_prefix, .mtu = cfg->mtu};
	struct eng_limits lim;
	struct fabric *f = calloc(1, sizeof(*f));
	int e;

	if (!f)
		return -ENOMEM;
	f->cfg = *cfg;
	/* The caller's strings need not outlive this call. */
	if (util_strscpy(f->ns_prefix, cfg->ns_prefix ? cfg->ns_prefix : "", sizeof(f->ns_prefix)) < 0 ||
	    util_strscpy(f->link_prefix, cfg->link_prefix ? cfg->link_prefix : "", sizeof(f->link_prefix)) < 0 ||
	    util_strscpy(f->fabric_ns, cfg->fabric_ns ? cfg->fabric_ns : "", sizeof(f->fabric_ns)) < 0 ||
	    util_strscpy(f->svc_ns, cfg->svc_ns ? cfg->svc_ns : "openvpc-svc", sizeof(f->svc_ns)) < 0) {
		free(f);
		return -EINVAL;
	}
	f->cfg.ns_prefix = f->ns_prefix;
	f->cfg.link_prefix = f->link_prefix;
	f->cfg.fabric_ns = f->fabric_ns;
	f->cfg.svc_ns = f->svc_ns;
	if (cfg->imds_key) {
		f->imds_key = *cfg->imds_key;
		f->has_imds_key = true;
	}
	f->cfg.imds_key = NULL;
	e = plumb_new(&pc, &f->plumb);
	if (e < 0) {
		free(f);
		return e;
	}
	e = outside_new(&oc, &f->outside);
	if (e < 0) {
		fabric_free(f, false);
		return e;
	}
	eng_limits_default(&lim);
	f->state = eng_state_new(&lim);
	if (!f->state) {
		fabric_free(f, false);
		return -ENOMEM;
	}
	*ret = f;
	return 0;
}

/* The data path's view of the plumbed ENIs (their subnets for ARP). */
static int dp_ports(const struct model *m, const struct fabric_port *ports, size_t n,
		    const struct fabric_dp_port *gws, size_t n_gws, const struct svc_port *svc,
		    struct fabric_dp_port **ret)
{
	struct fabric_dp_port *out = calloc(n + n_gws + 2, sizeof(*out));
	size_t k = 0;

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct model_subnet *sn = model_find_subnet(m, ports[i].subnet_id);

		if (!sn)
			continue;
		out[k] = (struct fabric_dp_port){.kind = FABRIC_DP_PORT_ENI,
						 .ifindex = ports[i].ifindex, .subnet = sn->cidr};
		memcpy(out[k].id, ports[i].eni_id, sizeof(out[k].id));
		memcpy(out[k].mac, ports[i].mac, 6);
		k++;
	}
	for (size_t i = 0; i < n_gws; i++)
		out[k++] = gws[i];
	if (svc) {
		out[k] = (struct fabric_dp_port){.kind = FABRIC_DP_PORT_SERVICE, .ifindex = svc->ifindex};
		memcpy(out[k].id, "svc", 4);
		memcpy(out[k].mac, svc->mac, 6);
		k++;
	}
	*ret = out;
	return (int)k;
}

/*
 * First apply: create the data path with its ports and generation already
 * set, then start its thread inside the fabric namespace, so that no frame
 * is ever seen without both.
 */
static int start(struct fabric *f, struct eng_gen *gen, const struct fabric_dp_port *ports,
		 size_t n)
{
	struct fabric_dp_config dc;
	int fd = netns_open(plumb_fabric_ns(f->plumb)), e;

	if (fd < 0)
		return fd;
	fabric_dp_config_default(&dc);
	dc.netns_fd = fd;
	dc.flowlog_fn = f->cfg.flowlog_fn;
	dc.flowlog_userdata = f->cfg.flowlog_userdata;
	dc.flowlog_interval_override_s = f->cfg.flowlog_interval_override_s;
	e = fabric_dp_new(&dc, f->state, &f->dp);
	if (e == 0)
		e = fabric_dp_set_ports(f->dp, ports, n);
	if (e == 0) {
		fabric_dp_publish(f->dp, gen);
		e = fabric_dp_start(f->dp);
	}
	close(fd);
	if (e < 0) {
		f->dp = fabric_dp_free(f->dp);
		return e;
	}
	f->running = true;
	return 0;
}

/* IMDS: the client address is a service-pool address that names the ENI. */
static int imds_who(void *ud, uint32_t ip, char ret_eni[MODEL_ID_LEN])
{
	struct fabric *f = ud;
	uint32_t private_ip;

	return fabric_dp_service_peer(f->dp, ip, ret_eni, &private_ip);
}

static int imds_model(void *ud, void (*cb)(void *, const struct model *), void *cb_ud)
{
	struct fabric *f = ud;

	return f->model_fn(f->model_userdata, cb, cb_ud);
}

/* The Instance Metadata Service, once the data path runs (best effort: instances work without). */
static void start_imds(struct fabric *f)
{
	struct imds_http_config c = {.who = imds_who, .with_model = imds_model, .userdata = f};
	int fd;

	if (!f->svc_ready || !f->model_fn || f->imds)
		return;
	if (f->has_imds_key)
		c.key = f->imds_key;
	else if (getrandom(c.key.bytes, sizeof(c.key.bytes), 0) != (ssize_t)sizeof(c.key.bytes))
		return;
	fd = svc_listen(f->cfg.svc_ns, SVC_IMDS_ADDR, 80);
	if (fd < 0)
		return;
	c.listen_fd = fd;
	if (imds_http_start(&c, &f->imds) < 0)
		close(fd);
}

/* The Amazon DNS server, once the data path runs (best effort, like IMDS). */
static void start_dns(struct fabric *f)
{
	struct dns_server_config c = {.who = imds_who, .with_model = imds_model, .userdata = f};

	if (!f->svc_ready || !f->model_fn || f->dns)
		return;
	c.fd = svc_udp(f->cfg.svc_ns, 53);
	if (c.fd < 0)
		return;
	if (dns_server_start(&c, &f->dns) < 0)
		close(c.fd);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The service link holds every VPC's DNS address (base + 2 of the primary
 * CIDR; the engine sends those to the service port).  0 or -errno.
 */
static int sync_dns_addrs(struct fabric *f, const struct model *m)
{
	uint32_t *want = calloc(m->n_vpcs ? m->n_vpcs : 1, sizeof(*want));
	size_t n = 0;
	int e;

	if (!want)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_vpcs; i++)
		if (m->vpcs[i]->n_cidrs)
			want[n++] = m->vpcs[i]->cidrs[0].cidr.addr + 2;
	qsort(want, n, sizeof(*want), cmp_u32);
	if (n > 1) { /* overlapping VPCs share their DNS address */
		size_t k = 1;

		for (size_t i = 1; i < n; i++)
			if (want[i] != want[k - 1])
				want[k++] = want[i];
		n = k;
	}
	if (n == f->n_dns_addrs && (n == 0 || memcmp(want, f->dns_addrs, n * sizeof(*want)) == 0)) {
		free(want);
		return 0;
	}
	e = svc_sync_addrs(f->cfg.svc_ns, want, n, f->dns_addrs, f->n_dns_addrs);
	if (e < 0) {
		free(want);
		return e;
	}
	free(f->dns_addrs);
	f->dns_addrs = want;
	f->n_dns_addrs = n;
	return 0;
}

int fabric_apply(struct fabric *f, const struct model *m, struct fabric_report *ret_report)
{
	struct fabric_report rep = {0};
	struct fabric_port *ports = NULL;
	struct fabric_dp_port *dports = NULL, *gws = NULL;
	struct eng_gen *gen = NULL;
	size_t n = 0, n_gws = 0;
	uint64_t digest;
	int e, nd;

	if ((e = eng_compile(m, &gen)) < 0)
		return e;
	digest = plumb_model_digest(f->plumb, m);
	if (f->running && digest && digest == f->plumb_digest &&
	    f->plumb_reuses < FABRIC_RECONCILE_EVERY) {
		f->plumb_reuses++;
	} else {
		if ((e = plumb_reconcile(f->plumb, m, &rep.plumb, &ports, &n)) < 0) {
			f->plumb_digest = 0;
			goto out;
		}
		fabric_ports_free(f->plumb_ports);
		f->plumb_ports = ports;
		f->n_plumb_ports = n;
		f->plumb_digest = rep.plumb.errors ? 0 : digest;
		f->plumb_reuses = 0;
	}
	ports = f->plumb_ports;
	n = f->n_plumb_ports;
	/* Gateways (internet, onprem): their failures are counted, never fatal. */
	if ((e = outside_reconcile(f->outside, m, &rep.outside, &gws, &n_gws)) < 0) {
		rep.outside = (struct outside_counts){.errors = 1, .first_error = e};
		gws = NULL;
		n_gws = 0;
	}
	if (!f->svc_ready) {
		char why[256];
		uint8_t router[6] = {0x02, 0x76, 0x70, 0x63, 0x00, 0x01}; /* dp's default router MAC */

		/* Without it instances have no IMDS: counted like a port error, not fatal. */
		int se = svc_setup(f->cfg.svc_ns, f->cfg.fabric_ns, router, &f->svc, why, sizeof(why));

		if (se == 0) {
			f->svc_ready = true;
		} else {
			rep.plumb.errors++;
			if (rep.plumb.first_error == 0)
				rep.plumb.first_error = se;
		}
	}
	if (f->svc_ready && (e = sync_dns_addrs(f, m)) < 0) {
		rep.plumb.errors++;
		if (rep.plumb.first_error == 0)
			rep.plumb.first_error = e;
	}
	if ((nd = dp_ports(m, ports, n, gws, n_gws, f->svc_ready ? &f->svc : NULL, &dports)) < 0) {
		e = nd;
		goto out;
	}
	rep.ports = (size_t)nd;
	if (!f->running) {
		if ((e = start(f, gen, dports, (size_t)nd)) < 0)
			goto out;
		rep.started = true;
		start_imds(f);
		start_dns(f);
	} else {
		/* Ports first: a new generation may name ENIs only the new table has. */
		e = fabric_dp_set_ports(f->dp, dports, (size_t)nd);
		fabric_dp_publish(f->dp, gen);
	}
	if (ret_report)
		*ret_report = rep;
out:
	free(dports);
	free(gws);
	eng_gen_unref(gen);
	return e;
}

void fabric_set_model_source(struct fabric *f, fabric_model_fn fn, void *userdata)
{
	f->model_fn = fn;
	f->model_userdata = userdata;
}

const char *fabric_svc_ns(const struct fabric *f)
{
	return f->cfg.svc_ns;
}

int fabric_stats(struct fabric *f, struct fabric_dp_stats *ret_stats)
{
	if (!f->dp)
		return -ESHUTDOWN;
	return fabric_dp_stats(f->dp, ret_stats);
}

int fabric_instance_ns(const struct fabric *f, const char *instance_id, char *buf, size_t size)
{
	return plumb_instance_ns_name(f->plumb, instance_id, buf, size);
}

struct fabric *fabric_free(struct fabric *f, bool teardown)
{
	if (!f)
		return NULL;
	f->imds = imds_http_stop(f->imds);
	f->dns = dns_server_stop(f->dns);
	f->dp = fabric_dp_free(f->dp);
	if (teardown && f->svc_ready)
		svc_teardown(f->cfg.svc_ns);
	if (teardown && f->outside)
		outside_teardown(f->outside);
	if (teardown && f->plumb)
		plumb_teardown(f->plumb, NULL);
	outside_free(f->outside);
	plumb_free(f->plumb);
	fabric_ports_free(f->plumb_ports);
	free(f->dns_addrs);
	eng_state_free(f->state);
	free(f);
	return NULL;
}
