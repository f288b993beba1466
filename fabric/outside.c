/* outside: the internet and onprem sides of the fabric (see outside.h). */
#include "fabric/outside.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vxlan.h>

#include "fabric/netns.h"
#include "fabric/plumb-link.h"
#include "lib/util/util.h"

#define UNDERLAY_FABRIC "gu0"
#define UNDERLAY_ONPREM "ul0"
#define UNDERLAY_ALIAS	"openvpc-vpn-underlay"
#define UNDERLAY_NET	0xa9fefe00u /* 169.254.254.0/30: .1 fabric, .2 onprem */
#define MAX_ROUTES	4096	    /* routes per outside namespace */
#define MAX_GWS		64	    /* IGWs, VGWs: beyond, counted as -E2BIG errors */

struct outside {
	char internet_ns[NETNS_NAME_MAX + 1];
	char onprem_ns[NETNS_NAME_MAX + 1];
	char fabric_ns[NETNS_NAME_MAX + 1];
	unsigned mtu;
};

struct want_gw {
	const char *id;
	const char *vpc_id;
	uint64_t hash;
	char fname[IF_NAMESIZE]; /* fabric side */
	char oname[IF_NAMESIZE]; /* internet or onprem side */
	uint8_t mac[6];		 /* outside end */
	uint32_t vni;		 /* VGW */
	int f_ifindex, o_ifindex;
};

struct want_route {
	uint32_t dst;
	uint8_t len;
	size_t gw;
};

struct desired {
	struct want_gw igws[MAX_GWS], vgws[MAX_GWS];
	size_t n_igws, n_vgws;
	struct want_route *iroutes, *oroutes;
	size_t n_iroutes, n_oroutes;
	bool truncated; /* more gateways or routes than the limits */
};

/* One run: sockets and counts. */
struct run {
	struct outside *o;
	int fabric_fd;
	struct nl_sock *fabric_sk;
	struct outside_counts c;
};

static void run_error(struct run *run, int e)
{
	run->c.errors++;
	if (!run->c.first_error)
		run->c.first_error = e;
}

static void gw_name(char buf[IF_NAMESIZE], const char *prefix, uint64_t h)
{
	snprintf(buf, IF_NAMESIZE, "%s%013llx", prefix,
		 (unsigned long long)(h & 0xfffffffffffffull));
}

int outside_new(const struct outside_config *cfg, struct outside **ret)
{
	static const char *const ours[] = {"gi", "gv", "gu"};
	const char *pre;
	struct outside *o;

	if (!cfg || !cfg->fabric_ns || !ret || !netns_name_valid(cfg->fabric_ns))
		return -EINVAL;
	if (cfg->link_prefix && cfg->link_prefix[0])
		for (size_t i = 0; i < 3; i++)
			if (strncmp(ours[i], cfg->link_prefix,
				    strnlen(cfg->link_prefix, IF_NAMESIZE)) == 0 ||
			    strncmp(cfg->link_prefix, ours[i], 2) == 0)
				return -EINVAL;
	pre = cfg->ns_prefix && cfg->ns_prefix[0] ? cfg->ns_prefix : "openvpc-";
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	if (snprintf(o->internet_ns, sizeof(o->internet_ns), "%sinternet", pre) >=
		(int)sizeof(o->internet_ns) ||
	    snprintf(o->onprem_ns, sizeof(o->onprem_ns), "%sonprem", pre) >=
		(int)sizeof(o->onprem_ns) ||
	    !netns_name_valid(o->internet_ns) || !netns_name_valid(o->onprem_ns)) {
		free(o);
		return -EINVAL;
	}
	util_strscpy(o->fabric_ns, cfg->fabric_ns, sizeof(o->fabric_ns));
	o->mtu = cfg->mtu ? cfg->mtu : 9001;
	*ret = o;
	return 0;
}

struct outside *outside_free(struct outside *o)
{
	free(o);
	return NULL;
}

const char *outside_internet_ns(const struct outside *o)
{
	return o->internet_ns;
}

const char *outside_onprem_ns(const struct outside *o)
{
	return o->onprem_ns;
}

