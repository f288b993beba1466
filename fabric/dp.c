/*
 * dp: the data-path thread, its port table and the per-frame forwarding
 * (see dp.h for the behaviour).
 *
 * Thread-owned: ports, the generation maps (port_of_eni/igw/vgw, rebuilt
 * when the generation or the port table changes), the counters, the clock.
 * Shared under dp->lock: the requested port table, the request/done sequence
 * numbers of control round trips, the stop flag and the counter snapshot.
 *
 * One loop iteration: epoll_wait (ports + the eventfd), read the clock,
 * adopt a published generation, drain every readable port (each frame is
 * answered, queued for an egress port (dp-io tx_slot/tx_commit), or
 * dropped), flush once the ports that got frames (one or two system calls
 * each, ring.h), then serve a control request if one came.
 * Control requests are served last so that ports freed by a new table are
 * never touched by the events of the same iteration.
 */
#include "fabric/dp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fabric/arp.h"
#include "fabric/dp-svc.h"
#include "fabric/dp-xdp.h"
#include "fabric/ring.h"
#include "lib/net/be.h"
#include "lib/net/pkt.h"
#include "lib/util/util.h"

#define DP_NONE UINT32_MAX
#define DP_RX_BUDGET 2048	/* frames per port per wake-up */
#define DP_EXPIRE_EVERY_MS 100
#define DP_EXPIRE_BUDGET 4096
#define DP_FLOWLOG_EVERY_MS 1000
#define DP_EPOLL_MAX 64

static const uint8_t DP_ROUTER_MAC[6] = {0x02, 0x76, 0x70, 0x63, 0x00, 0x01};

struct dp_port {
	struct fabric_dp_port cfg;
	struct fabric_dp *dp;
	struct dp_io *io;
	uint32_t obj;		/* ENI / IGW / VGW index in the current generation */
	const char *subnet_id;	/* ENI: the generation's subnet ID (same pointer = same subnet) */
	const char *vpc_id;
	uint8_t peer_mac[6];	/* gateway: where frames to the outside go */
	bool has_peer_mac, learn_peer_mac;
	bool tx_pending;
	int xdp_fd;		/* the GSO guard's BPF link (dp-xdp.h), -1 when none */
	uint64_t rx, tx;
};

struct dp_port_snap {
	char id[MODEL_ID_LEN];
	uint64_t rx, tx;
};

struct fabric_dp {
	struct fabric_dp_config cfg;
	const struct dp_io_ops *io;
	struct dp_io_config io_cfg;
	struct eng_state *st;
	int evfd;

	/* control side */
	pthread_t thread;
	bool running;

	/* shared, under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fabric_dp_port *want;
	size_t n_want;
	bool has_want;
	uint64_t req_seq, done_seq;
	int req_result;
	bool stop_req, started, dead;
	int start_result;
	struct fabric_dp_stats snap;
	struct dp_port_snap *snap_ports;
	size_t n_snap_ports, cap_snap_ports;

	/* data-path thread only */
	int epfd;
	struct dp_port **ports;
	size_t n_ports, cap_ports;
	const struct eng_gen *gen;
	struct dp_port **port_of_eni, **port_of_igw, **port_of_vgw;
	struct dp_port *svc_port; /* the SERVICE port, NULL when none */
	struct dp_svc svc;	  /* service-pool addresses (dp-svc.h) */
	size_t n_eni, n_igw, n_vgw, cap_eni, cap_igw, cap_vgw;
	struct dp_port **dirty;
	size_t n_dirty, cap_dirty;
	struct fabric_dp_stats stats;
	uint64_t now_ms, epoch_offset_ms, next_expire_ms, next_flowlog_ms;
};

void fabric_dp_config_default(struct fabric_dp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->netns_fd = -1;
	memcpy(cfg->router_mac, DP_ROUTER_MAC, 6);
	cfg->io = &ring_io_ops;
	ring_config_default(&cfg->io_cfg);
	cfg->gso_guard = true;
}

static bool mac_zero(const uint8_t mac[6])
{
	static const uint8_t zero[6] = {0};

	return memcmp(mac, zero, 6) == 0;
}

int fabric_dp_new(const struct fabric_dp_config *cfg, struct eng_state *st,
		  struct fabric_dp **ret_dp)
{
	struct fabric_dp *dp;

	if (!cfg || !st)
		return -EINVAL;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->cfg = *cfg;
	dp->st = st;
	dp->epfd = -1;
	if (mac_zero(dp->cfg.router_mac))
		memcpy(dp->cfg.router_mac, DP_ROUTER_MAC, 6);
	dp->io = cfg->io ? cfg->io : &ring_io_ops;
	dp->io_cfg = cfg->io_cfg;
	if (dp->io_cfg.rx_block_nr == 0 || dp->io_cfg.tx_frame_nr == 0) {
		if (dp->io == &ring_io_ops)
			ring_config_default(&dp->io_cfg);
		else
			goto err_cfg;
	}
	if (dp->cfg.service_pool.len == 0)
		net_cidr4_parse("169.254.0.0/17", &dp->cfg.service_pool);
	if (dp_svc_init(&dp->svc, dp->cfg.service_pool) < 0)
		goto err_cfg;
	if (cfg->netns_fd >= 0) {
		/* Our own reference: a restart enters the same namespace. */
		dp->cfg.netns_fd = fcntl(cfg->netns_fd, F_DUPFD_CLOEXEC, 0);
		if (dp->cfg.netns_fd < 0) {
			int r = -errno;

			dp_svc_destroy(&dp->svc);
			free(dp);
			return r;
		}
	}
	if (dp->cfg.gso_passthrough) {
		dp->io_cfg.offload = true;
		dp->cfg.gso_guard = false;
		if (dp->io_cfg.tx_frame_size < (68u << 10)) {
			dp->io_cfg.tx_frame_size = 68u << 10;
			dp->io_cfg.tx_frame_nr = 64;
		}
	}
	dp->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (dp->evfd < 0) {
		int r = -errno;

		if (dp->cfg.netns_fd >= 0)
			close(dp->cfg.netns_fd);
		dp_svc_destroy(&dp->svc);
		free(dp);
		return r;
	}
	pthread_mutex_init(&dp->lock, NULL);
	pthread_cond_init(&dp->cond, NULL);
	*ret_dp = dp;
	return 0;

err_cfg:
	free(dp);
	return -EINVAL;
}

