/*
 * ipamd-warm: the warm-pool thread of vpc-ipamd — ask ipam-pool.h for the
 * next step and carry it out with EC2 (see ipamd.h for the locking rule:
 * EC2 calls never hold the mutex; addresses leave the datastore before EC2
 * takes them back).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipamd/ipamd.h"
#include "ipamd/node-net.h"
#include "lib/util/util.h"

static void ec2_fail(struct ipamd *d, const char *what, const struct ec2c_error *err, int e)
{
	pthread_mutex_lock(&d->lock);
	d->stats.ec2_errors++;
	pthread_mutex_unlock(&d->lock);
	ipamd_log("warning", "%s: %s %s", what, err->code[0] ? err->code : strerror(-e), err->message);
}

static void counted(struct ipamd *d)
{
	pthread_mutex_lock(&d->lock);
	d->stats.ec2_calls++;
	pthread_mutex_unlock(&d->lock);
}

static void add_assigned(struct ipamd *d, const char *eni, const struct ec2c_assigned *a)
{
	for (size_t i = 0; i < a->n_ips; i++)
		ipam_ds_add_ip(d->ds, eni, a->ips[i]);
	for (size_t i = 0; i < a->n_prefixes; i++)
		ipam_ds_add_prefix(d->ds, eni, a->prefixes[i]);
	d->stats.ips_assigned += a->n_ips + 16 * a->n_prefixes;
}

static void assign(struct ipamd *d, const struct ipam_plan *p)
{
	struct ec2c_assigned a = {0};
	struct ec2c_error err = {0};
	bool pd = d->cfg.pool.prefix_delegation;
	int e = ec2c_assign_private_ips(d->ec2, p->eni_id, pd ? 0 : p->count, pd ? p->count : 0, &a, &err);

	counted(d);
	if (e < 0) {
		ec2_fail(d, "AssignPrivateIpAddresses", &err, e);
		return;
	}
	pthread_mutex_lock(&d->lock);
	add_assigned(d, p->eni_id, &a);
	pthread_mutex_unlock(&d->lock);
}

static int free_device(struct ipamd *d)
{
	for (int dev = 1; dev < 64; dev++) {
		bool used = false;

		for (size_t i = 0; i < d->ds->n_enis && !used; i++)
			used = d->ds->enis[i].device == dev;
		if (!used)
			return dev;
	}
	return -1;
}

static void new_eni(struct ipamd *d, const struct ipam_plan *p)
{
	const char *groups[IPAMD_SGS_MAX];
	char desc[128], attach[EC2C_ID_MAX], why[256] = "";
	struct ec2c_kv tag = {"node.k8s.amazonaws.com/instance_id", d->instance_id};
	struct ec2c_eni eni = {0};
	struct ec2c_error err = {0};
	bool pd = d->cfg.pool.prefix_delegation;
	int dev, e;

	for (size_t i = 0; i < d->n_sg_ids; i++)
		groups[i] = d->sg_ids[i];
	snprintf(desc, sizeof(desc), "aws-K8S-%s", d->instance_id);
	struct ec2c_create_eni in = {.subnet_id = d->subnet_id, .description = desc, .group_ids = groups,
				     .n_group_ids = d->n_sg_ids, .tags = &tag, .n_tags = 1,
				     .secondary_ip_count = pd ? 0 : p->count, .prefix_count = pd ? p->count : 0};
	e = ec2c_create_network_interface(d->ec2, &in, &eni, &err);
	counted(d);
	if (e < 0) {
		ec2_fail(d, "CreateNetworkInterface", &err, e);
		return;
	}
	pthread_mutex_lock(&d->lock);
	dev = free_device(d);
	pthread_mutex_unlock(&d->lock);
	e = ec2c_attach_network_interface(d->ec2, eni.id, d->instance_id, dev, attach, &err);
	counted(d);
	if (e < 0) {
		ec2_fail(d, "AttachNetworkInterface", &err, e);
		ec2c_delete_network_interface(d->ec2, eni.id, &err); /* do not leak it */
		ec2c_eni_done(&eni);
		return;
	}
	if (ec2c_set_delete_on_termination(d->ec2, eni.id, attach, &err) < 0)
		ec2_fail(d, "ModifyNetworkInterfaceAttribute", &err, -EIO);
	/* The interface appears in the node's namespace when the fabric plumbs the attachment. */
	for (int i = 0; i < 50 && (e = node_eni_setup(eni.mac, dev, eni.primary_ip, d->subnet, d->cfg.mtu, why,
						       sizeof(why))) == -ENOENT;
	     i++)
		usleep(100 * 1000);
	if (e < 0)
		ipamd_log("warning", "ENI %s at device %d: %s", eni.id, dev, why);
	pthread_mutex_lock(&d->lock);
	e = ipam_ds_add_eni(d->ds, eni.id, dev, false, eni.primary_ip, d->subnet, ipamd_now_ms());
	if (e == 0) {
		struct ec2c_assigned a = {.n_ips = eni.n_secondary_ips, .n_prefixes = eni.n_prefixes};
		memcpy(a.ips, eni.secondary_ips, sizeof(a.ips));
		memcpy(a.prefixes, eni.prefixes, sizeof(a.prefixes));
		add_assigned(d, eni.id, &a);
		d->stats.enis_created++;
	}
	pthread_mutex_unlock(&d->lock);
	ipamd_log("info", "ENI %s attached at device %d with %d %s", eni.id, dev, p->count,
		  pd ? "prefix(es)" : "address(es)");
	ec2c_eni_done(&eni);
}

