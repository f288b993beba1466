/* ipam-ds: vpc-ipamd's datastore (see ipam-ds.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipamd/ipam-ds.h"
#include "lib/util/util.h"

struct ipam_ds *ipam_ds_new(int64_t cooldown_ms)
{
	struct ipam_ds *ds = calloc(1, sizeof(*ds));

	if (ds) {
		ds->enis = calloc(IPAM_ENIS_MAX, sizeof(*ds->enis));
		if (!ds->enis) {
			free(ds);
			return NULL;
		}
		ds->cooldown_ms = cooldown_ms;
	}
	return ds;
}

void ipam_ds_free(struct ipam_ds *ds)
{
	if (!ds)
		return;
	for (size_t i = 0; i < ds->n_enis; i++)
		free(ds->enis[i].addrs);
	free(ds->enis);
	free(ds);
}

bool ipam_key_eq(const struct ipam_key *a, const struct ipam_key *b)
{
	return strcmp(a->network, b->network) == 0 && strcmp(a->container_id, b->container_id) == 0 &&
	       strcmp(a->ifname, b->ifname) == 0;
}

bool ipam_addr_cooling(const struct ipam_addr *a, int64_t now_ms)
{
	return !a->assigned && a->cooldown_until_ms > now_ms;
}

struct ipam_eni *ipam_ds_find_eni(const struct ipam_ds *ds, const char *id)
{
	for (size_t i = 0; i < ds->n_enis; i++)
		if (strcmp(ds->enis[i].id, id) == 0)
			return &ds->enis[i];
	return NULL;
}

static int eni_cmp(const void *a, const void *b)
{
	const struct ipam_eni *x = a, *y = b;

	return (x->device > y->device) - (x->device < y->device);
}

int ipam_ds_add_eni(struct ipam_ds *ds, const char *id, int device, bool primary,
		    uint32_t primary_ip, struct net_cidr4 subnet, int64_t now_ms)
{
	struct ipam_eni *e;

	for (size_t i = 0; i < ds->n_enis; i++)
		if (strcmp(ds->enis[i].id, id) == 0 || ds->enis[i].device == device)
			return -EEXIST;
	if (ds->n_enis == IPAM_ENIS_MAX)
		return -ENOSPC;
	e = &ds->enis[ds->n_enis];
	*e = (struct ipam_eni){.device = device, .primary = primary, .primary_ip = primary_ip,
			       .subnet = subnet, .created_ms = now_ms};
	if (util_strscpy(e->id, id, sizeof(e->id)) < 0)
		return -EINVAL;
	ds->n_enis++;
	qsort(ds->enis, ds->n_enis, sizeof(*ds->enis), eni_cmp); /* device order */
	return 0;
}

int ipam_ds_remove_eni(struct ipam_ds *ds, const char *id, bool force, int64_t now_ms)
{
	struct ipam_eni *e = ipam_ds_find_eni(ds, id);

	if (!e)
		return -ENOENT;
	for (size_t i = 0; !force && i < e->n_addrs; i++)
		if (e->addrs[i].assigned || ipam_addr_cooling(&e->addrs[i], now_ms))
			return -EBUSY;
	free(e->addrs);
	size_t idx = (size_t)(e - ds->enis);
	memmove(e, e + 1, (ds->n_enis - idx - 1) * sizeof(*e));
	ds->n_enis--;
	return 0;
}

static struct ipam_addr *find_addr(const struct ipam_ds *ds, uint32_t ip, struct ipam_eni **ret_eni)
{
	for (size_t i = 0; i < ds->n_enis; i++)
		for (size_t k = 0; k < ds->enis[i].n_addrs; k++)
			if (ds->enis[i].addrs[k].ip == ip) {
				if (ret_eni)
					*ret_eni = &ds->enis[i];
				return &ds->enis[i].addrs[k];
			}
	return NULL;
}

static int push_addr(struct ipam_eni *e, uint32_t ip, bool from_prefix)
{
	if (e->n_addrs == IPAM_ADDRS_PER_ENI_MAX)
		return -ENOSPC;
	if (util_grow((void **)&e->addrs, &e->cap_addrs, e->n_addrs + 1, sizeof(*e->addrs)) < 0)
		return -ENOMEM;
	e->addrs[e->n_addrs++] = (struct ipam_addr){.ip = ip, .from_prefix = from_prefix};
	return 0;
}

