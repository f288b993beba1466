/*
 * dp-svc: the service-pool address table (see dp-svc.h).
 */
#include "fabric/dp-svc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/util.h"

static uint32_t hash(const void *port, uint32_t ip)
{
	return (uint32_t)util_hash64((uint64_t)(uintptr_t)port * 0x9e3779b97f4a7c15ull ^ ip);
}

int dp_svc_init(struct dp_svc *t, struct net_cidr4 pool)
{
	uint64_t usable;
	uint32_t idx = 1;

	memset(t, 0, sizeof(*t));
	if (pool.len > 30 || pool.len < 8)
		return -EINVAL;
	usable = net_cidr4_size(pool) - 2;
	t->pool = pool;
	t->cap = usable < DP_SVC_MAX ? (uint32_t)usable : DP_SVC_MAX;
	while (idx < 2 * t->cap)
		idx <<= 1;
	t->entries = calloc(t->cap, sizeof(*t->entries));
	t->index = calloc(idx, sizeof(*t->index));
	if (!t->entries || !t->index) {
		free(t->entries);
		free(t->index);
		return -ENOMEM;
	}
	t->index_mask = idx - 1;
	pthread_mutex_init(&t->lock, NULL);
	return 0;
}

void dp_svc_destroy(struct dp_svc *t)
{
	if (!t->entries)
		return;
	free(t->entries);
	free(t->index);
	pthread_mutex_destroy(&t->lock);
	t->entries = NULL;
	t->index = NULL;
}

static void index_insert(struct dp_svc *t, uint32_t slot)
{
	uint32_t h = hash(t->entries[slot].port, t->entries[slot].ip) & t->index_mask;

	while (t->index[h])
		h = (h + 1) & t->index_mask;
	t->index[h] = slot + 1;
}

uint32_t dp_svc_map(struct dp_svc *t, const void *port, uint32_t ip, const char *eni_id)
{
	uint32_t h = hash(port, ip) & t->index_mask, slot;

	while (t->index[h]) {
		const struct dp_svc_entry *e = &t->entries[t->index[h] - 1];

		if (e->port == port && e->ip == ip)
			return t->pool.addr + t->index[h];
		h = (h + 1) & t->index_mask;
	}
	for (slot = 0; slot < t->cap && t->entries[slot].used; slot++)
		;
	if (slot == t->cap)
		return 0;
	pthread_mutex_lock(&t->lock);
	t->entries[slot].used = true;
	t->entries[slot].port = port;
	t->entries[slot].ip = ip;
	util_strscpy(t->entries[slot].eni_id, eni_id, MODEL_ID_LEN);
	pthread_mutex_unlock(&t->lock);
	index_insert(t, slot);
	return t->pool.addr + 1 + slot;
}

static const struct dp_svc_entry *entry_of(const struct dp_svc *t, uint32_t addr)
{
	uint32_t slot;

	if (!t->entries || !net_cidr4_contains(t->pool, addr) || addr == t->pool.addr)
		return NULL;
	slot = addr - t->pool.addr - 1;
	if (slot >= t->cap || !t->entries[slot].used)
		return NULL;
	return &t->entries[slot];
}

int dp_svc_back(const struct dp_svc *t, uint32_t addr, const void **ret_port, uint32_t *ret_ip)
{
	const struct dp_svc_entry *e = entry_of(t, addr);

	if (!e)
		return -ENOENT;
	*ret_port = e->port;
	*ret_ip = e->ip;
	return 0;
}

int dp_svc_peer(struct dp_svc *t, uint32_t addr, char ret_eni_id[MODEL_ID_LEN], uint32_t *ret_ip)
{
	const struct dp_svc_entry *e;
	int r = -ENOENT;

	if (!t->entries)
		return -ENOENT;
	pthread_mutex_lock(&t->lock);
	e = entry_of(t, addr);
	if (e) {
		util_strscpy(ret_eni_id, e->eni_id, MODEL_ID_LEN);
		*ret_ip = e->ip;
		r = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

void dp_svc_forget_port(struct dp_svc *t, const void *port)
{
	bool changed = false;

	if (!t->entries)
		return;
	pthread_mutex_lock(&t->lock);
	for (uint32_t i = 0; i < t->cap; i++) {
		if (t->entries[i].used && t->entries[i].port == port) {
			memset(&t->entries[i], 0, sizeof(t->entries[i]));
			changed = true;
		}
	}
	pthread_mutex_unlock(&t->lock);
	if (!changed)
		return;
	memset(t->index, 0, (t->index_mask + 1) * sizeof(*t->index));
	for (uint32_t i = 0; i < t->cap; i++)
		if (t->entries[i].used)
			index_insert(t, i);
}
