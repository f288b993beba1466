/*
 * plumb: make the kernel's namespaces and veth pairs match the model (see
 * plumb.h for what is built and what plumb owns).
 *
 * One reconcile, in order:
 *  1. the fabric namespace exists (created when missing), its `lo` is up;
 *  2. fabric-side links of ours whose ENI is not wanted (or duplicates) are
 *     deleted, which deletes their instance-side peers too (deletions go in
 *     one kernel batch, plumb_link_delete_many: a veth deletion waits for an
 *     RCU grace period, a batch waits once);
 *  3. instance namespaces of ours that no instance wants are emptied of
 *     their ENI links, then deleted;
 *  4. every wanted namespace is created if missing; inside it, ENI links that
 *     belong elsewhere are deleted, then every wanted pair is checked:
 *     a pair "matches" when the fabric link and the ethN link carry the ENI
 *     ID as alias, are each other's veth peer, and ethN has the ENI's MAC.
 *     A matching pair is repaired in place (fabric end up with the MTU, ethN
 *     up, the primary address and, on eth0, a default route when the table
 *     has none); anything else is deleted and created again.
 * Every step carries on after a failure, so one bad ENI never blocks the
 * others.  Kernel state is read fresh (dumps) at each step and never cached
 * across reconciles: what the kernel says is the truth, which is also what
 * makes adoption after a restart work.
 */
#include "fabric/plumb.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/socket.h>

#include "fabric/netns-etc.h"
#include "fabric/netns.h"
#include "fabric/plumb-link.h"
#include "fabric/plumb-private.h"

#define PLUMB_NAME_SALTS 8

/* ---- configuration -------------------------------------------------------- */

static bool ifname_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

int plumb_new(const struct plumb_config *cfg, struct plumb **ret)
{
	const char *ns_prefix;
	struct plumb *p;
	size_t n;

	if (!cfg || !cfg->link_prefix || !cfg->fabric_ns || !ret)
		return -EINVAL;
	ns_prefix = cfg->ns_prefix ? cfg->ns_prefix : "";
	n = strlen(cfg->link_prefix);
	if (n == 0 || n > PLUMB_LINK_PREFIX_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!ifname_char(cfg->link_prefix[i]))
			return -EINVAL;
	if (strlen(ns_prefix) > PLUMB_NS_PREFIX_MAX || strchr(ns_prefix, '/'))
		return -EINVAL;
	if (!netns_name_valid(cfg->fabric_ns) || plumb_is_instance_ns(ns_prefix, cfg->fabric_ns))
		return -EINVAL;
	if (cfg->mtu != 0 && (cfg->mtu < 68 || cfg->mtu > 65535))
		return -EINVAL;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	snprintf(p->ns_prefix, sizeof(p->ns_prefix), "%s", ns_prefix);
	snprintf(p->link_prefix, sizeof(p->link_prefix), "%s", cfg->link_prefix);
	snprintf(p->fabric_ns, sizeof(p->fabric_ns), "%s", cfg->fabric_ns);
	p->mtu = cfg->mtu ? cfg->mtu : PLUMB_DEFAULT_MTU;
	*ret = p;
	return 0;
}

struct plumb *plumb_free(struct plumb *p)
{
	free(p);
	return NULL;
}

const char *plumb_fabric_ns(const struct plumb *p)
{
	return p->fabric_ns;
}

