/*
 * plumb-desired: from the model to the namespaces and veth pairs it wants
 * (see plumb.h for the rules).  Pure: no kernel access, no allocation but the
 * two result arrays.
 *
 * Which instances get a namespace: pending and running ones whose ID is
 * "i-" and lowercase hex digits (the names plumb can recognise as its own).  A stopped
 * instance is powered off (its namespace, and every process in it, goes; a
 * start brings a fresh one), a terminated one is gone.
 * Which ENIs get a pair: those whose attachment is present and names such an
 * instance.  An ENI is skipped (counted, not plumbed) when its MAC does not
 * parse, it has no private IP, its subnet is unknown, its device index is
 * outside 0..999, or another ENI of the instance already has that index.
 */
#include "fabric/plumb-private.h"
#include "lib/model/ops-dhcp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLUMB_DEVICE_INDEX_MAX 999

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int plumb_mac_parse(const char *s, uint8_t ret_mac[6])
{
	uint8_t mac[6];

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	/* A multicast address cannot be a NIC's (and the kernel refuses it). */
	if (mac[0] & 1)
		return -EINVAL;
	memcpy(ret_mac, mac, 6);
	return 0;
}

void plumb_link_name(const char *link_prefix, const char *eni_id, unsigned salt,
		     char buf[IF_NAMESIZE])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h = util_fnv1a_str(UTIL_FNV1A_INIT, eni_id);
	size_t plen = strlen(link_prefix);

	for (unsigned k = 0; k < salt; k++)
		h = util_fnv1a(h, "\xff", 1);
	if (plen > IF_NAMESIZE - 1)
		plen = IF_NAMESIZE - 1;
	memcpy(buf, link_prefix, plen);
	for (size_t i = plen; i < IF_NAMESIZE - 1; i++) {
		buf[i] = hex[h & 0xf];
		h >>= 4;
	}
	buf[IF_NAMESIZE - 1] = '\0';
}

