/* fabric: plumbing and data path kept in step with the model (see fabric.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fabric/fabric.h"
#include "fabric/netns.h"
#include "fabric/outside.h"

struct fabric {
	struct fabric_config cfg;
	struct plumb *plumb;
	struct outside *outside;
	struct eng_state *state;
	struct fabric_dp *dp;
	bool running;
};

void fabric_config_default(struct fabric_config *cfg)
{
	*cfg = (struct fabric_config){.ns_prefix = "", .link_prefix = "ovf",
				      .fabric_ns = "openvpc-fabric"};
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
		    const struct fabric_dp_port *gws, size_t n_gws, struct fabric_dp_port **ret)
{
	struct fabric_dp_port *out = calloc(n + n_gws + 1, sizeof(*out));
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

int fabric_apply(struct fabric *f, const struct model *m, struct fabric_report *ret_report)
{
	struct fabric_report rep = {0};
	struct fabric_port *ports = NULL;
	struct fabric_dp_port *dports = NULL, *gws = NULL;
	struct eng_gen *gen = NULL;
	size_t n = 0, n_gws = 0;
	int e, nd;

	if ((e = eng_compile(m, &gen)) < 0)
		return e;
	if ((e = plumb_reconcile(f->plumb, m, &rep.plumb, &ports, &n)) < 0)
		goto out;
	/* Gateways (internet, onprem): their failures are counted, never fatal. */
	if ((e = outside_reconcile(f->outside, m, &rep.outside, &gws, &n_gws)) < 0) {
		rep.outside = (struct outside_counts){.errors = 1, .first_error = e};
		gws = NULL;
		n_gws = 0;
	}
	if ((nd = dp_ports(m, ports, n, gws, n_gws, &dports)) < 0) {
		e = nd;
		goto out;
	}
	rep.ports = (size_t)nd;
	if (!f->running) {
		if ((e = start(f, gen, dports, (size_t)nd)) < 0)
			goto out;
		rep.started = true;
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
	fabric_ports_free(ports);
	eng_gen_unref(gen);
	return e;
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
	f->dp = fabric_dp_free(f->dp);
	if (teardown && f->outside)
		outside_teardown(f->outside);
	if (teardown && f->plumb)
		plumb_teardown(f->plumb, NULL);
	outside_free(f->outside);
	plumb_free(f->plumb);
	eng_state_free(f->state);
	free(f);
	return NULL;
}