/* ---- clock ---------------------------------------------------------------------- */

static uint64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- ports and generation maps (thread) ------------------------------------------- */

static int grow_map(struct dp_port ***map, size_t *cap, size_t n)
{
	if (util_grow((void **)map, cap, n ? n : 1, sizeof(**map)) < 0)
		return -ENOMEM;
	memset(*map, 0, (n ? n : 1) * sizeof(**map));
	return 0;
}

/* Look every port's object up in the current generation. */
static int rebuild_maps(struct fabric_dp *dp)
{
	const struct eng_gen *g = dp->gen;

	dp->n_eni = g ? eng_gen_eni_count(g) : 0;
	dp->n_igw = g ? eng_gen_igw_count(g) : 0;
	dp->n_vgw = g ? eng_gen_vgw_count(g) : 0;
	if (grow_map(&dp->port_of_eni, &dp->cap_eni, dp->n_eni) < 0 ||
	    grow_map(&dp->port_of_igw, &dp->cap_igw, dp->n_igw) < 0 ||
	    grow_map(&dp->port_of_vgw, &dp->cap_vgw, dp->n_vgw) < 0) {
		dp->n_eni = dp->n_igw = dp->n_vgw = 0;
		for (size_t i = 0; i < dp->n_ports; i++)
			dp->ports[i]->obj = DP_NONE;
		return -ENOMEM;
	}
	dp->svc_port = NULL;
	for (size_t i = 0; i < dp->n_ports; i++) {
		struct dp_port *p = dp->ports[i];
		uint32_t idx = DP_NONE;
		int r = -ENOENT;

		p->obj = DP_NONE;
		p->subnet_id = p->vpc_id = NULL;
		if (p->cfg.kind == FABRIC_DP_PORT_SERVICE && p->io && !dp->svc_port)
			dp->svc_port = p;
		if (!g || !p->io)
			continue;
		switch (p->cfg.kind) {
		case FABRIC_DP_PORT_ENI:
			r = eng_gen_eni_index(g, p->cfg.id, &idx);
			if (r == 0) {
				dp->port_of_eni[idx] = p;
				p->subnet_id = eng_gen_eni_subnet_id(g, idx);
				p->vpc_id = eng_gen_eni_vpc_id(g, idx);
			}
			break;
		case FABRIC_DP_PORT_IGW:
			r = eng_gen_igw_index(g, p->cfg.id, &idx);
			if (r == 0)
				dp->port_of_igw[idx] = p;
			break;
		case FABRIC_DP_PORT_VGW:
			r = eng_gen_vgw_index(g, p->cfg.id, &idx);
			if (r == 0)
				dp->port_of_vgw[idx] = p;
			break;
		case FABRIC_DP_PORT_SERVICE:
			break;
		}
		if (r == 0)
			p->obj = idx;
	}
	return 0;
}

static void port_free(struct fabric_dp *dp, struct dp_port *p)
{
	if (!p)
		return;
	if (p->io) {
		dp->stats.drop_rx_ring += dp->io->rx_dropped(p->io);
		epoll_ctl(dp->epfd, EPOLL_CTL_DEL, dp->io->fd(p->io), NULL);
		dp->io->tx_flush(p->io);
		dp->io->close(p->io);
	}
	if (p->xdp_fd >= 0)
		close(p->xdp_fd);
	dp_svc_forget_port(&dp->svc, p);
	free(p);
}

static void port_set_cfg(struct dp_port *p, const struct fabric_dp_port *cfg)
{
	p->cfg = *cfg;
	if (cfg->kind != FABRIC_DP_PORT_ENI) {
		p->learn_peer_mac = mac_zero(cfg->mac);
		if (!p->learn_peer_mac) {
			memcpy(p->peer_mac, cfg->mac, 6);
			p->has_peer_mac = true;
		}
	}
}

static int port_open(struct fabric_dp *dp, const struct fabric_dp_port *cfg,
		     struct dp_port **ret_port)
{
	struct dp_port *p = calloc(1, sizeof(*p));
	struct epoll_event ev = {0};
	int r;

