/* ipamd-serve: the plugin's Unix socket (see ipamd.h). */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cni/cni-ipc.h"
#include "ipamd/ipamd.h"
#include "ipamd/node-net.h"
#include "lib/util/util.h"

#define IO_TIMEOUT_MS 5000

static int listen_fd = -1;

static void key_of(const struct cni_proto_req *q, struct ipam_key *k)
{
	memset(k, 0, sizeof(*k));
	util_strscpy(k->network, q->network, sizeof(k->network));
	util_strscpy(k->container_id, q->container_id, sizeof(k->container_id));
	util_strscpy(k->ifname, q->ifname, sizeof(k->ifname));
}

static void fail(struct cni_proto_resp *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct cni_proto_resp *p, int code, const char *fmt, ...)
{
	va_list ap;

	p->ok = false;
	p->code = code;
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
}

static void fill_ok(struct ipamd *d, const struct ipam_lease *l, struct cni_proto_resp *p)
{
	p->ok = true;
	p->ip4 = l ? l->ip : 0;
	p->device_number = l ? l->device : 0;
	p->route_table = l ? node_eni_table(l->device) : 0;
	p->external_snat = d->cfg.external_snat;
	p->node_ip = d->node_ip;
	memcpy(p->vpc_cidrs, d->vpc_cidrs, sizeof(p->vpc_cidrs));
	p->n_vpc_cidrs = d->n_vpc_cidrs;
	p->mtu = d->cfg.mtu;
}

/* *wake: the pool thread should look at the pool once the answer is out. */
static void do_add(struct ipamd *d, const struct cni_proto_req *q, struct cni_proto_resp *p,
		   bool *wake)
{
	struct ipam_key k;
	struct ipam_lease l;
	int e;

	key_of(q, &k);
	d->stats.add_req++;
	e = ipam_ds_assign(d->ds, &k, q->pod_namespace, q->pod_name, ipamd_now_ms(), &l);
	if (e == -ENOSPC) {
		d->stats.no_ip++;
		d->stats.add_fail++;
		*wake = true;
		fail(p, CNI_ERR_NO_IP,
		     "no free IP address on node %s: max pods reached, or the warm pool is being "
		     "refilled (retry)",
		     d->instance_id);
		return;
	}
	if (e == 0 && (e = ipamd_checkpoint_change(d, &k, &l, q->pod_namespace, q->pod_name)) < 0) {
		ipam_ds_unassign(d->ds, &k, ipamd_now_ms(), NULL);
		d->stats.add_fail++;
		fail(p, CNI_ERR_IO, "cannot write the checkpoint: %s", strerror(-e));
		return;
	}
	fill_ok(d, &l, p);
	*wake = true; /* the pool may need a top-up */
}

static void do_del(struct ipamd *d, const struct cni_proto_req *q, struct cni_proto_resp *p)
{
	struct ipam_key k;
	struct ipam_lease l;

	key_of(q, &k);
	d->stats.del_req++;
	if (ipam_ds_unassign(d->ds, &k, ipamd_now_ms(), &l) < 0) {
		fill_ok(d, NULL, p); /* unknown pod: nothing to give back (DEL is idempotent) */
		return;
	}
	int e = ipamd_checkpoint_change(d, &k, NULL, NULL, NULL);
	if (e < 0)
		ipamd_log("error", "checkpoint after DEL of %s: %s", q->container_id, strerror(-e));
	fill_ok(d, &l, p);
}

static void do_gc(struct ipamd *d, const struct cni_proto_req *q, struct cni_proto_resp *p)
{
	size_t released = 0;

	for (size_t i = 0; i < d->ds->n_enis; i++)
		for (size_t k = 0; k < d->ds->enis[i].n_addrs; k++) {
			struct ipam_addr *a = &d->ds->enis[i].addrs[k];
			bool keep = !a->assigned || strcmp(a->key.network, q->network) != 0;

			for (size_t v = 0; !keep && v < q->n_valid; v++)
				keep = strcmp(a->key.container_id, q->valid[v].container_id) == 0 &&
				       strcmp(a->key.ifname, q->valid[v].ifname) == 0;
			if (!keep) {
				struct ipam_key key = a->key;
				ipam_ds_unassign(d->ds, &key, ipamd_now_ms(), NULL);
				released++;
			}
		}
	if (released) {
		ipamd_log("info", "GC: %zu allocation(s) of network %s released", released, q->network);
		ipamd_checkpoint(d);
	}
	fill_ok(d, NULL, p);
}