/* ---- desired state (pure) ------------------------------------------------------ */

static int push_route(struct desired *d, struct want_route **v, size_t *n, uint32_t dst,
		      uint8_t len, size_t gw)
{
	struct want_route *nv;

	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].dst == dst && (*v)[i].len == len)
			return 0; /* first wins (overlapping VPCs) */
	if (*n >= MAX_ROUTES) {
		d->truncated = true;
		return 0;
	}
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	nv[*n] = (struct want_route){dst, len, gw};
	*v = nv;
	(*n)++;
	return 0;
}

static ssize_t igw_of_vpc(const struct desired *d, const char *vpc_id)
{
	for (size_t i = 0; i < d->n_igws; i++)
		if (strcmp(d->igws[i].vpc_id, vpc_id) == 0)
			return (ssize_t)i;
	return -1;
}

static bool vgw_has_vpn(const struct model *m, const char *vgw_id)
{
	for (size_t i = 0; i < m->n_vpns; i++)
		if (strcmp(m->vpns[i]->vgw_id, vgw_id) == 0 &&
		    m->vpns[i]->state == MODEL_STATE_AVAILABLE)
			return true;
	return false;
}

static int desired_compute(const struct model *m, struct desired *d)
{
	int r = 0;

	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < m->n_igws; i++) {
		const struct model_igw *ig = m->igws[i];
		struct want_gw *w;

		if (!ig->attachment.vpc_id[0] || strcmp(ig->attachment.state, "available") != 0)
			continue;
		if (d->n_igws == MAX_GWS) {
			d->truncated = true;
			continue;
		}
		w = &d->igws[d->n_igws];
		w->id = ig->id;
		w->vpc_id = ig->attachment.vpc_id;
		w->hash = util_fnv1a_str(UTIL_FNV1A_INIT, ig->id);
		gw_name(w->fname, "gi", w->hash);
		gw_name(w->oname, "ig", w->hash);
		w->mac[0] = 0x02;
		w->mac[1] = 0x6f;
		for (int k = 0; k < 4; k++)
			w->mac[2 + k] = (uint8_t)(w->hash >> (8 * k));
		d->n_igws++;
	}
	for (size_t i = 0; i < m->n_vgws; i++) {
		const struct model_vgw *vg = m->vgws[i];
		struct want_gw *w;
		const char *vpc = NULL;

		for (size_t k = 0; k < vg->n_attachments && !vpc; k++)
			if (strcmp(vg->attachments[k].state, "attached") == 0)
				vpc = vg->attachments[k].vpc_id;
		if (!vpc || !vgw_has_vpn(m, vg->id))
			continue;
		if (d->n_vgws == MAX_GWS) {
			d->truncated = true;
			continue;
		}
		w = &d->vgws[d->n_vgws];
		w->id = vg->id;
		w->vpc_id = vpc;
		w->hash = util_fnv1a_str(UTIL_FNV1A_INIT, vg->id);
		gw_name(w->fname, "gv", w->hash);
		gw_name(w->oname, "vx", w->hash);
		w->vni = (uint32_t)(w->hash >> 40) & 0xffffff;
		if (!w->vni)
			w->vni = 1;
		w->mac[0] = 0x02;
		w->mac[1] = 0x6e;
		for (int k = 0; k < 4; k++)
			w->mac[2 + k] = (uint8_t)(w->hash >> (8 * k));
		d->n_vgws++;
	}
	/* Public IPs of ENIs (auto-assigned and EIPs) and of public NAT gateways. */
	for (size_t i = 0; i < m->n_enis && r == 0; i++) {
		const struct model_eni *e = m->enis[i];
		ssize_t g = igw_of_vpc(d, e->vpc_id);

		for (size_t k = 0; k < e->n_ips && r == 0 && g >= 0; k++)
			if (e->ips[k].public_ip)
				r = push_route(d, &d->iroutes, &d->n_iroutes, e->ips[k].public_ip,
					       32, (size_t)g);
	}
	for (size_t i = 0; i < m->n_nat_gateways && r == 0; i++) {
		const struct model_nat_gateway *n = m->nat_gateways[i];
		ssize_t g = igw_of_vpc(d, n->vpc_id);

		if (g < 0 || n->connectivity != MODEL_NAT_PUBLIC || !n->public_ip ||
		    (n->state != MODEL_STATE_PENDING && n->state != MODEL_STATE_AVAILABLE))
			continue;
		r = push_route(d, &d->iroutes, &d->n_iroutes, n->public_ip, 32, (size_t)g);
	}
	/* The onprem side routes each VPC with a tunnel into it. */
	for (size_t i = 0; i < d->n_vgws && r == 0; i++) {
		const struct model_vpc *v = model_find_vpc(m, d->vgws[i].vpc_id);

		for (size_t k = 0; v && k < v->n_cidrs && r == 0; k++)
			if (v->cidrs[k].state == MODEL_CIDR_ASSOCIATED)
				r = push_route(d, &d->oroutes, &d->n_oroutes, v->cidrs[k].cidr.addr,
					       v->cidrs[k].cidr.len, i);
	}
	return r;
}