	if (!p)
		return -ENOMEM;
	p->dp = dp;
	p->obj = DP_NONE;
	p->xdp_fd = -1;
	port_set_cfg(p, cfg);
	r = dp->io->open(cfg->ifindex, &dp->io_cfg, &p->io);
	if (r < 0) {
		free(p);
		return r;
	}
	if (dp->cfg.gso_guard) {
		p->xdp_fd = dp_xdp_pass_attach(cfg->ifindex);
		if (p->xdp_fd < 0)
			dp->stats.gso_guard_errors++;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = p;
	if (epoll_ctl(dp->epfd, EPOLL_CTL_ADD, dp->io->fd(p->io), &ev) < 0) {
		r = -errno;
		if (p->xdp_fd >= 0)
			close(p->xdp_fd);
		dp->io->close(p->io);
		free(p);
		return r;
	}
	*ret_port = p;
	return 0;
}

/*
 * Make the open ports match want[]: a port with the same kind, ID and
 * ifindex keeps its socket; others are opened or closed.  Returns the first
 * open error (that port is left out).
 */
static int apply_ports(struct fabric_dp *dp, const struct fabric_dp_port *want, size_t n_want)
{
	struct dp_port **next = calloc(n_want ? n_want : 1, sizeof(*next));
	size_t n_next = 0;
	int first_err = 0;

	if (!next)
		return -ENOMEM;
	if (util_grow((void **)&dp->dirty, &dp->cap_dirty, n_want ? n_want : 1,
		      sizeof(*dp->dirty)) < 0) {
		free(next);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_want; i++) {
		struct dp_port *p = NULL;

		for (size_t j = 0; j < dp->n_ports; j++) {
			struct dp_port *o = dp->ports[j];

			if (o && o->cfg.kind == want[i].kind && o->cfg.ifindex == want[i].ifindex &&
			    strcmp(o->cfg.id, want[i].id) == 0) {
				p = o;
				dp->ports[j] = NULL;
				port_set_cfg(p, &want[i]);
				break;
			}
		}
		if (!p) {
			int r = port_open(dp, &want[i], &p);

			if (r < 0) {
				if (!first_err)
					first_err = r;
				continue;
			}
		}
		next[n_next++] = p;
	}
	for (size_t j = 0; j < dp->n_ports; j++)
		port_free(dp, dp->ports[j]);
	free(dp->ports);
	dp->ports = next;
	dp->n_ports = n_next;
	dp->cap_ports = n_want ? n_want : 1;
	dp->n_dirty = 0;
	for (size_t i = 0; i < dp->n_ports; i++)
		dp->ports[i]->tx_pending = false;
	rebuild_maps(dp);
	return first_err;
}

/* ---- transmit --------------------------------------------------------------------- */

static void mark_dirty(struct fabric_dp *dp, struct dp_port *p)
{
	if (!p->tx_pending) {
		p->tx_pending = true;
		dp->dirty[dp->n_dirty++] = p;
	}
}

static uint8_t *tx_slot(struct fabric_dp *dp, struct dp_port *p, size_t *ret_cap)
{
	uint8_t *slot = dp->io->tx_slot(p->io, ret_cap);

	if (!slot) {
		/* Ring full: kick the kernel and try once more. */
		dp->io->tx_flush(p->io);
		slot = dp->io->tx_slot(p->io, ret_cap);
	}
	return slot;
}

static void tx_done(struct fabric_dp *dp, struct dp_port *p, size_t len,
		    const struct dp_io_offload *off)
{
	dp->io->tx_commit(p->io, len, off);
	mark_dirty(dp, p);
	dp->stats.tx_frames++;
	dp->stats.tx_bytes += len;
	p->tx++;
}

/* Flush the dirty ports; those the kernel could not take yet stay dirty. */
static void flush_dirty(struct fabric_dp *dp)
{
	size_t keep = 0;

	for (size_t i = 0; i < dp->n_dirty; i++) {
		struct dp_port *p = dp->dirty[i];

		if (dp->io->tx_flush(p->io) == -EAGAIN)
			dp->dirty[keep++] = p;
		else
			p->tx_pending = false;
	}
	dp->n_dirty = keep;
}

/* ---- checksums -------------------------------------------------------------------- */

/*
 * Add the ones' complement sum of n bytes (16-bit words in network order) to
 * sum, a running sum of host-order 16-bit values.  Eight bytes at a time in
 * native order, which RFC 1071 allows (the sum is byte-order independent:
 * the folded result is swapped back once at the end).
 */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	uint64_t s = 0;
	uint16_t w16;

	while (n >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		s += (w & 0xffffffffu) + (w >> 32);
		p += 8;
		n -= 8;
	}
	while (n >= 2) {
		memcpy(&w16, p, 2);
		s += w16;
		p += 2;
		n -= 2;
	}
	if (n) {
		uint8_t last[2] = {p[0], 0};

		memcpy(&w16, last, 2);
		s += w16;
	}
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return sum + ntohs((uint16_t)s);
}

static uint16_t sum16_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * Complete the L4 checksum of a TCP or UDP datagram that the sender left to
 * offload (the field holds only the pseudo-header sum).  ip points at the
 * IPv4 header of a datagram of size bytes, already parsed as h.
 */
static void fix_l4_csum(uint8_t *ip, size_t size, const struct pkt_hdr *h)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	size_t tot = (size_t)(ip[2] << 8 | ip[3]);
	size_t l4len, off;
	uint32_t sum;
	uint16_t c;

	if (h->frag || tot > size || tot < ihl)
		return;
	l4len = tot - ihl;
	if (h->proto == PKT_PROTO_TCP && l4len >= 20)
		off = 16;
	else if (h->proto == PKT_PROTO_UDP && l4len >= 8)
		off = 6;
	else
		return;
	ip[ihl + off] = ip[ihl + off + 1] = 0;
	sum = sum16(ip + 12, 8, 0); /* source and destination */
	sum += h->proto;
	sum += (uint32_t)l4len;
	sum = sum16(ip + ihl, l4len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	if (c == 0 && h->proto == PKT_PROTO_UDP)
		c = 0xffff;
	ip[ihl + off] = (uint8_t)(c >> 8);
	ip[ihl + off + 1] = (uint8_t)c;
}