static void handle(struct ipamd *d, const struct cni_proto_req *q, struct cni_proto_resp *p,
		   bool *wake)
{
	struct ipam_key k;
	struct ipam_lease l;

	pthread_mutex_lock(&d->lock);
	switch (q->op) {
	case CNI_OP_ADD:
		do_add(d, q, p, wake);
		break;
	case CNI_OP_DEL:
		do_del(d, q, p);
		break;
	case CNI_OP_CHECK:
		key_of(q, &k);
		if (ipam_ds_find(d->ds, &k, &l) == 0)
			fill_ok(d, &l, p);
		else
			fail(p, CNI_ERR_UNKNOWN_CONTAINER, "vpc-ipamd holds no address for %s",
			     q->container_id);
		break;
	case CNI_OP_GC:
		do_gc(d, q, p);
		break;
	case CNI_OP_STATUS:
		if (d->ready)
			fill_ok(d, NULL, p);
		else
			fail(p, CNI_ERR_NOT_AVAILABLE, "vpc-ipamd on %s is starting", d->instance_id);
		break;
	}
	pthread_mutex_unlock(&d->lock);
}

static void serve_one(struct ipamd *d, int fd)
{
	char *buf = NULL, *out = NULL;
	size_t len = 0;
	struct cni_proto_req q = {0};
	struct cni_proto_resp p = {0};
	struct cni_err err = {0};
	bool wake = false;

	if (cni_ipc_read(fd, IO_TIMEOUT_MS, &buf, &len) < 0)
		goto out;
	if (cni_proto_req_decode(buf, len, &q, &err) < 0) {
		p.ok = false;
		p.code = err.code;
		util_strscpy(p.msg, err.msg, sizeof(p.msg));
	} else {
		handle(d, &q, &p, &wake);
		if (!p.ok)
			ipamd_log("warning", "%s %s: %s", cni_proto_op_str(q.op), q.container_id, p.msg);
	}
	out = cni_proto_resp_encode(&p);
	if (out)
		cni_ipc_write(fd, out, strlen(out), IO_TIMEOUT_MS);
	if (wake) {
		/* After the answer: the pool thread would otherwise compete with it for a CPU. */
		pthread_mutex_lock(&d->lock);
		pthread_cond_signal(&d->wake);
		pthread_mutex_unlock(&d->lock);
	}
out:
	cni_proto_req_clear(&q);
	free(buf);
	free(out);
}

static void *serve_thread(void *arg)
{
	struct ipamd *d = arg;
	struct pollfd pf[2] = {{.fd = listen_fd, .events = POLLIN}, {.fd = d->stop_fd, .events = POLLIN}};

	while (!d->stopping) {
		if (poll(pf, 2, -1) < 0)
			continue;
		if (pf[1].revents)
			break;
		int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		serve_one(d, c);
		close(c);
	}
	return NULL;
}

int ipamd_serve_start(struct ipamd *d, char *why, size_t wsize)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[sizeof(sa.sun_path)];

	util_strscpy(sa.sun_path, d->cfg.socket_path, sizeof(sa.sun_path));
	util_strscpy(dir, d->cfg.socket_path, sizeof(dir));
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	unlink(sa.sun_path); /* a stale socket of a previous run */
	d->stop_fd = eventfd(0, EFD_CLOEXEC);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || d->stop_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(sa.sun_path, 0660) < 0 || listen(listen_fd, 128) < 0) {
		snprintf(why, wsize, "cannot listen on %s: %s", sa.sun_path, strerror(errno));
		return -errno;
	}
	if (pthread_create(&d->serve_thread, NULL, serve_thread, d) != 0) {
		snprintf(why, wsize, "cannot start the socket thread");
		return -EAGAIN;
	}
	return 0;
}

void ipamd_serve_stop(struct ipamd *d)
{
	uint64_t one = 1;

	if (listen_fd < 0)
		return;
	d->stopping = true;
	if (write(d->stop_fd, &one, sizeof(one)) < 0) {
		/* the thread also sees `stopping` at its next wakeup */
	}
	pthread_join(d->serve_thread, NULL);
	ipam_ckpt_log_close(&d->ckpt_log);
	close(listen_fd);
	listen_fd = -1;
	unlink(d->cfg.socket_path);
}