static void desired_done(struct desired *d)
{
	free(d->iroutes);
	free(d->oroutes);
}

/* ---- kernel helpers ------------------------------------------------------------ */

static int link_up_quiet(struct nl_sock *sk, int ifindex, const char *alias, unsigned mtu)
{
	int r = plumb_link_set(sk, ifindex, alias, mtu, true, true);

	if (r == -EAFNOSUPPORT || r == -EOPNOTSUPP) /* no IPv6: nothing to silence */
		r = plumb_link_set(sk, ifindex, alias, mtu, true, false);
	return r;
}

static int no_offload_fn(void *userdata)
{
	return fabric_dp_link_no_offload(userdata);
}

/* Offloads off on a link of namespace fd; a link that refuses is not an error. */
static void no_offload(int fd, const char *name)
{
	char buf[IF_NAMESIZE];

	util_strscpy(buf, name, sizeof(buf));
	(void)netns_run(fd, no_offload_fn, buf);
}

static int ensure_ns(const char *name, int *ret_fd, struct nl_sock **ret_sk, bool *created)
{
	struct plumb_link_info lo;
	int r = netns_add(name), fd;

	if (r < 0 && r != -EEXIST)
		return r;
	*created = r == 0;
	fd = netns_open(name);
	if (fd < 0)
		return fd;
	r = netns_nl_socket(fd, ret_sk);
	if (r < 0) {
		close(fd);
		return r;
	}
	r = plumb_link_get(*ret_sk, "lo", &lo);
	if (r == 0 && !lo.up)
		r = plumb_link_set(*ret_sk, lo.ifindex, NULL, 0, true, false);
	if (r < 0) {
		nl_socket_free(*ret_sk);
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

static int ensure_addr(struct nl_sock *sk, int ifindex, uint32_t ip, uint8_t len)
{
	int r = plumb_addr4_has(sk, ifindex, ip, len);

	if (r > 0)
		return 0;
	r = plumb_addr4_add(sk, ifindex, ip, len);
	return r == -EEXIST ? 0 : r;
}

static const struct plumb_link_info *find_link(const struct plumb_link_info *l, size_t n,
					       const char *name, const char *alias)
{
	for (size_t i = 0; i < n; i++)
		if (l[i].ifindex > 0 && strcmp(l[i].name, name) == 0 &&
		    (!alias || strcmp(l[i].alias, alias) == 0))
			return &l[i];
	return NULL;
}

/* Delete the fabric links named prefix* that no wanted gateway claims. */
static void remove_extra(struct run *run, struct nl_sock *sk, const char *prefix,
			 const struct want_gw *w, size_t n_w, bool by_oname)
{
	struct plumb_link_info *l;
	size_t n;
	int r = plumb_link_list(sk, &l, &n);

	if (r < 0) {
		run_error(run, r);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		bool keep = false;

		if (strncmp(l[i].name, prefix, 2) != 0 || strlen(l[i].name) != IF_NAMESIZE - 1)
			continue;
		for (size_t k = 0; k < n_w && !keep; k++)
			keep = strcmp(by_oname ? w[k].oname : w[k].fname, l[i].name) == 0 &&
			       strcmp(l[i].alias, w[k].id) == 0;
		if (keep)
			continue;
		r = plumb_link_delete(sk, l[i].ifindex);
		if (r == 0)
			run->c.links_removed++;
		else if (r != -ENODEV)
			run_error(run, r);
	}
	free(l);
}

static int vxlan_add(struct nl_sock *sk, const char *name, uint32_t vni, uint32_t local,
		     uint32_t remote, int link, const uint8_t *mac, unsigned mtu)
{
	struct rtnl_link *l = rtnl_link_vxlan_alloc();
	uint32_t lb = htonl(local), rb = htonl(remote);
	struct nl_addr *la = nl_addr_build(AF_INET, &lb, 4), *ra = nl_addr_build(AF_INET, &rb, 4);
	struct nl_addr *ma = mac ? nl_addr_build(AF_LLC, mac, 6) : NULL;
	int r = -ENOMEM;

	if (!l || !la || !ra || (mac && !ma))
		goto out;
	rtnl_link_set_name(l, name);
	if ((r = rtnl_link_vxlan_set_id(l, vni)) < 0 ||
	    (r = rtnl_link_vxlan_set_local(l, la)) < 0 ||
	    (r = rtnl_link_vxlan_set_group(l, ra)) < 0 ||
	    (r = rtnl_link_vxlan_set_link(l, (uint32_t)link)) < 0 ||
	    (r = rtnl_link_vxlan_set_port(l, OUTSIDE_VXLAN_PORT)) < 0 ||
	    (r = rtnl_link_vxlan_set_learning(l, 0)) < 0) {
		r = plumb_nlerr(r);
		goto out;
	}
	if (ma)
		rtnl_link_set_addr(l, ma);
	rtnl_link_set_mtu(l, mtu);
	r = plumb_nlerr(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL));
out:
	if (ma)
		nl_addr_put(ma);
	if (la)
		nl_addr_put(la);
	if (ra)
		nl_addr_put(ra);
	rtnl_link_put(l);
	return r;
}

/*
 * Make one gateway's two ends exist and be up: adopt them when both carry
 * the expected names and alias (and the outside end its MAC), else build them
 * again.  For a VGW (underlay > 0), the ends are VXLAN devices over the
 * underlay pair.  Fills w->f_ifindex and w->o_ifindex.
 */
static int ensure_gw(struct run *run, struct want_gw *w, int o_fd, struct nl_sock *o_sk,
		     int f_underlay, int o_underlay)
{
	struct plumb_link_info *fl = NULL, *ol = NULL, fi, oi;
	const struct plumb_link_info *f, *o;
	size_t nf, no;
	bool vgw = f_underlay > 0;
	int r;

	if ((r = plumb_link_list(run->fabric_sk, &fl, &nf)) < 0)
		return r;
	if ((r = plumb_link_list(o_sk, &ol, &no)) < 0) {
		free(fl);
		return r;
	}
	f = find_link(fl, nf, w->fname, w->id);
	o = find_link(ol, no, w->oname, w->id);
	if (f && o && o->has_mac && memcmp(o->mac, w->mac, 6) == 0 &&
	    (vgw || (f->is_veth && o->is_veth))) {
		r = 0;
		if (!f->up)
			r = link_up_quiet(run->fabric_sk, f->ifindex, NULL, 0);
		if (r == 0 && !o->up)
			r = link_up_quiet(o_sk, o->ifindex, NULL, 0);
		if (r == 0) {
			run->c.links_unchanged++;
			w->f_ifindex = f->ifindex;
			w->o_ifindex = o->ifindex;
		}
		goto out;
	}
	/* Whatever exists of this gateway is wrong: remove it (names too), build it. */
	f = find_link(fl, nf, w->fname, NULL);
	o = find_link(ol, no, w->oname, NULL);
	if (f && plumb_link_delete(run->fabric_sk, f->ifindex) == 0)
		run->c.links_removed++;
	if (o)
		(void)plumb_link_delete(o_sk, o->ifindex); /* often gone with its peer */
	if (vgw) {
		r = vxlan_add(run->fabric_sk, w->fname, w->vni, UNDERLAY_NET + 1, UNDERLAY_NET + 2,
			      f_underlay, NULL, run->o->mtu);
		if (r == 0) {
			r = vxlan_add(o_sk, w->oname, w->vni, UNDERLAY_NET + 2, UNDERLAY_NET + 1,
				      o_underlay, w->mac, run->o->mtu);
			if (r < 0 && plumb_link_get(run->fabric_sk, w->fname, &fi) == 0)
				plumb_link_delete(run->fabric_sk, fi.ifindex);
		}
	} else {
		r = plumb_link_veth_add(run->fabric_sk, w->fname, o_fd, w->oname, w->mac,
					run->o->mtu);
	}
	if (r < 0)
		goto out;
	if ((r = plumb_link_get(run->fabric_sk, w->fname, &fi)) < 0 ||
	    (r = plumb_link_get(o_sk, w->oname, &oi)) < 0)
		goto out;
	r = link_up_quiet(run->fabric_sk, fi.ifindex, w->id, 0);
	if (r == 0)
		r = link_up_quiet(o_sk, oi.ifindex, w->id, 0);
	if (r < 0) {
		plumb_link_delete(run->fabric_sk, fi.ifindex);
		plumb_link_delete(o_sk, oi.ifindex);
		goto out;
	}
	no_offload(o_fd, w->oname);
	if (vgw)
		no_offload(run->fabric_fd, w->fname);
	run->c.links_created++;
	w->f_ifindex = fi.ifindex;
	w->o_ifindex = oi.ifindex;
out:
	free(fl);
	free(ol);
	return r;
}

/* Routes of protocol OUTSIDE_RTPROT in a namespace: exactly the wanted ones. */
static void sync_routes(struct run *run, struct nl_sock *sk, const struct want_route *want,
			size_t n_want, const struct want_gw *gws)
{
	struct plumb_route4 *have;
	size_t n;
	bool *present;
	int r = plumb_route4_list(sk, &have, &n);

	if (r < 0) {
		run_error(run, r);
		return;
	}
	present = calloc(n_want + 1, sizeof(*present));
	if (!present) {
		free(have);
		run_error(run, -ENOMEM);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		bool keep = false;

		if (have[i].protocol != OUTSIDE_RTPROT)
			continue;
		for (size_t k = 0; k < n_want && !keep; k++) {
			if (present[k] || want[k].dst != have[i].dst ||
			    want[k].len != have[i].dst_len ||
			    gws[want[k].gw].o_ifindex != have[i].oif || have[i].gateway)
				continue;
			keep = present[k] = true;
		}
		if (keep) {
			run->c.routes_unchanged++;
			continue;
		}
		r = plumb_route4_del(sk, &have[i]);
		if (r == 0)
			run->c.routes_removed++;
		else if (r != -ESRCH && r != -ENOENT)
			run_error(run, r);
	}
	for (size_t k = 0; k < n_want; k++) {
		struct plumb_route4 rt = {.dst = want[k].dst,
					  .dst_len = want[k].len,
					  .oif = gws[want[k].gw].o_ifindex,
					  .protocol = OUTSIDE_RTPROT};

		if (present[k] || rt.oif <= 0)
			continue;
		r = plumb_route4_add(sk, &rt);
		if (r == 0)
			run->c.routes_added++;
		else
			run_error(run, r);
	}
	free(present);
	free(have);
}

static void drop_ns(struct run *run, const char *name)
{
	int r = netns_delete(name);

	if (r < 0 && r != -ENOENT)
		run_error(run, r);
}

/* ---- the internet side --------------------------------------------------------- */

static void internet(struct run *run, struct desired *d)
{
	struct nl_sock *sk = NULL;
	int fd = -1, r;
	bool created;
	uint32_t host;

	if (!d->n_igws) {
		if (run->fabric_sk)
			remove_extra(run, run->fabric_sk, "gi", NULL, 0, false);
		drop_ns(run, run->o->internet_ns);
		return;
	}
	r = ensure_ns(run->o->internet_ns, &fd, &sk, &created);
	if (r < 0) {
		run_error(run, r);
		return;
	}
	run->c.internet_ns = true;
	inet_pton(AF_INET, OUTSIDE_INTERNET_HOST, &host);
	r = ensure_addr(sk, 1, ntohl(host), 32); /* lo is ifindex 1 in every namespace */
	if (r < 0)
		run_error(run, r);
	remove_extra(run, run->fabric_sk, "gi", d->igws, d->n_igws, false);
	remove_extra(run, sk, "ig", d->igws, d->n_igws, true);
	for (size_t i = 0; i < d->n_igws; i++) {
		r = ensure_gw(run, &d->igws[i], fd, sk, 0, 0);
		if (r < 0)
			run_error(run, r);
	}
	sync_routes(run, sk, d->iroutes, d->n_iroutes, d->igws);
	nl_socket_free(sk);
	close(fd);
}

/* ---- the onprem side ----------------------------------------------------------- */

static int ensure_underlay(struct run *run, int o_fd, struct nl_sock *o_sk, int *ret_f, int *ret_o)
{
	struct plumb_link_info f, o;
	int rf = plumb_link_get(run->fabric_sk, UNDERLAY_FABRIC, &f);
	int ro = plumb_link_get(o_sk, UNDERLAY_ONPREM, &o);
	int r;

	if (rf == 0 && ro == 0 && f.is_veth && o.is_veth && strcmp(f.alias, UNDERLAY_ALIAS) == 0 &&
	    strcmp(o.alias, UNDERLAY_ALIAS) == 0) {
		run->c.links_unchanged++;
	} else {
		if (rf == 0 && plumb_link_delete(run->fabric_sk, f.ifindex) == 0)
			run->c.links_removed++;
		if (ro == 0)
			(void)plumb_link_delete(o_sk, o.ifindex);
		r = plumb_link_veth_add(run->fabric_sk, UNDERLAY_FABRIC, o_fd, UNDERLAY_ONPREM,
					NULL, OUTSIDE_UNDERLAY_MTU);
		if (r < 0)
			return r;
		if ((r = plumb_link_get(run->fabric_sk, UNDERLAY_FABRIC, &f)) < 0 ||
		    (r = plumb_link_get(o_sk, UNDERLAY_ONPREM, &o)) < 0)
			return r;
		run->c.links_created++;
	}
	if ((!f.up || strcmp(f.alias, UNDERLAY_ALIAS) != 0) &&
	    (r = link_up_quiet(run->fabric_sk, f.ifindex, UNDERLAY_ALIAS, 0)) < 0)
		return r;
	if ((!o.up || strcmp(o.alias, UNDERLAY_ALIAS) != 0) &&
	    (r = link_up_quiet(o_sk, o.ifindex, UNDERLAY_ALIAS, 0)) < 0)
		return r;
	if ((r = ensure_addr(run->fabric_sk, f.ifindex, UNDERLAY_NET + 1, 30)) < 0 ||
	    (r = ensure_addr(o_sk, o.ifindex, UNDERLAY_NET + 2, 30)) < 0)
		return r;
	*ret_f = f.ifindex;
	*ret_o = o.ifindex;
	return 0;
}

static void remove_underlay(struct run *run)
{
	struct plumb_link_info f;

	if (run->fabric_sk && plumb_link_get(run->fabric_sk, UNDERLAY_FABRIC, &f) == 0 &&
	    plumb_link_delete(run->fabric_sk, f.ifindex) == 0)
		run->c.links_removed++;
}

static void onprem(struct run *run, struct desired *d)
{
	struct nl_sock *sk = NULL;
	int fd = -1, r, fu, ou;
	bool created;
	uint32_t host;

	if (!d->n_vgws) {
		if (run->fabric_sk)
			remove_extra(run, run->fabric_sk, "gv", NULL, 0, false);
		remove_underlay(run);
		drop_ns(run, run->o->onprem_ns);
		return;
	}
	r = ensure_ns(run->o->onprem_ns, &fd, &sk, &created);
	if (r < 0) {
		run_error(run, r);
		return;
	}
	run->c.onprem_ns = true;
	inet_pton(AF_INET, OUTSIDE_ONPREM_HOST, &host);
	r = ensure_addr(sk, 1, ntohl(host), 32);
	if (r < 0)
		run_error(run, r);
	r = ensure_underlay(run, fd, sk, &fu, &ou);
	if (r < 0) {
		run_error(run, r);
		goto out;
	}
	remove_extra(run, run->fabric_sk, "gv", d->vgws, d->n_vgws, false);
	remove_extra(run, sk, "vx", d->vgws, d->n_vgws, true);
	for (size_t i = 0; i < d->n_vgws; i++) {
		r = ensure_gw(run, &d->vgws[i], fd, sk, fu, ou);
		if (r < 0)
			run_error(run, r);
	}
	sync_routes(run, sk, d->oroutes, d->n_oroutes, d->vgws);
out:
	nl_socket_free(sk);
	close(fd);
}

/* ---- entry points -------------------------------------------------------------- */

static int fabric_open(struct run *run)
{
	int r;

	run->fabric_fd = netns_open(run->o->fabric_ns);
	if (run->fabric_fd < 0)
		return run->fabric_fd;
	r = netns_nl_socket(run->fabric_fd, &run->fabric_sk);
	return r;
}

static void run_done(struct run *run)
{
	if (run->fabric_sk)
		nl_socket_free(run->fabric_sk);
	if (run->fabric_fd >= 0)
		close(run->fabric_fd);
}

static void add_ports(struct fabric_dp_port *p, size_t *k, const struct want_gw *w, size_t n,
		      enum fabric_dp_port_kind kind)
{
	for (size_t i = 0; i < n; i++) {
		if (w[i].f_ifindex <= 0 || w[i].o_ifindex <= 0)
			continue;
		p[*k] = (struct fabric_dp_port){.kind = kind, .ifindex = w[i].f_ifindex};
		util_strscpy(p[*k].id, w[i].id, sizeof(p[*k].id));
		memcpy(p[*k].mac, w[i].mac, 6);
		(*k)++;
	}
}

int outside_reconcile(struct outside *o, const struct model *m, struct outside_counts *ret_counts,
		      struct fabric_dp_port **ret_ports, size_t *ret_n)
{
	struct run run = {.o = o, .fabric_fd = -1};
	struct fabric_dp_port *ports = NULL;
	struct desired *d;
	size_t k = 0;
	int r;

	if (!o || !m)
		return -EINVAL;
	d = malloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	r = desired_compute(m, d);
	if (r == 0)
		r = fabric_open(&run);
	if (r < 0)
		goto out;
	if (d->truncated)
		run_error(&run, -E2BIG);
	internet(&run, d);
	onprem(&run, d);
	if (ret_ports) {
		ports = calloc(d->n_igws + d->n_vgws + 1, sizeof(*ports));
		if (!ports) {
			r = -ENOMEM;
			goto out;
		}
		add_ports(ports, &k, d->igws, d->n_igws, FABRIC_DP_PORT_IGW);
		add_ports(ports, &k, d->vgws, d->n_vgws, FABRIC_DP_PORT_VGW);
		*ret_ports = ports;
		*ret_n = k;
	}
	if (ret_counts)
		*ret_counts = run.c;
out:
	run_done(&run);
	desired_done(d);
	free(d);
	return r;
}

int outside_teardown(struct outside *o)
{
	struct run run = {.o = o, .fabric_fd = -1};
	int r;

	if (!o)
		return -EINVAL;
	if (netns_exists(o->fabric_ns) == 1 && fabric_open(&run) == 0) {
		remove_extra(&run, run.fabric_sk, "gi", NULL, 0, false);
		remove_extra(&run, run.fabric_sk, "gv", NULL, 0, false);
		remove_underlay(&run);
	}
	drop_ns(&run, o->internet_ns);
	drop_ns(&run, o->onprem_ns);
	r = run.c.first_error;
	run_done(&run);
	return r;
}