/* ---- receive ---------------------------------------------------------------------- */

/* arp_view.owner: who holds ip, seen from the asking port's VPC. */
static int arp_owner(uint32_t ip, uint8_t ret_mac[6], void *userdata)
{
	struct dp_port *p = userdata;
	struct fabric_dp *dp = p->dp;
	uint32_t e;

	if (!dp->gen || eng_gen_eni_by_ip(dp->gen, ip, &e) < 0)
		return 0;
	if (e == p->obj)
		return 2;
	if (p->vpc_id && eng_gen_eni_vpc_id(dp->gen, e) != p->vpc_id)
		return 0; /* an overlapping address of another VPC: not a neighbour */
	if (e >= dp->n_eni || !dp->port_of_eni[e])
		return 0; /* no port (yet): the router answers */
	memcpy(ret_mac, dp->port_of_eni[e]->cfg.mac, 6);
	return 1;
}

static void on_arp(struct fabric_dp *dp, struct dp_port *p, const uint8_t *frame, size_t len)
{
	struct arp_view v = {0};
	uint8_t *slot;
	size_t cap;
	int n;

	dp->stats.arp_requests++;
	v.gateway = p->cfg.kind != FABRIC_DP_PORT_ENI;
	v.subnet = p->cfg.subnet;
	memcpy(v.router_mac, dp->cfg.router_mac, 6);
	v.owner = arp_owner;
	v.userdata = p;
	slot = tx_slot(dp, p, &cap);
	if (!slot) {
		dp->stats.drop_tx_full++;
		return;
	}
	n = arp_answer(frame, len, &v, slot, cap);
	if (n <= 0) {
		dp->stats.drop_other++;
		return;
	}
	dp->stats.arp_replies++;
	tx_done(dp, p, (size_t)n, NULL);
}

/*
 * Offloaded checksum after NAT: the field holds the folded pseudo-header sum
 * (not complemented) over the new addresses and the L4 length; the receiver
 * (or the segmentation) adds the rest.
 */
static void fix_partial_csum(uint8_t *frame, size_t len, const struct dp_io_offload *off,
			     const struct pkt_hdr *h)
{
	const uint8_t *ip = frame + PKT_ETH_HLEN;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4, tot = (size_t)(ip[2] << 8 | ip[3]);
	size_t at = (size_t)off->csum_start + off->csum_offset;
	uint32_t sum;

	if (at + 2 > len || tot < ihl)
		return;
	sum = sum16(ip + 12, 8, 0) + h->proto + (uint32_t)(tot - ihl);
	net_put16(frame + at, sum16_fold(sum));
}

static void forward(struct fabric_dp *dp, const uint8_t *frame, size_t len, unsigned flags,
		    const struct dp_io_offload *off, const struct pkt_hdr *in,
		    const struct pkt_hdr *out, struct dp_port *to, const uint8_t dst[6],
		    const uint8_t src[6])
{
	uint8_t *slot;
	size_t cap;

	slot = tx_slot(dp, to, &cap);
	if (!slot) {
		dp->stats.drop_tx_full++;
		return;
	}
	if (len > cap) {
		dp->stats.drop_truncated++;
		return;
	}
	memcpy(slot, frame, len);
	memcpy(slot, dst, 6);
	memcpy(slot + 6, src, 6);
	/* With offload metadata a partial checksum stays partial (the receiver's job). */
	if ((flags & DP_IO_CSUM_PARTIAL) && !off)
		fix_l4_csum(slot + PKT_ETH_HLEN, len - PKT_ETH_HLEN, in);
	if (in->src != out->src || in->dst != out->dst || in->sport != out->sport ||
	    in->dport != out->dport) {
		if (pkt_rewrite_ip4(slot + PKT_ETH_HLEN, len - PKT_ETH_HLEN, in, out) < 0) {
			dp->stats.drop_malformed++;
			return;
		}
		if (off && (off->flags & DP_IO_OFF_NEEDS_CSUM))
			fix_partial_csum(slot, len, off, out);
	}
	tx_done(dp, to, len, off);
}

/*
 * Answer the TCP segment in frame (received on p) with the RST the engine
 * asked for (rst: addresses and ports), numbered as RFC 793 says for a
 * connection that does not exist: seq = the segment's ACK when it has one,
 * otherwise seq 0 with RST|ACK acknowledging everything it carried.
 */