int ipam_ds_add_ip(struct ipam_ds *ds, const char *eni_id, uint32_t ip)
{
	struct ipam_eni *e = ipam_ds_find_eni(ds, eni_id), *owner = NULL;

	if (!e)
		return -ENOENT;
	if (ip == e->primary_ip)
		return -EINVAL;
	if (find_addr(ds, ip, &owner))
		return owner == e ? 0 : -EEXIST;
	return push_addr(e, ip, false);
}

int ipam_ds_add_prefix(struct ipam_ds *ds, const char *eni_id, struct net_cidr4 prefix)
{
	struct ipam_eni *e = ipam_ds_find_eni(ds, eni_id);
	int r;

	if (!e)
		return -ENOENT;
	if (prefix.len != 28 || (prefix.addr & 15u) != 0)
		return -EINVAL;
	for (size_t i = 0; i < e->n_prefixes; i++)
		if (e->prefixes[i].addr == prefix.addr)
			return 0;
	if (e->n_prefixes == sizeof(e->prefixes) / sizeof(e->prefixes[0]) ||
	    e->n_addrs + 16 > IPAM_ADDRS_PER_ENI_MAX)
		return -ENOSPC;
	for (uint32_t i = 0; i < 16; i++)
		if (find_addr(ds, prefix.addr + i, NULL))
			return -EEXIST;
	for (uint32_t i = 0; i < 16; i++)
		if ((r = push_addr(e, prefix.addr + i, true)) < 0)
			return r;
	e->prefixes[e->n_prefixes++] = prefix;
	return 0;
}

static void drop_addr(struct ipam_eni *e, size_t k)
{
	memmove(&e->addrs[k], &e->addrs[k + 1], (e->n_addrs - k - 1) * sizeof(*e->addrs));
	e->n_addrs--;
}

int ipam_ds_remove_ip(struct ipam_ds *ds, const char *eni_id, uint32_t ip)
{
	struct ipam_eni *e = ipam_ds_find_eni(ds, eni_id);

	if (!e)
		return -ENOENT;
	for (size_t k = 0; k < e->n_addrs; k++)
		if (e->addrs[k].ip == ip && !e->addrs[k].from_prefix) {
			if (e->addrs[k].assigned)
				return -EBUSY;
			drop_addr(e, k);
			return 0;
		}
	return -ENOENT;
}

int ipam_ds_remove_prefix(struct ipam_ds *ds, const char *eni_id, struct net_cidr4 prefix)
{
	struct ipam_eni *e = ipam_ds_find_eni(ds, eni_id);
	size_t p;

	if (!e)
		return -ENOENT;
	for (p = 0; p < e->n_prefixes && e->prefixes[p].addr != prefix.addr; p++)
		;
	if (p == e->n_prefixes)
		return -ENOENT;
	for (size_t k = 0; k < e->n_addrs; k++)
		if (e->addrs[k].from_prefix && (e->addrs[k].ip & ~15u) == prefix.addr &&
		    e->addrs[k].assigned)
			return -EBUSY;
	for (size_t k = e->n_addrs; k-- > 0;)
		if (e->addrs[k].from_prefix && (e->addrs[k].ip & ~15u) == prefix.addr)
			drop_addr(e, k);
	memmove(&e->prefixes[p], &e->prefixes[p + 1], (e->n_prefixes - p - 1) * sizeof(e->prefixes[0]));
	e->n_prefixes--;
	return 0;
}

static void lease_of(const struct ipam_eni *e, const struct ipam_addr *a, struct ipam_lease *ret)
{
	if (!ret)
		return;
	*ret = (struct ipam_lease){.ip = a->ip, .device = e->device, .assigned_ms = a->assigned_ms};
	memcpy(ret->eni_id, e->id, sizeof(ret->eni_id));
}

static struct ipam_addr *find_key(const struct ipam_ds *ds, const struct ipam_key *key,
				  struct ipam_eni **ret_eni)
{
	for (size_t i = 0; i < ds->n_enis; i++)
		for (size_t k = 0; k < ds->enis[i].n_addrs; k++)
			if (ds->enis[i].addrs[k].assigned && ipam_key_eq(&ds->enis[i].addrs[k].key, key)) {
				*ret_eni = &ds->enis[i];
				return &ds->enis[i].addrs[k];
			}
	return NULL;
}