static void release_ips(struct ipamd *d, const struct ipam_plan *p)
{
	bool pd = d->cfg.pool.prefix_delegation;
	uint32_t ips[IPAM_PLAN_MAX];
	struct net_cidr4 pfx[IPAM_PLAN_MAX];
	size_t n = 0;
	struct ec2c_error err = {0};

	pthread_mutex_lock(&d->lock); /* out of the datastore first: no pod can take them now */
	for (int i = 0; i < p->count; i++) {
		int e = pd ? ipam_ds_remove_prefix(d->ds, p->eni_id, (struct net_cidr4){p->ips[i], 28})
			   : ipam_ds_remove_ip(d->ds, p->eni_id, p->ips[i]);
		if (e == 0) {
			ips[n] = p->ips[i];
			pfx[n] = (struct net_cidr4){p->ips[i], 28};
			n++;
		}
	}
	pthread_mutex_unlock(&d->lock);
	if (n == 0)
		return;
	int e = ec2c_unassign_private_ips(d->ec2, p->eni_id, pd ? NULL : ips, pd ? 0 : n, pd ? pfx : NULL,
					  pd ? n : 0, &err);
	counted(d);
	pthread_mutex_lock(&d->lock);
	if (e < 0) {
		/* EC2 kept them: they are ours again. */
		for (size_t i = 0; i < n; i++)
			if (pd)
				ipam_ds_add_prefix(d->ds, p->eni_id, pfx[i]);
			else
				ipam_ds_add_ip(d->ds, p->eni_id, ips[i]);
	} else {
		d->stats.ips_released += pd ? 16 * n : n;
	}
	pthread_mutex_unlock(&d->lock);
	if (e < 0)
		ec2_fail(d, "UnassignPrivateIpAddresses", &err, e);
}

static void release_eni(struct ipamd *d, const struct ipam_plan *p)
{
	struct ec2c_eni_list list = {0};
	struct ec2c_error err = {0};
	char why[256] = "";
	int device = -1;
	uint32_t ip = 0;

	pthread_mutex_lock(&d->lock);
	struct ipam_eni *e = ipam_ds_find_eni(d->ds, p->eni_id);
	if (e) {
		device = e->device;
		ip = e->primary_ip;
	}
	int r = ipam_ds_remove_eni(d->ds, p->eni_id, false, ipamd_now_ms());
	pthread_mutex_unlock(&d->lock);
	if (r < 0)
		return; /* a pod took one of its addresses meanwhile */
	node_eni_teardown(device, ip, why, sizeof(why));
	struct ec2c_describe q = {.ids = (const char *const[]){p->eni_id}, .n_ids = 1};
	if (ec2c_describe_network_interfaces(d->ec2, &q, &list, &err) == 0 && list.n_enis == 1 &&
	    list.enis[0].attached) {
		if (ec2c_detach_network_interface(d->ec2, list.enis[0].attachment.id, false, &err) < 0)
			ec2_fail(d, "DetachNetworkInterface", &err, -EIO);
	}
	ec2c_eni_list_done(&list);
	if (ec2c_delete_network_interface(d->ec2, p->eni_id, &err) < 0 && strcmp(err.code, "InvalidNetworkInterfaceID.NotFound") != 0)
		ec2_fail(d, "DeleteNetworkInterface", &err, -EIO);
	pthread_mutex_lock(&d->lock);
	d->stats.ec2_calls += 3;
	d->stats.enis_freed++;
	pthread_mutex_unlock(&d->lock);
	ipamd_log("info", "ENI %s freed", p->eni_id);
}

enum ipam_action ipamd_pool_step(struct ipamd *d)
{
	struct ipam_plan p;

	pthread_mutex_lock(&d->lock);
	ipam_pool_plan(d->ds, &d->cfg.pool, &d->lim, ipamd_now_ms(), &p);
	d->stats.reconciles++;
	pthread_mutex_unlock(&d->lock);
	switch (p.action) {
	case IPAM_ASSIGN:
		assign(d, &p);
		break;
	case IPAM_NEW_ENI:
		new_eni(d, &p);
		break;
	case IPAM_RELEASE_IPS:
		release_ips(d, &p);
		break;
	case IPAM_RELEASE_ENI:
		release_eni(d, &p);
		break;
	case IPAM_NOTHING:
		break;
	}
	return p.action;
}

static void *pool_thread(void *arg)
{
	struct ipamd *d = arg;

	while (!d->stopping) {
		/* Act until settled (bounded), then sleep until the interval or a wake-up. */
		for (int i = 0; i < 16 && !d->stopping && ipamd_pool_step(d) != IPAM_NOTHING; i++)
			;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t ns = ts.tv_nsec + (d->cfg.pool_interval_ms % 1000) * 1000000;
		ts.tv_sec += d->cfg.pool_interval_ms / 1000 + ns / 1000000000;
		ts.tv_nsec = ns % 1000000000;
		pthread_mutex_lock(&d->lock);
		if (!d->stopping)
			pthread_cond_timedwait(&d->wake, &d->lock, &ts);
		pthread_mutex_unlock(&d->lock);
	}
	return NULL;
}

int ipamd_pool_start(struct ipamd *d)
{
	return pthread_create(&d->pool_thread, NULL, pool_thread, d) == 0 ? 0 : -EAGAIN;
}

void ipamd_pool_stop(struct ipamd *d)
{
	pthread_mutex_lock(&d->lock);
	d->stopping = true;
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->pool_thread, NULL);
}