static void send_rst(struct fabric_dp *dp, struct dp_port *p, const uint8_t *frame, size_t len,
		     const struct pkt_hdr *rst)
{
	const uint8_t *ip = frame + PKT_ETH_HLEN, *tcp;
	size_t ihl, tot, doff, payload;
	uint32_t seq, ack, sum;
	uint8_t *o, flags;
	bool with_ack;
	size_t cap;

	if (len < PKT_ETH_HLEN + 20)
		goto bad;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = (size_t)(ip[2] << 8 | ip[3]);
	if (ihl < 20 || tot > len - PKT_ETH_HLEN || tot < ihl + 20)
		goto bad;
	tcp = ip + ihl;
	doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff < 20 || tot < ihl + doff)
		goto bad;
	payload = tot - ihl - doff;
	flags = tcp[13];
	with_ack = !(flags & PKT_TCP_ACK);
	if (!with_ack) {
		seq = net_get32(tcp + 8);
		ack = 0;
	} else {
		seq = 0;
		ack = net_get32(tcp + 4) + (uint32_t)payload + !!(flags & PKT_TCP_SYN) +
		      !!(flags & PKT_TCP_FIN);
	}
	o = tx_slot(dp, p, &cap);
	if (!o || cap < PKT_ETH_HLEN + 40) {
		dp->stats.drop_tx_full++;
		return;
	}
	memset(o, 0, PKT_ETH_HLEN + 40);
	memcpy(o, frame + 6, 6);
	memcpy(o + 6, dp->cfg.router_mac, 6);
	net_put16(o + 12, PKT_ETHERTYPE_IPV4);
	ip = o + PKT_ETH_HLEN;
	o[14] = 0x45;
	net_put16(o + 16, 40);
	o[22] = 64;
	o[23] = PKT_PROTO_TCP;
	net_put32(o + 26, rst->src);
	net_put32(o + 30, rst->dst);
	net_put16(o + 24, (uint16_t)~sum16_fold(sum16(ip, 20, 0)));
	net_put16(o + 34, rst->sport);
	net_put16(o + 36, rst->dport);
	net_put32(o + 38, seq);
	net_put32(o + 42, ack);
	o[46] = 5 << 4;
	o[47] = (uint8_t)(PKT_TCP_RST | (with_ack ? PKT_TCP_ACK : 0));
	sum = sum16(o + 26, 8, 0) + PKT_PROTO_TCP + 20;
	net_put16(o + 50, (uint16_t)~sum16_fold(sum16(o + 34, 20, sum)));
	dp->stats.reply_rst++;
	tx_done(dp, p, PKT_ETH_HLEN + 40, NULL);
	return;
bad:
	dp->stats.drop_malformed++;
}

/*
 * A request to a service address from the instance behind ENI port p: to the
 * SERVICE port, its source rewritten to the pool address of (p, source).
 */
static void to_service(struct fabric_dp *dp, struct dp_port *p, const uint8_t *frame, size_t len,
		       unsigned flags, const struct dp_io_offload *off, const struct pkt_hdr *h)
{
	struct dp_port *s = dp->svc_port;
	struct pkt_hdr out = *h;

	if (!s || !s->has_peer_mac) {
		dp->stats.drop_no_port++;
		return;
	}
	out.src = dp_svc_map(&dp->svc, p, h->src, p->cfg.id);
	if (out.src == 0) {
		dp->stats.drop_service_full++;
		return;
	}
	dp->stats.to_service++;
	forward(dp, frame, len, flags, off, h, &out, s, s->peer_mac, dp->cfg.router_mac);
}

/*
 * A reply from the service namespace: to a pool address, which names the
 * port and private address it goes back to.  No engine: security groups
 * and NACLs do not apply to the VPC's own services, as on AWS.
 */
static void from_service(struct fabric_dp *dp, const uint8_t *frame, size_t len, unsigned flags,
			 const struct dp_io_offload *off)
{
	struct pkt_hdr h, out;
	const void *port;
	struct dp_port *to;
	uint32_t ip;

	if (pkt_parse_eth(frame, len, &h) < 0) {
		dp->stats.drop_malformed++;
		return;
	}
	if (dp_svc_back(&dp->svc, h.dst, &port, &ip) < 0) {
		dp->stats.drop_no_port++;
		return;
	}
	to = (struct dp_port *)(uintptr_t)port;
	out = h;
	out.dst = ip;
	dp->stats.from_service++;
	forward(dp, frame, len, flags, off, &h, &out, to, to->cfg.mac, dp->cfg.router_mac);
}

static void on_ip4(struct fabric_dp *dp, struct dp_port *p, const uint8_t *frame, size_t len,
		   unsigned flags, const struct dp_io_offload *off)
{
	struct eng_where from = {.idx = p->obj};
	struct eng_result res;
	struct pkt_hdr h;
	struct dp_port *to = NULL;

	dp->stats.ipv4++;
	if (p->cfg.kind == FABRIC_DP_PORT_SERVICE) {
		from_service(dp, frame, len, flags, off);
		return;
	}
	if (!dp->gen || p->obj == DP_NONE) {
		dp->stats.drop_no_port++;
		return;
	}
	if (pkt_parse_eth(frame, len, &h) < 0) {
		dp->stats.drop_malformed++;
		return;
	}
	from.point = p->cfg.kind == FABRIC_DP_PORT_ENI	 ? ENG_AT_ENI
		     : p->cfg.kind == FABRIC_DP_PORT_IGW ? ENG_AT_IGW
							 : ENG_AT_VGW;
	if (eng_process(dp->st, dp->gen, &h, from, dp->now_ms, NULL, &res) < 0) {
		dp->stats.drop_no_port++;
		return;
	}
	switch (res.verdict) {
	case ENG_DELIVER:
		if (res.to.idx < dp->n_eni)
			to = dp->port_of_eni[res.to.idx];
		if (!to) {
			dp->stats.drop_no_port++;
			return;
		}
		dp->stats.delivered++;
		/* Same subnet: layer 2, the sender's MAC stays; otherwise the router's. */
		forward(dp, frame, len, flags, off, &h, &res.out, to, to->cfg.mac,
			p->cfg.kind == FABRIC_DP_PORT_ENI && p->subnet_id == to->subnet_id
				? frame + 6
				: dp->cfg.router_mac);
		return;
	case ENG_TO_INTERNET:
	case ENG_TO_VPN:
		if (res.verdict == ENG_TO_INTERNET) {
			if (res.to.idx < dp->n_igw)
				to = dp->port_of_igw[res.to.idx];
		} else if (res.to.idx < dp->n_vgw) {
			to = dp->port_of_vgw[res.to.idx];
		}
		if (!to || !to->has_peer_mac) {
			dp->stats.drop_no_port++;
			return;
		}
		if (res.verdict == ENG_TO_INTERNET)
			dp->stats.to_internet++;
		else
			dp->stats.to_vpn++;
		forward(dp, frame, len, flags, off, &h, &res.out, to, to->peer_mac,
			dp->cfg.router_mac);
		return;
	case ENG_TO_SERVICE:
		to_service(dp, p, frame, len, flags, off, &h);
		return;
	case ENG_REPLY_RST:
		send_rst(dp, p, frame, len, &res.out);
		return;
	case ENG_DROP:
		dp->stats.drop_engine++;
		return;
	}
}