int plumb_instance_ns_name(const struct plumb *p, const char *instance_id, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s%s", p->ns_prefix, instance_id);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

void fabric_ports_free(struct fabric_port *ports)
{
	free(ports);
}

/* ---- one run -------------------------------------------------------------- */

struct plumb_run {
	const struct plumb *p;
	struct plumb_counts c;
	int fabric_fd;
	struct nl_sock *fabric_sk;
	struct fabric_port *ports;
	size_t n_ports;
};

static void run_error(struct plumb_run *run, int r)
{
	run->c.errors++;
	if (!run->c.first_error)
		run->c.first_error = r;
}

static void run_done(struct plumb_run *run)
{
	if (run->fabric_sk)
		nl_socket_free(run->fabric_sk);
	if (run->fabric_fd >= 0)
		close(run->fabric_fd);
	free(run->ports);
}

static bool alias_is_eni(const char *alias)
{
	return strncmp(alias, "eni-", 4) == 0;
}

static bool fabric_link_ours(const struct plumb *p, const struct plumb_link_info *l)
{
	return strncmp(l->name, p->link_prefix, strlen(p->link_prefix)) == 0;
}

static int ensure_lo_up(struct nl_sock *sk)
{
	struct plumb_link_info lo;
	int r = plumb_link_get(sk, "lo", &lo);

	if (r < 0)
		return r;
	return lo.up ? 0 : plumb_link_set(sk, lo.ifindex, NULL, 0, true, false);
}

/* Open (creating when create is set) the fabric namespace and its netlink socket. */
static int fabric_open(struct plumb_run *run, bool create)
{
	int r = netns_exists(run->p->fabric_ns);

	if (r < 0)
		return r;
	if (r == 0) {
		if (!create)
			return 0;
		r = netns_add(run->p->fabric_ns);
		if (r < 0 && r != -EEXIST)
			return r;
		run->c.fabric_ns_created = r == 0;
	}
	run->fabric_fd = netns_open(run->p->fabric_ns);
	if (run->fabric_fd < 0)
		return run->fabric_fd;
	r = netns_nl_socket(run->fabric_fd, &run->fabric_sk);
	if (r < 0)
		return r;
	return ensure_lo_up(run->fabric_sk);
}

/* Step 2: delete, in one batch, our fabric-side links that no wanted ENI claims. */
static void remove_extra_fabric_links(struct plumb_run *run, const struct plumb_desired *d)
{
	struct plumb_link_info *links;
	size_t n, n_doomed = 0;
	bool *claimed;
	int *doomed;
	int r;

	if (!run->fabric_sk)
		return;
	r = plumb_link_list(run->fabric_sk, &links, &n);
	if (r < 0) {
		run_error(run, r);
		return;
	}
	claimed = calloc(d->n_ports + 1, sizeof(*claimed));
	doomed = calloc(n + 1, sizeof(*doomed));
	if (!claimed || !doomed) {
		run_error(run, -ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct plumb_want_port *w;

		if (!fabric_link_ours(run->p, &links[i]))
			continue;
		w = alias_is_eni(links[i].alias) ? plumb_desired_port(d, links[i].alias) : NULL;
		if (w && !claimed[w - d->ports]) {
			claimed[w - d->ports] = true;
			continue;
		}
		doomed[n_doomed++] = links[i].ifindex;
	}
	r = plumb_link_delete_many(run->fabric_sk, doomed, n_doomed);
	if (r >= 0)
		run->c.ports_removed += (unsigned)r;
	else
		run_error(run, r);
out:
	free(doomed);
	free(claimed);
	free(links);
}

/*
 * Delete, inside the namespace behind sk and in one batch, the ENI links
 * (alias "eni-...") that the desired state does not place there under that
 * name (d NULL: all of them).  Marks the deleted entries of links with
 * ifindex 0.
 */
static void remove_extra_instance_links(struct plumb_run *run, const struct plumb_desired *d,
					ssize_t ns, struct nl_sock *sk,
					struct plumb_link_info *links, size_t n)
{
	size_t n_doomed = 0;
	int *doomed = calloc(n + 1, sizeof(*doomed));
	int r;

	if (!doomed) {
		run_error(run, -ENOMEM);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct plumb_want_port *w;

		if (!alias_is_eni(links[i].alias))
			continue;
		w = d ? plumb_desired_port(d, links[i].alias) : NULL;
		if (w && (ssize_t)w->ns == ns && strcmp(links[i].name, w->eth_name) == 0)
			continue;
		doomed[n_doomed++] = links[i].ifindex;
		links[i].ifindex = 0;
	}
	r = plumb_link_delete_many(sk, doomed, n_doomed);
	if (r >= 0)
		run->c.ports_removed += (unsigned)r;
	else
		run_error(run, r);
	free(doomed);
}

/* Empty a namespace of its ENI links, then delete it. */
static int remove_instance_ns(struct plumb_run *run, const char *name)
{
	struct plumb_link_info *links;
	struct nl_sock *sk;
	size_t n;
	int fd, r;

	fd = netns_open(name);
	if (fd >= 0) {
		r = netns_nl_socket(fd, &sk);
		if (r == 0) {
			r = plumb_link_list(sk, &links, &n);
			if (r == 0) {
				remove_extra_instance_links(run, NULL, -1, sk, links, n);
				free(links);
			}
			nl_socket_free(sk);
		}
		close(fd);
		if (r < 0)
			run_error(run, r);
	}
	if ((r = netns_etc_remove(name)) < 0)
		run_error(run, r);
	return netns_delete(name);
}

/* Step 3: delete the namespaces of ours that are not wanted; mark the others present. */
static void remove_extra_namespaces(struct plumb_run *run, const struct plumb_desired *d,
				    bool *present)
{
	char **names;
	size_t n;
	int r;

	r = netns_list(run->p->ns_prefix, &names, &n);
	if (r < 0) {
		run_error(run, r);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		ssize_t k;

		if (!plumb_is_instance_ns(run->p->ns_prefix, names[i]))
			continue;
		k = d ? plumb_desired_ns(d, names[i]) : -1;
		if (k >= 0 && netns_exists(names[i]) > 0) {
			present[k] = true;
			continue;
		}
		r = remove_instance_ns(run, names[i]);
		if (r == 0)
			run->c.ns_removed++;
		else if (r != -ENOENT)
			run_error(run, r);
	}
	netns_names_free(names, n);
	/* /etc/netns files whose namespace went another way (ip netns del, a crash). */
	r = netns_list_in(NETNS_ETC_DIR, run->p->ns_prefix, &names, &n);
	if (r < 0) {
		run_error(run, r);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (plumb_is_instance_ns(run->p->ns_prefix, names[i]) &&
		    (!d || plumb_desired_ns(d, names[i]) < 0) && (r = netns_etc_remove(names[i])) < 0)
			run_error(run, r);
	netns_names_free(names, n);
}

static bool pair_matches(const struct plumb_want_port *w, const struct plumb_link_info *f,
			 const struct plumb_link_info *i)
{
	return f && i && f->is_veth && i->is_veth && f->peer_ifindex == i->ifindex &&
	       i->peer_ifindex == f->ifindex && strcmp(i->name, w->eth_name) == 0 && i->has_mac &&
	       memcmp(i->mac, w->mac, 6) == 0;
}

/* On eth0: a default route via the subnet's router when the main table has none. */
static int ensure_default_route(const struct plumb_want_port *w, struct nl_sock *sk, int ifindex,
				bool *changed)
{
	struct plumb_route4 *routes, want = {
		.dst = 0, .dst_len = 0, .gateway = w->router, .oif = ifindex, .protocol = RTPROT_DHCP,
	};
	bool has_default = false;
	size_t n;
	int r;

	if (w->eni->attachment.device_index != 0)
		return 0;
	r = plumb_route4_list(sk, &routes, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		has_default |= routes[i].dst_len == 0;
	free(routes);
	if (has_default)
		return 0;
	r = plumb_route4_add(sk, &want);
	if (r == 0)
		*changed = true;
	return r == -EEXIST ? 0 : r;
}

/* The instance-side configuration: up, primary address, default route on eth0. */
static int ensure_instance_side(const struct plumb_want_port *w, struct nl_sock *sk,
				 const struct plumb_link_info *i, bool *changed)
{
	int r;

	if (!i->up) {
		r = plumb_link_set(sk, i->ifindex, NULL, 0, true, false);
		if (r < 0)
			return r;
		*changed = true;
	}
	r = plumb_addr4_has(sk, i->ifindex, w->ip, w->prefix_len);
	if (r < 0)
		return r;
	if (r == 0) {
		r = plumb_addr4_add(sk, i->ifindex, w->ip, w->prefix_len);
		if (r < 0 && r != -EEXIST)
			return r;
		*changed = true;
	}
	return ensure_default_route(w, sk, i->ifindex, changed);
}

/* Create the pair of w from scratch; on success *ret_f and *ret_i describe its ends. */
static int create_pair(struct plumb_run *run, const struct plumb_want_port *w, int ns_fd,
		       struct nl_sock *sk, struct plumb_link_info *ret_f,
		       struct plumb_link_info *ret_i)
{
	char name[IF_NAMESIZE];
	bool changed = false;
	int r = -EEXIST;

	for (unsigned salt = 0; salt < PLUMB_NAME_SALTS && r == -EEXIST; salt++) {
		plumb_link_name(run->p->link_prefix, w->eni->id, salt, name);
		r = plumb_link_veth_add(run->fabric_sk, name, ns_fd, w->eth_name, w->mac,
					run->p->mtu);
	}
	if (r < 0)
		return r;
	r = plumb_link_get(run->fabric_sk, name, ret_f);
	if (r < 0)
		return r;
	/* From here on, a failure deletes the pair again (both ends go together). */
	r = plumb_link_set(run->fabric_sk, ret_f->ifindex, w->eni->id, 0, true, true);
	if (r == -EAFNOSUPPORT || r == -EOPNOTSUPP) /* no IPv6 in this kernel: nothing to silence */
		r = plumb_link_set(run->fabric_sk, ret_f->ifindex, w->eni->id, 0, true, false);
	if (r < 0)
		goto err_delete;
	r = plumb_link_get(sk, w->eth_name, ret_i);
	if (r < 0)
		goto err_delete;
	r = plumb_link_set(sk, ret_i->ifindex, w->eni->id, 0, true, false);
	if (r < 0)
		goto err_delete;
	ret_i->up = true;
	r = ensure_instance_side(w, sk, ret_i, &changed);
	if (r < 0)
		goto err_delete;
	return 0;

err_delete:
	plumb_link_delete(run->fabric_sk, ret_f->ifindex);
	return r;
}

/* Step 4, for one wanted pair: check, repair or (re)create; then record the port. */
static int ensure_port(struct plumb_run *run, const struct plumb_want_port *w, int ns_fd,
		       struct nl_sock *sk, const struct plumb_link_info *flinks, size_t n_f,
		       const struct plumb_link_info *ilinks, size_t n_i)
{
	const struct plumb_link_info *f = NULL, *i = NULL, *clash = NULL;
	struct plumb_link_info fnew, inew;
	struct fabric_port *port;
	bool changed = false, created = false;
	int r;

	for (size_t k = 0; k < n_f && !f; k++)
		if (flinks[k].ifindex > 0 && fabric_link_ours(run->p, &flinks[k]) &&
		    strcmp(flinks[k].alias, w->eni->id) == 0)
			f = &flinks[k];
	for (size_t k = 0; k < n_i; k++) {
		if (ilinks[k].ifindex <= 0)
			continue;
		if (!i && strcmp(ilinks[k].alias, w->eni->id) == 0)
			i = &ilinks[k];
		else if (strcmp(ilinks[k].name, w->eth_name) == 0)
			clash = &ilinks[k];
	}

	if (pair_matches(w, f, i)) {
		if (!f->up || f->mtu != run->p->mtu) {
			r = plumb_link_set(run->fabric_sk, f->ifindex, NULL, run->p->mtu, true, false);
			if (r < 0)
				return r;
			changed = true;
		}
		r = ensure_instance_side(w, sk, i, &changed);
		if (r < 0)
			return r;
	} else {
		/* Whatever exists of this ENI is wrong: remove it, then build the pair. */
		if (f) {
			r = plumb_link_delete(run->fabric_sk, f->ifindex);
			if (r == 0)
				run->c.ports_removed++;
			else if (r != -ENODEV)
				return r;
		}
		if (i) { /* usually gone with f already: -ENODEV then */
			r = plumb_link_delete(sk, i->ifindex);
			if (r == 0 && !f)
				run->c.ports_removed++;
			else if (r < 0 && r != -ENODEV)
				return r;
		}
		if (clash) /* a link of the instance's own holds the name ethN */
			return -EEXIST;
		r = create_pair(run, w, ns_fd, sk, &fnew, &inew);
		if (r < 0)
			return r;
		f = &fnew;
		i = &inew;
		created = true;
	}

	if (created)
		run->c.ports_created++;
	else if (changed)
		run->c.ports_updated++;
	else
		run->c.ports_unchanged++;

	port = &run->ports[run->n_ports++];
	memset(port, 0, sizeof(*port));
	snprintf(port->eni_id, sizeof(port->eni_id), "%s", w->eni->id);
	snprintf(port->instance_id, sizeof(port->instance_id), "%s", w->eni->attachment.instance_id);
	snprintf(port->subnet_id, sizeof(port->subnet_id), "%s", w->eni->subnet_id);
	snprintf(port->vpc_id, sizeof(port->vpc_id), "%s", w->subnet->vpc_id);
	port->device_index = w->eni->attachment.device_index;
	port->ifindex = f->ifindex;
	snprintf(port->ifname, sizeof(port->ifname), "%s", f->name);
	memcpy(port->mac, w->mac, 6);
	port->primary_ip = w->ip;
	port->subnet_cidr = w->subnet->cidr;
	return 0;
}

/* Step 4, for one wanted namespace. */
static void ensure_namespace(struct plumb_run *run, const struct plumb_desired *d, size_t k,
			     bool present, const struct plumb_link_info *flinks, size_t n_f)
{
	const char *name = d->ns[k].name;
	struct plumb_link_info *ilinks = NULL;
	struct nl_sock *sk = NULL;
	size_t n_i = 0;
	int fd = -1, r;

	if (!present) {
		r = netns_add(name);
		if (r < 0 && r != -EEXIST)
			goto fail;
		run->c.ns_created++;
	} else {
		run->c.ns_unchanged++;
	}
	fd = netns_open(name);
	if (fd < 0) {
		r = fd;
		goto fail;
	}
	r = netns_nl_socket(fd, &sk);
	if (r < 0)
		goto fail;
	r = ensure_lo_up(sk);
	if (r < 0)
		goto fail;
	r = plumb_link_list(sk, &ilinks, &n_i);
	if (r < 0)
		goto fail;
	remove_extra_instance_links(run, d, (ssize_t)k, sk, ilinks, n_i);
	if (d->ns[k].resolv_conf[0] &&
	    (r = netns_etc_write(name, "resolv.conf", d->ns[k].resolv_conf)) < 0)
		run_error(run, r);
	for (size_t j = 0; j < d->n_ports; j++) {
		if (d->ports[j].ns != k)
			continue;
		r = ensure_port(run, &d->ports[j], fd, sk, flinks, n_f, ilinks, n_i);
		if (r < 0)
			run_error(run, r);
	}
	goto out;

fail:
	/* The namespace is unusable: its ENIs are not plumbed; counted as one error. */
	run_error(run, r);
out:
	free(ilinks);
	if (sk)
		nl_socket_free(sk);
	if (fd >= 0)
		close(fd);
}

static int cmp_fabric_port(const void *a, const void *b)
{
	return strcmp(((const struct fabric_port *)a)->eni_id,
		      ((const struct fabric_port *)b)->eni_id);
}

int plumb_reconcile(struct plumb *p, const struct model *m, struct plumb_counts *ret_counts,
		    struct fabric_port **ret_ports, size_t *ret_n_ports)
{
	struct plumb_run run = { .p = p, .fabric_fd = -1 };
	struct plumb_link_info *flinks = NULL;
	struct plumb_desired d;
	bool *present = NULL;
	size_t n_f = 0;
	int r;

	if (!p || !m)
		return -EINVAL;
	r = plumb_desired_compute(p, m, &d);
	if (r < 0)
		return r;
	run.c.ports_skipped = d.skipped;
	run.ports = calloc(d.n_ports + 1, sizeof(*run.ports));
	present = calloc(d.n_ns + 1, sizeof(*present));
	if (!run.ports || !present) {
		r = -ENOMEM;
		goto out;
	}
	r = fabric_open(&run, true);
	if (r < 0)
		goto out;

	remove_extra_fabric_links(&run, &d);
	remove_extra_namespaces(&run, &d, present);

	r = plumb_link_list(run.fabric_sk, &flinks, &n_f);
	if (r < 0)
		goto out;
	for (size_t k = 0; k < d.n_ns; k++)
		ensure_namespace(&run, &d, k, present[k], flinks, n_f);

	qsort(run.ports, run.n_ports, sizeof(*run.ports), cmp_fabric_port);
	if (ret_counts)
		*ret_counts = run.c;
	if (ret_ports) {
		*ret_ports = run.ports;
		*ret_n_ports = run.n_ports;
		run.ports = NULL;
	}
	r = 0;
out:
	free(flinks);
	free(present);
	plumb_desired_done(&d);
	run_done(&run);
	return r;
}

int plumb_teardown(struct plumb *p, struct plumb_counts *ret_counts)
{
	struct plumb_run run = { .p = p, .fabric_fd = -1 };
	struct plumb_desired none = { 0 };
	int r;

	if (!p)
		return -EINVAL;
	r = fabric_open(&run, false);
	if (r < 0)
		run_error(&run, r);
	remove_extra_fabric_links(&run, &none);
	remove_extra_namespaces(&run, NULL, NULL);
	r = netns_delete(p->fabric_ns);
	if (r < 0 && r != -ENOENT)
		run_error(&run, r);
	if (ret_counts)
		*ret_counts = run.c;
	r = run.c.first_error;
	run_done(&run);
	return r;
}