static void take(struct ipam_addr *a, const struct ipam_key *key, const char *ns, const char *pod,
		 int64_t now_ms)
{
	a->assigned = true;
	a->assigned_ms = now_ms;
	a->cooldown_until_ms = 0;
	a->key = *key;
	util_strscpy(a->pod_namespace, ns ? ns : "", sizeof(a->pod_namespace));
	util_strscpy(a->pod_name, pod ? pod : "", sizeof(a->pod_name));
}

int ipam_ds_assign(struct ipam_ds *ds, const struct ipam_key *key, const char *pod_namespace,
		   const char *pod_name, int64_t now_ms, struct ipam_lease *ret_lease)
{
	struct ipam_eni *e = NULL, *fresh_eni = NULL, *reuse_eni = NULL;
	struct ipam_addr *a = find_key(ds, key, &e), *fresh = NULL, *reuse = NULL;

	if (a) {
		lease_of(e, a, ret_lease);
		return 0;
	}
	for (size_t i = 0; i < ds->n_enis && !reuse; i++)
		for (size_t k = 0; k < ds->enis[i].n_addrs; k++) {
			struct ipam_addr *c = &ds->enis[i].addrs[k];

			if (c->assigned || ipam_addr_cooling(c, now_ms))
				continue;
			if (c->cooldown_until_ms != 0) { /* used before and cooled down */
				reuse = c;
				reuse_eni = &ds->enis[i];
				break;
			}
			if (!fresh) {
				fresh = c;
				fresh_eni = &ds->enis[i];
			}
		}
	a = reuse ? reuse : fresh;
	e = reuse ? reuse_eni : fresh_eni;
	if (!a)
		return -ENOSPC;
	take(a, key, pod_namespace, pod_name, now_ms);
	lease_of(e, a, ret_lease);
	return 0;
}

int ipam_ds_unassign(struct ipam_ds *ds, const struct ipam_key *key, int64_t now_ms,
		     struct ipam_lease *ret_lease)
{
	struct ipam_eni *e;
	struct ipam_addr *a = find_key(ds, key, &e);

	if (!a)
		return -ENOENT;
	lease_of(e, a, ret_lease);
	a->assigned = false;
	/* Never 0 once used, so "used before" stays recognisable (ipam_ds_assign). */
	a->cooldown_until_ms = now_ms + ds->cooldown_ms > 0 ? now_ms + ds->cooldown_ms : 1;
	memset(&a->key, 0, sizeof(a->key));
	return 0;
}

int ipam_ds_find(const struct ipam_ds *ds, const struct ipam_key *key, struct ipam_lease *ret_lease)
{
	struct ipam_eni *e;
	struct ipam_addr *a = find_key(ds, key, &e);

	if (!a)
		return -ENOENT;
	lease_of(e, a, ret_lease);
	return 0;
}

int ipam_ds_restore(struct ipam_ds *ds, const struct ipam_key *key, uint32_t ip,
		    int64_t assigned_ms, const char *pod_namespace, const char *pod_name)
{
	struct ipam_addr *a = find_addr(ds, ip, NULL);

	if (!a)
		return -ENOENT;
	if (a->assigned)
		return ipam_key_eq(&a->key, key) ? 0 : -EEXIST;
	take(a, key, pod_namespace, pod_name, assigned_ms);
	return 0;
}

void ipam_ds_stats(const struct ipam_ds *ds, int64_t now_ms, struct ipam_stats *ret)
{
	struct ipam_stats s = {.enis = ds->n_enis};

	for (size_t i = 0; i < ds->n_enis; i++) {
		const struct ipam_eni *e = &ds->enis[i];

		s.prefixes += e->n_prefixes;
		for (size_t p = 0; p < e->n_prefixes; p++) {
			bool used = false;

			for (size_t k = 0; k < e->n_addrs && !used; k++)
				used = e->addrs[k].from_prefix &&
				       (e->addrs[k].ip & ~15u) == e->prefixes[p].addr &&
				       (e->addrs[k].assigned || ipam_addr_cooling(&e->addrs[k], now_ms));
			s.free_prefixes += !used;
		}
		for (size_t k = 0; k < e->n_addrs; k++) {
			s.total++;
			if (e->addrs[k].assigned)
				s.assigned++;
			else if (ipam_addr_cooling(&e->addrs[k], now_ms))
				s.cooling++;
		}
	}
	s.available = s.total - s.assigned - s.cooling;
	*ret = s;
}