static void on_frame(void *userdata, uint8_t *frame, size_t len, unsigned flags,
		     const struct dp_io_offload *off)
{
	struct dp_port *p = userdata;
	struct fabric_dp *dp = p->dp;
	uint16_t type;

	dp->stats.rx_frames++;
	dp->stats.rx_bytes += len;
	p->rx++;
	if (flags & DP_IO_TRUNCATED) {
		dp->stats.drop_truncated++;
		return;
	}
	if (len < PKT_ETH_HLEN) {
		dp->stats.drop_malformed++;
		return;
	}
	if (p->learn_peer_mac && !(frame[6] & 1)) {
		memcpy(p->peer_mac, frame + 6, 6);
		p->has_peer_mac = true;
	}
	type = (uint16_t)(frame[12] << 8 | frame[13]);
	if (type == PKT_ETHERTYPE_IPV4)
		on_ip4(dp, p, frame, len, flags, off);
	else if (type == PKT_ETHERTYPE_ARP)
		on_arp(dp, p, frame, len);
	else
		dp->stats.drop_other++;
}

/* ---- control round trips ---------------------------------------------------------- */

static void adopt_generation(struct fabric_dp *dp);
static void tick_clock(struct fabric_dp *dp);

/* Thread: copy the counters for the control side (under dp->lock). */
static void snapshot_locked(struct fabric_dp *dp)
{
	for (size_t i = 0; i < dp->n_ports; i++)
		dp->stats.drop_rx_ring += dp->io->rx_dropped(dp->ports[i]->io);
	dp->snap = dp->stats;
	dp->snap.ports_open = dp->n_ports;
	dp->snap.ports_gso_guarded = 0;
	for (size_t i = 0; i < dp->n_ports; i++)
		dp->snap.ports_gso_guarded += dp->ports[i]->xdp_fd >= 0;
	eng_state_stats(dp->st, &dp->snap.eng);
	if (util_grow((void **)&dp->snap_ports, &dp->cap_snap_ports, dp->n_ports ? dp->n_ports : 1,
		      sizeof(*dp->snap_ports)) < 0) {
		dp->n_snap_ports = 0;
		return;
	}
	for (size_t i = 0; i < dp->n_ports; i++) {
		util_strscpy(dp->snap_ports[i].id, dp->ports[i]->cfg.id, MODEL_ID_LEN);
		dp->snap_ports[i].rx = dp->ports[i]->rx;
		dp->snap_ports[i].tx = dp->ports[i]->tx;
	}
	dp->n_snap_ports = dp->n_ports;
}

/* Thread: serve the pending request (new ports, counters). */
static void serve_control(struct fabric_dp *dp)
{
	struct fabric_dp_port *want = NULL;
	size_t n_want = 0;
	bool has_want;
	uint64_t seq;
	int r = 0;

	pthread_mutex_lock(&dp->lock);
	has_want = dp->has_want;
	if (has_want) {
		want = dp->want;
		n_want = dp->n_want;
		dp->want = NULL;
		dp->n_want = 0;
		dp->has_want = false;
	}
	seq = dp->req_seq;
	pthread_mutex_unlock(&dp->lock);

	/*
	 * What the caller did before asking must be visible in the answer: adopt
	 * a generation published since this iteration began and drain the
	 * frames that arrived meanwhile.
	 */
	tick_clock(dp);
	adopt_generation(dp);
	for (size_t i = 0; i < dp->n_ports; i++)
		dp->io->rx(dp->ports[i]->io, DP_RX_BUDGET, on_frame, dp->ports[i]);
	flush_dirty(dp);
	if (has_want) {
		r = apply_ports(dp, want, n_want);
		free(want);
	}

	pthread_mutex_lock(&dp->lock);
	if (has_want)
		dp->req_result = r;
	snapshot_locked(dp);
	dp->done_seq = seq;
	pthread_cond_broadcast(&dp->cond);
	pthread_mutex_unlock(&dp->lock);
}