bool plumb_is_instance_ns(const char *ns_prefix, const char *name)
{
	size_t plen = strlen(ns_prefix);
	const char *s;

	if (strncmp(name, ns_prefix, plen) != 0)
		return false;
	s = name + plen;
	if (strncmp(s, "i-", 2) != 0 || !s[2])
		return false;
	for (s += 2; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static bool instance_wanted(const struct model_instance *inst)
{
	return inst->state == MODEL_INSTANCE_PENDING || inst->state == MODEL_INSTANCE_RUNNING;
}

static int cmp_ns(const void *a, const void *b)
{
	return strcmp(((const struct plumb_want_ns *)a)->name,
		      ((const struct plumb_want_ns *)b)->name);
}

static int cmp_port(const void *a, const void *b)
{
	return strcmp(((const struct plumb_want_port *)a)->eni->id,
		      ((const struct plumb_want_port *)b)->eni->id);
}

ssize_t plumb_desired_ns(const struct plumb_desired *d, const char *name)
{
	size_t lo = 0, hi = d->n_ns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, d->ns[mid].name);

		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

const struct plumb_want_port *plumb_desired_port(const struct plumb_desired *d, const char *eni_id)
{
	size_t lo = 0, hi = d->n_ports;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(eni_id, d->ports[mid].eni->id);

		if (c == 0)
			return &d->ports[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void plumb_desired_done(struct plumb_desired *d)
{
	if (!d)
		return;
	free(d->ns);
	free(d->ports);
	memset(d, 0, sizeof(*d));
}

/* Does another wanted port of ns already use this device index? */
static bool index_taken(const struct plumb_desired *d, size_t ns, const char *eth_name)
{
	for (size_t i = 0; i < d->n_ports; i++)
		if (d->ports[i].ns == ns && strcmp(d->ports[i].eth_name, eth_name) == 0)
			return true;
	return false;
}

/* What the VPC's DHCP options give an instance (lib/model/ops-dhcp.h). */
static void resolv_conf(const struct model *m, const struct model_instance *inst, char *buf,
			size_t size)
{
	const struct model_vpc *vpc = model_find_vpc(m, inst->vpc_id);

	buf[0] = '\0';
	if (vpc)
		model_dhcp_resolv_conf(m, vpc, buf, size);
}

int plumb_desired_compute(const struct plumb *p, const struct model *m, struct plumb_desired *ret)
{
	struct plumb_desired d = { 0 };

	d.ns = calloc(m->n_instances + 1, sizeof(*d.ns));
	d.ports = calloc(m->n_enis + 1, sizeof(*d.ports));
	if (!d.ns || !d.ports) {
		plumb_desired_done(&d);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->n_instances; i++) {
		const struct model_instance *inst = m->instances[i];
		struct plumb_want_ns *w = &d.ns[d.n_ns];
		int n;

		if (!instance_wanted(inst))
			continue;
		n = snprintf(w->name, sizeof(w->name), "%s%s", p->ns_prefix, inst->id);
		/* Only names plumb recognises as its own later, so it can remove them. */
		if (n < 0 || (size_t)n >= sizeof(w->name) || !netns_name_valid(w->name) ||
		    !plumb_is_instance_ns(p->ns_prefix, w->name))
			continue;
		w->inst = inst;
		resolv_conf(m, inst, w->resolv_conf, sizeof(w->resolv_conf));
		d.n_ns++;
	}
	qsort(d.ns, d.n_ns, sizeof(*d.ns), cmp_ns);

	/* ENIs in model order, so that a clash on a device index keeps the first. */
	for (size_t i = 0; i < m->n_enis; i++) {
		const struct model_eni *eni = m->enis[i];
		struct plumb_want_port *w = &d.ports[d.n_ports];
		char ns_name[NETNS_NAME_MAX + 1];
		ssize_t ns;

		if (!eni->attachment.present)
			continue;
		snprintf(ns_name, sizeof(ns_name), "%s%s", p->ns_prefix, eni->attachment.instance_id);
		ns = plumb_desired_ns(&d, ns_name);
		if (ns < 0)
			continue;
		memset(w, 0, sizeof(*w));
		w->ns = (size_t)ns;
		w->eni = eni;
		w->subnet = model_find_subnet(m, eni->subnet_id);
		if (!w->subnet || eni->n_ips == 0 || plumb_mac_parse(eni->mac, w->mac) < 0 ||
		    eni->attachment.device_index < 0 ||
		    eni->attachment.device_index > PLUMB_DEVICE_INDEX_MAX) {
			d.skipped++;
			continue;
		}
		snprintf(w->eth_name, sizeof(w->eth_name), "eth%d", eni->attachment.device_index);
		if (index_taken(&d, w->ns, w->eth_name)) {
			d.skipped++;
			continue;
		}
		w->ip = eni->ips[0].ip;
		for (size_t k = 0; k < eni->n_ips; k++)
			if (eni->ips[k].primary)
				w->ip = eni->ips[k].ip;
		w->prefix_len = w->subnet->cidr.len;
		w->router = w->subnet->cidr.addr + 1;
		d.n_ports++;
	}
	qsort(d.ports, d.n_ports, sizeof(*d.ports), cmp_port);
	*ret = d;
	return 0;
}

uint64_t plumb_model_digest(const struct plumb *p, const struct model *m)
{
	uint64_t h = UTIL_FNV1A_INIT;
	struct plumb_desired d;

	if (!p || !m || plumb_desired_compute(p, m, &d) < 0)
		return 0;
	for (size_t i = 0; i < d.n_ns; i++) {
		h = util_fnv1a(h, d.ns[i].name, strlen(d.ns[i].name) + 1);
		h = util_fnv1a(h, d.ns[i].resolv_conf, strlen(d.ns[i].resolv_conf) + 1);
	}
	for (size_t i = 0; i < d.n_ports; i++) {
		const struct plumb_want_port *w = &d.ports[i];
		uint64_t ns = w->ns;

		h = util_fnv1a(h, w->eni->id, strlen(w->eni->id) + 1);
		h = util_fnv1a(h, &ns, sizeof(ns));
		h = util_fnv1a(h, w->eth_name, strlen(w->eth_name) + 1);
		h = util_fnv1a(h, w->mac, sizeof(w->mac));
		h = util_fnv1a(h, &w->ip, sizeof(w->ip));
		h = util_fnv1a(h, &w->prefix_len, sizeof(w->prefix_len));
		h = util_fnv1a(h, w->subnet->id, strlen(w->subnet->id) + 1);
	}
	plumb_desired_done(&d);
	return h ? h : 1;
}