/* Control side: ask the thread to serve a request and wait for it. */
static int round_trip(struct fabric_dp *dp, bool ports)
{
	uint64_t seq, one = 1;
	int r = 0;

	pthread_mutex_lock(&dp->lock);
	seq = ++dp->req_seq;
	pthread_mutex_unlock(&dp->lock);
	if (write(dp->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	pthread_mutex_lock(&dp->lock);
	while (dp->done_seq < seq && !dp->dead)
		pthread_cond_wait(&dp->cond, &dp->lock);
	if (dp->done_seq < seq)
		r = -ESHUTDOWN;
	else if (ports)
		r = dp->req_result;
	pthread_mutex_unlock(&dp->lock);
	return r;
}

/* ---- the thread ------------------------------------------------------------------- */

static void adopt_generation(struct fabric_dp *dp)
{
	const struct eng_gen *g = eng_state_sync(dp->st);

	if (g != dp->gen) {
		dp->gen = g;
		dp->stats.generations++;
		rebuild_maps(dp);
	}
}

static void periodic(struct fabric_dp *dp)
{
	if (dp->now_ms >= dp->next_expire_ms) {
		eng_state_expire(dp->st, dp->now_ms, DP_EXPIRE_BUDGET);
		dp->next_expire_ms = dp->now_ms + DP_EXPIRE_EVERY_MS;
	}
	if (dp->cfg.flowlog_fn && dp->gen && dp->now_ms >= dp->next_flowlog_ms) {
		eng_flowlog_flush(dp->st, dp->gen, dp->now_ms, dp->cfg.flowlog_interval_override_s,
				  dp->cfg.flowlog_fn, dp->cfg.flowlog_userdata);
		dp->next_flowlog_ms = dp->now_ms + DP_FLOWLOG_EVERY_MS;
	}
}

static void tick_clock(struct fabric_dp *dp)
{
	if (dp->cfg.clock_ms)
		dp->now_ms = dp->cfg.clock_ms(dp->cfg.clock_userdata);
	else
		dp->now_ms = clock_ms(CLOCK_MONOTONIC) + dp->epoch_offset_ms;
}

static void close_all(struct fabric_dp *dp)
{
	for (size_t i = 0; i < dp->n_ports; i++)
		port_free(dp, dp->ports[i]);
	free(dp->ports);
	dp->ports = NULL;
	dp->n_ports = dp->cap_ports = 0;
	dp->n_dirty = 0;
	if (dp->epfd >= 0)
		close(dp->epfd);
	dp->epfd = -1;
	dp->gen = NULL;
}

static int thread_setup(struct fabric_dp *dp)
{
	struct epoll_event ev = {0};
	struct fabric_dp_port *want;
	size_t n_want;
	int r;

	if (dp->cfg.netns_fd >= 0 && setns(dp->cfg.netns_fd, CLONE_NEWNET) < 0)
		return -errno;
	dp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (dp->epfd < 0)
		return -errno;
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(dp->epfd, EPOLL_CTL_ADD, dp->evfd, &ev) < 0)
		return -errno;
	dp->epoch_offset_ms = clock_ms(CLOCK_REALTIME) - clock_ms(CLOCK_MONOTONIC);
	tick_clock(dp);
	dp->gen = eng_state_sync(dp->st);
	if (dp->gen)
		dp->stats.generations++;

	pthread_mutex_lock(&dp->lock);
	want = dp->want;
	n_want = dp->n_want;
	dp->want = NULL;
	dp->n_want = 0;
	dp->has_want = false;
	pthread_mutex_unlock(&dp->lock);
	r = apply_ports(dp, want, n_want);
	free(want);
	return r;
}

/* On stop: the open ports become the table a later start opens again. */
static void keep_ports_for_restart(struct fabric_dp *dp)
{
	struct fabric_dp_port *copy = calloc(dp->n_ports ? dp->n_ports : 1, sizeof(*copy));

	if (!copy)
		return;
	for (size_t i = 0; i < dp->n_ports; i++)
		copy[i] = dp->ports[i]->cfg;
	pthread_mutex_lock(&dp->lock);
	if (dp->has_want) {
		free(copy); /* a newer table is waiting */
	} else {
		free(dp->want);
		dp->want = copy;
		dp->n_want = dp->n_ports;
		dp->has_want = true;
	}
	pthread_mutex_unlock(&dp->lock);
}

static void *thread_main(void *arg)
{
	struct fabric_dp *dp = arg;
	struct epoll_event evs[DP_EPOLL_MAX];
	int r;

	pthread_setname_np(pthread_self(), "vpcd-dp");
	r = thread_setup(dp);

	pthread_mutex_lock(&dp->lock);
	dp->start_result = r;
	dp->started = true;
	if (r < 0)
		dp->dead = true;
	else
		snapshot_locked(dp);
	pthread_cond_broadcast(&dp->cond);
	pthread_mutex_unlock(&dp->lock);
	if (r < 0) {
		close_all(dp);
		return NULL;
	}

	for (;;) {
		bool ctl = false, stop;
		int n = epoll_wait(dp->epfd, evs, DP_EPOLL_MAX, dp->n_dirty ? 1 : DP_EXPIRE_EVERY_MS);

		tick_clock(dp);
		adopt_generation(dp);
		for (int i = 0; i < n; i++) {
			struct dp_port *p = evs[i].data.ptr;

			if (!p) {
				uint64_t v;

				ctl = true;
				if (read(dp->evfd, &v, sizeof(v)) < 0) {
					/* nothing pending: a spurious wake-up */
				}
				continue;
			}
			if (evs[i].events & EPOLLERR) {
				int err = 0;
				socklen_t l = sizeof(err);

				/* The link went away or down: clear the error, keep the port. */
				getsockopt(dp->io->fd(p->io), SOL_SOCKET, SO_ERROR, &err, &l);
			}
			dp->io->rx(p->io, DP_RX_BUDGET, on_frame, p);
		}
		flush_dirty(dp);
		periodic(dp);
		if (!ctl)
			continue;
		pthread_mutex_lock(&dp->lock);
		stop = dp->stop_req;
		pthread_mutex_unlock(&dp->lock);
		if (stop)
			break;
		serve_control(dp);
	}
	flush_dirty(dp);
	keep_ports_for_restart(dp);
	close_all(dp);
	pthread_mutex_lock(&dp->lock);
	snapshot_locked(dp);
	dp->dead = true;
	pthread_cond_broadcast(&dp->cond);
	pthread_mutex_unlock(&dp->lock);
	return NULL;
}

/* ---- control API ------------------------------------------------------------------ */

int fabric_dp_set_ports(struct fabric_dp *dp, const struct fabric_dp_port *ports, size_t n)
{
	struct fabric_dp_port *copy;

	for (size_t i = 0; i < n; i++) {
		if (ports[i].ifindex <= 0 || ports[i].id[0] == '\0' ||
		    ports[i].kind > FABRIC_DP_PORT_SERVICE)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (ports[j].ifindex == ports[i].ifindex ||
			    strcmp(ports[j].id, ports[i].id) == 0)
				return -EINVAL;
	}
	copy = calloc(n ? n : 1, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	if (n)
		memcpy(copy, ports, n * sizeof(*copy));
	pthread_mutex_lock(&dp->lock);
	free(dp->want);
	dp->want = copy;
	dp->n_want = n;
	dp->has_want = true;
	pthread_mutex_unlock(&dp->lock);
	if (!dp->running)
		return 0;
	return round_trip(dp, true);
}

void fabric_dp_publish(struct fabric_dp *dp, struct eng_gen *gen)
{
	uint64_t one = 1;

	eng_state_publish(dp->st, gen);
	if (write(dp->evfd, &one, sizeof(one)) < 0) {
		/* the counter is saturated: the thread is awake anyway */
	}
}

int fabric_dp_start(struct fabric_dp *dp)
{
	int r;

	if (dp->running)
		return -EALREADY;
	pthread_mutex_lock(&dp->lock);
	dp->started = dp->dead = dp->stop_req = false;
	dp->start_result = 0;
	pthread_mutex_unlock(&dp->lock);
	r = -pthread_create(&dp->thread, NULL, thread_main, dp);
	if (r < 0)
		return r;
	pthread_mutex_lock(&dp->lock);
	while (!dp->started)
		pthread_cond_wait(&dp->cond, &dp->lock);
	r = dp->start_result;
	pthread_mutex_unlock(&dp->lock);
	if (r < 0) {
		pthread_join(dp->thread, NULL);
		return r;
	}
	dp->running = true;
	return 0;
}

void fabric_dp_stop(struct fabric_dp *dp)
{
	uint64_t one = 1;

	if (!dp || !dp->running)
		return;
	pthread_mutex_lock(&dp->lock);
	dp->stop_req = true;
	pthread_mutex_unlock(&dp->lock);
	if (write(dp->evfd, &one, sizeof(one)) < 0) {
		/* saturated: the thread wakes anyway */
	}
	pthread_join(dp->thread, NULL);
	dp->running = false;
}

struct fabric_dp *fabric_dp_free(struct fabric_dp *dp)
{
	if (!dp)
		return NULL;
	fabric_dp_stop(dp);
	close(dp->evfd);
	if (dp->cfg.netns_fd >= 0)
		close(dp->cfg.netns_fd);
	dp_svc_destroy(&dp->svc);
	free(dp->want);
	free(dp->snap_ports);
	free(dp->port_of_eni);
	free(dp->port_of_igw);
	free(dp->port_of_vgw);
	free(dp->dirty);
	pthread_mutex_destroy(&dp->lock);
	pthread_cond_destroy(&dp->cond);
	free(dp);
	return NULL;
}

int fabric_dp_stats(struct fabric_dp *dp, struct fabric_dp_stats *ret_stats)
{
	int r = 0;

	if (dp->running)
		r = round_trip(dp, false);
	if (r < 0)
		return r;
	pthread_mutex_lock(&dp->lock);
	*ret_stats = dp->snap;
	pthread_mutex_unlock(&dp->lock);
	return 0;
}

int fabric_dp_port_stats(struct fabric_dp *dp, const char *id, uint64_t *ret_rx,
			 uint64_t *ret_tx)
{
	int r = 0;

	if (dp->running)
		r = round_trip(dp, false);
	if (r < 0)
		return r;
	r = -ENOENT;
	pthread_mutex_lock(&dp->lock);
	for (size_t i = 0; i < dp->n_snap_ports; i++) {
		if (strcmp(dp->snap_ports[i].id, id) == 0) {
			*ret_rx = dp->snap_ports[i].rx;
			*ret_tx = dp->snap_ports[i].tx;
			r = 0;
			break;
		}
	}
	pthread_mutex_unlock(&dp->lock);
	return r;
}

/* ---- link offloads ---------------------------------------------------------------- */

static int ethtool_set(int fd, const char *ifname, uint32_t cmd, uint32_t value)
{
	struct ethtool_value ev = {.cmd = cmd, .data = value};
	struct ifreq ifr = {0};

	util_strscpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	ifr.ifr_data = (void *)&ev;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

int fabric_dp_link_no_offload(const char *ifname)
{
	static const uint32_t cmds[] = {ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_SGRO, ETHTOOL_STXCSUM};
	int fd, r = 0;

	if (!ifname || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int e = ethtool_set(fd, ifname, cmds[i], 0);

		if (e < 0 && e != -EOPNOTSUPP && r == 0)
			r = e;
	}
	close(fd);
	return r;
}

int fabric_dp_service_peer(struct fabric_dp *dp, uint32_t addr, char ret_eni_id[MODEL_ID_LEN],
			   uint32_t *ret_ip)
{
	return dp_svc_peer(&dp->svc, addr, ret_eni_id, ret_ip);
}
