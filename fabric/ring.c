/*
 * ring: AF_PACKET TPACKET_V3 port backend (see ring.h and dp-io.h).
 *
 * Layout of the one mapping: the RX ring (rx_block_nr blocks) first, then
 * the TX ring (tx frames, none in copy mode).  The RX cursor walks blocks in
 * order; a block belongs to user space while its status has TP_STATUS_USER
 * and goes back to the kernel when its frames have been handed out.  The TX
 * cursor walks frames in order; a frame is free while its status is
 * TP_STATUS_AVAILABLE.
 *
 * The copy queue (copy and auto modes) is a circular array of buffers with
 * one mmsghdr each, sent with sendmmsg() on a second, send-only socket.  In
 * auto mode tx_slot() lends the ring frame; tx_commit() moves a small frame
 * into the queue (a copy of at most RING_COPY_MAX bytes) and leaves the ring
 * frame free.
 *
 * In auto mode the queue's buffers are, when the kernel allows it, the UMEM
 * of a send-only AF_XDP socket bound to the port's queue 0 in copy mode
 * (XDP_COPY): a flush writes one descriptor per queued frame into its TX
 * ring and kicks it with sendto(); the kernel builds each skb from the
 * descriptor (xsk_generic_xmit) without the per-message msghdr/iovec import
 * and header parsing of sendmmsg() on a packet socket.  A buffer stays taken
 * from its flush until the completion ring gives it back (x_inflight counts
 * them; completions come in the order the kernel consumed the descriptors,
 * which is the order of the queue).  Without AF_XDP (no CAP_NET_RAW, kernel
 * without XDP sockets, queue 0 already taken) the packet socket is used.
 */
#include "fabric/ring.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <arpa/inet.h>

#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif
#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* Where a TX frame's data starts (tpacket_snd: tp_hdrlen - sizeof(sockaddr_ll)). */
#define RING_TX_OFF TPACKET_ALIGN(sizeof(struct tpacket3_hdr))
#define RING_TX_BLOCK (1u << 16)

/*
 * Frames up to this size go out by copy (sendmmsg) when the port has both
 * a TX ring and a copy queue: the kernel builds them in the skb's linear
 * part, where a ring frame would become page fragments that have to be
 * copied again into fresh pages when the skb enters another namespace.
 */
#define RING_COPY_MAX 2048u
#define RING_COPY_NR 256u

struct dp_io {
	int fd;
	int tx_fd; /* the copy queue's socket (one nobody waits on), or -1 */
	uint8_t *map;
	size_t map_len;
	uint8_t *rx_base;
	uint32_t rx_block_size, rx_block_nr, rx_cur;
	uint8_t *tx_base; /* TX ring, NULL in copy mode */
	uint32_t tx_frame_size, tx_frame_nr, tx_cur, tx_queued;
	size_t vnet; /* sizeof(struct virtio_net_hdr) when offload metadata is exchanged, else 0 */
	/* Copy queue (NULL in ring mode): q_nr buffers of q_size, q_n queued from q_head on. */
	uint8_t *q_buf;
	struct mmsghdr *q_msg;
	struct iovec *q_iov;
	uint32_t q_size, q_nr, q_head, q_n;
	/* AF_XDP transport of the copy queue (auto mode), or xsk_fd -1 */
	int xsk_fd;
	uint32_t x_inflight;	    /* handed to the kernel, not completed yet */
	uint32_t x_prod, x_cq_cons; /* our TX producer / completion consumer */
	uint32_t *x_tx_prod, *x_tx_cons, *x_cq_prod, *x_cq_cons_p;
	struct xdp_desc *x_tx_desc;
	const uint64_t *x_cq_addr;
	void *x_tx_map, *x_cq_map;
	size_t x_tx_len, x_cq_len;
};

void ring_config_default(struct dp_io_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->rx_block_size = 1u << 18;
	cfg->rx_block_nr = 16;
	cfg->tx_frame_size = 1u << 14;
	cfg->tx_frame_nr = 128;
	cfg->rx_timeout_ms = 1;
	cfg->offload = false;
	cfg->tx_mode = DP_IO_TX_AUTO;
}

static int setopt_int(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof(value)) < 0 ? -errno : 0;
}

static void copy_tx_free(struct dp_io *io)
{
	free(io->q_buf);
	free(io->q_msg);
	free(io->q_iov);
	io->q_buf = NULL;
	io->q_msg = NULL;
	io->q_iov = NULL;
}

/*
 * The copy queue's socket: protocol 0 (it receives nothing), bound to the
 * port.  Freeing a sent frame wakes whoever waits on the sending socket
 * (sock_def_write_space); on the RX socket, which sits in the data path's
 * epoll, that would be one wake-up call per frame.
 */
static int copy_tx_socket(int ifindex)
{
	struct sockaddr_ll sll = {0};
	int fd, r;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	r = setopt_int(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1);
	if (r == 0) {
		(void)setopt_int(fd, SOL_SOCKET, SO_SNDBUFFORCE, 4 << 20);
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = 0;
		sll.sll_ifindex = ifindex;
		if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
			r = -errno;
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* The copy queue: one message of one buffer per frame, sent as is. */
static int copy_tx_alloc(struct dp_io *io, uint32_t size, uint32_t nr)
{
	io->q_size = size;
	io->q_nr = nr;
	/* page aligned: it may become an AF_XDP UMEM */
	if (posix_memalign((void **)&io->q_buf, 4096, (size_t)size * nr) != 0)
		io->q_buf = NULL;
	io->q_msg = calloc(nr, sizeof(*io->q_msg));
	io->q_iov = calloc(nr, sizeof(*io->q_iov));
	if (!io->q_buf || !io->q_msg || !io->q_iov) {
		copy_tx_free(io);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < nr; i++) {
		io->q_iov[i].iov_base = io->q_buf + (size_t)i * size;
		io->q_msg[i].msg_hdr.msg_iov = &io->q_iov[i];
		io->q_msg[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

static void xsk_close(struct dp_io *io)
{
	if (io->x_tx_map)
		munmap(io->x_tx_map, io->x_tx_len);
	if (io->x_cq_map)
		munmap(io->x_cq_map, io->x_cq_len);
	if (io->xsk_fd >= 0)
		close(io->xsk_fd);
	io->x_tx_map = io->x_cq_map = NULL;
	io->xsk_fd = -1;
}

/*
 * The copy queue's AF_XDP socket: its buffers (q_buf, q_nr chunks of q_size,
 * a power of two >= 2048) registered as UMEM, a TX ring and a completion
 * ring of q_nr entries (the fill ring exists because bind() wants it; it is
 * never used: nothing is received), bound to queue 0 of ifindex in copy
 * mode.  0 or -errno (then nothing is left open).
 */
static int xsk_open(struct dp_io *io, int ifindex)
{
	struct xdp_umem_reg mr = {0};
	struct xdp_mmap_offsets off;
	struct sockaddr_xdp sxdp = {0};
	socklen_t olen = sizeof(off);
	int n = (int)io->q_nr, r;

	io->xsk_fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (io->xsk_fd < 0)
		return -errno;
	mr.addr = (uint64_t)(uintptr_t)io->q_buf;
	mr.len = (uint64_t)io->q_size * io->q_nr;
	mr.chunk_size = io->q_size;
	if (setsockopt(io->xsk_fd, SOL_XDP, XDP_UMEM_REG, &mr, sizeof(mr)) < 0 ||
	    setsockopt(io->xsk_fd, SOL_XDP, XDP_UMEM_FILL_RING, &n, sizeof(n)) < 0 ||
	    setsockopt(io->xsk_fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &n, sizeof(n)) < 0 ||
	    setsockopt(io->xsk_fd, SOL_XDP, XDP_TX_RING, &n, sizeof(n)) < 0 ||
	    getsockopt(io->xsk_fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &olen) < 0)
		goto fail;
	(void)setopt_int(io->xsk_fd, SOL_SOCKET, SO_SNDBUFFORCE, 4 << 20);
	io->x_tx_len = off.tx.desc + (size_t)n * sizeof(struct xdp_desc);
	io->x_tx_map = mmap(NULL, io->x_tx_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			    io->xsk_fd, XDP_PGOFF_TX_RING);
	if (io->x_tx_map == MAP_FAILED) {
		io->x_tx_map = NULL;
		goto fail;
	}
	io->x_cq_len = off.cr.desc + (size_t)n * sizeof(uint64_t);
	io->x_cq_map = mmap(NULL, io->x_cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			    io->xsk_fd, XDP_UMEM_PGOFF_COMPLETION_RING);
	if (io->x_cq_map == MAP_FAILED) {
		io->x_cq_map = NULL;
		goto fail;
	}
	io->x_tx_prod = (uint32_t *)((uint8_t *)io->x_tx_map + off.tx.producer);
	io->x_tx_cons = (uint32_t *)((uint8_t *)io->x_tx_map + off.tx.consumer);
	io->x_tx_desc = (struct xdp_desc *)((uint8_t *)io->x_tx_map + off.tx.desc);
	io->x_cq_prod = (uint32_t *)((uint8_t *)io->x_cq_map + off.cr.producer);
	io->x_cq_cons_p = (uint32_t *)((uint8_t *)io->x_cq_map + off.cr.consumer);
	io->x_cq_addr = (const uint64_t *)((uint8_t *)io->x_cq_map + off.cr.desc);
	io->x_prod = *io->x_tx_prod;
	io->x_cq_cons = *io->x_cq_cons_p;
	sxdp.sxdp_family = AF_XDP;
	sxdp.sxdp_ifindex = (uint32_t)ifindex;
	sxdp.sxdp_queue_id = 0;
	sxdp.sxdp_flags = XDP_COPY;
	if (bind(io->xsk_fd, (struct sockaddr *)&sxdp, sizeof(sxdp)) < 0)
		goto fail;
	return 0;
fail:
	r = -errno;
	xsk_close(io);
	return r;
}

static int ring_open(int ifindex, const struct dp_io_config *cfg, struct dp_io **ret_io)
{
	struct dp_io *io;
	struct tpacket_req3 rx = {0}, tx = {0};
	struct sockaddr_ll sll = {0};
	struct packet_mreq mr = {0};
	uint32_t per_block;
	int r;

	if (ifindex <= 0 || cfg->tx_frame_size < 256 || cfg->tx_frame_size > (1u << 20) ||
	    cfg->tx_frame_size % TPACKET_ALIGNMENT || cfg->rx_block_nr == 0 ||
	    cfg->tx_frame_nr == 0 || cfg->tx_frame_nr > 1024 || cfg->rx_block_size < 4096 ||
	    cfg->rx_block_size % 4096 || (cfg->offload && cfg->tx_mode == DP_IO_TX_COPY))
		return -EINVAL;
	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->tx_fd = -1;
	io->xsk_fd = -1;
	io->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (io->fd < 0) {
		r = -errno;
		goto err_socket;
	}
	r = setopt_int(io->fd, SOL_PACKET, PACKET_VERSION, TPACKET_V3);
	if (r == 0)
		r = setopt_int(io->fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1);
	if (r == 0)
		r = setopt_int(io->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
	if (r == 0) /* skip a malformed TX frame instead of stalling the ring */
		r = setopt_int(io->fd, SOL_PACKET, PACKET_LOSS, 1);
	if (r == 0 && cfg->offload) { /* before the rings: refused once they exist */
		r = setopt_int(io->fd, SOL_PACKET, PACKET_VNET_HDR, 1);
		io->vnet = sizeof(struct virtio_net_hdr);
	}
	if (r < 0)
		goto err_opts;
	(void)setopt_int(io->fd, SOL_SOCKET, SO_SNDBUFFORCE, 4 << 20);

	rx.tp_block_size = cfg->rx_block_size;
	rx.tp_block_nr = cfg->rx_block_nr;
	rx.tp_frame_size = 2048;
	rx.tp_frame_nr = (uint32_t)((uint64_t)rx.tp_block_size * rx.tp_block_nr / rx.tp_frame_size);
	rx.tp_retire_blk_tov = cfg->rx_timeout_ms ? cfg->rx_timeout_ms : 1;
	if (setsockopt(io->fd, SOL_PACKET, PACKET_RX_RING, &rx, sizeof(rx)) < 0) {
		r = -errno;
		goto err_opts;
	}
	io->rx_block_size = rx.tp_block_size;
	io->rx_block_nr = rx.tp_block_nr;
	io->map_len = (size_t)rx.tp_block_size * rx.tp_block_nr;
	if (cfg->tx_mode == DP_IO_TX_COPY) {
		r = copy_tx_alloc(io, cfg->tx_frame_size, cfg->tx_frame_nr);
	} else {
		tx.tp_block_size = RING_TX_BLOCK;
		if (cfg->tx_frame_size > tx.tp_block_size) /* one frame per block, page aligned */
			tx.tp_block_size = (cfg->tx_frame_size + 4095u) & ~4095u;
		per_block = tx.tp_block_size / cfg->tx_frame_size;
		tx.tp_block_nr = (cfg->tx_frame_nr + per_block - 1) / per_block;
		tx.tp_frame_size = cfg->tx_frame_size;
		tx.tp_frame_nr = tx.tp_block_nr * per_block;
		if (setsockopt(io->fd, SOL_PACKET, PACKET_TX_RING, &tx, sizeof(tx)) < 0)
			r = -errno;
		io->tx_frame_size = tx.tp_frame_size;
		io->tx_frame_nr = tx.tp_frame_nr;
		io->map_len += (size_t)tx.tp_block_size * tx.tp_block_nr;
		if (r == 0 && cfg->tx_mode == DP_IO_TX_AUTO && !cfg->offload)
			r = copy_tx_alloc(io, RING_COPY_MAX, RING_COPY_NR);
	}
	if (r < 0)
		goto err_opts;
	io->map = mmap(NULL, io->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, io->fd,
		       0);
	if (io->map == MAP_FAILED) {
		r = -errno;
		io->map = NULL;
		goto err_opts;
	}
	io->rx_base = io->map;
	if (cfg->tx_mode != DP_IO_TX_COPY)
		io->tx_base = io->map + (size_t)rx.tp_block_size * rx.tp_block_nr;

	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(io->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		r = -errno;
		goto err_bind;
	}
	mr.mr_ifindex = ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(io->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		r = -errno;
		goto err_bind;
	}
	/* auto mode: AF_XDP when the kernel lets us, else the packet socket */
	if (io->q_buf && !(io->tx_base && xsk_open(io, ifindex) == 0)) {
		io->tx_fd = copy_tx_socket(ifindex);
		if (io->tx_fd < 0) {
			r = io->tx_fd;
			goto err_bind;
		}
	}
	*ret_io = io;
	return 0;

err_bind:
	munmap(io->map, io->map_len);
err_opts:
	close(io->fd);
err_socket:
	copy_tx_free(io);
	free(io);
	return r;
}

static void ring_close(struct dp_io *io)
{
	if (!io)
		return;
	if (io->map)
		munmap(io->map, io->map_len);
	if (io->tx_fd >= 0)
		close(io->tx_fd);
	xsk_close(io);
	close(io->fd);
	copy_tx_free(io);
	free(io);
}

static int ring_fd(const struct dp_io *io)
{
	return io->fd;
}

static size_t ring_rx(struct dp_io *io, size_t budget, dp_io_rx_fn fn, void *userdata)
{
	size_t n = 0;

	while (n < budget) {
		struct tpacket_block_desc *bd =
			(void *)(io->rx_base + (size_t)io->rx_cur * io->rx_block_size);
		uint32_t num, i;
		uint8_t *p;

		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
		      TP_STATUS_USER))
			break;
		num = bd->hdr.bh1.num_pkts;
		p = (uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
		for (i = 0; i < num; i++) {
			struct tpacket3_hdr *h = (struct tpacket3_hdr *)p;
			unsigned flags = 0;

			if (h->tp_status & TP_STATUS_CSUMNOTREADY)
				flags |= DP_IO_CSUM_PARTIAL;
			if (h->tp_snaplen < h->tp_len)
				flags |= DP_IO_TRUNCATED;
			if (io->vnet) {
				struct virtio_net_hdr vh;
				struct dp_io_offload off;

				/* the kernel writes it just before the MAC header */
				memcpy(&vh, p + h->tp_mac - sizeof(vh), sizeof(vh));
				off.flags = (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
						    ? DP_IO_OFF_NEEDS_CSUM
						    : 0;
				off.gso_type = vh.gso_type;
				off.hdr_len = vh.hdr_len;
				off.gso_size = vh.gso_size;
				off.csum_start = vh.csum_start;
				off.csum_offset = vh.csum_offset;
				fn(userdata, p + h->tp_mac, h->tp_snaplen, flags, &off);
			} else {
				fn(userdata, p + h->tp_mac, h->tp_snaplen, flags, NULL);
			}
			p += h->tp_next_offset;
		}
		n += num;
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		io->rx_cur = (io->rx_cur + 1) % io->rx_block_nr;
	}
	return n;
}

static struct tpacket3_hdr *tx_frame(struct dp_io *io, uint32_t i)
{
	return (struct tpacket3_hdr *)(io->tx_base + (size_t)i * io->tx_frame_size);
}

static uint8_t *ring_tx_slot(struct dp_io *io, size_t *ret_cap)
{
	struct tpacket3_hdr *h;
	uint32_t status;

	if (!io->tx_base) { /* copy mode */
		if (io->q_n == io->q_nr)
			return NULL;
		*ret_cap = io->q_size;
		return io->q_iov[(io->q_head + io->q_n) % io->q_nr].iov_base;
	}
	h = tx_frame(io, io->tx_cur);
	status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
	if (status == TP_STATUS_WRONG_FORMAT) /* rejected by the kernel: reuse it */
		status = TP_STATUS_AVAILABLE;
	if (status != TP_STATUS_AVAILABLE)
		return NULL;
	*ret_cap = io->tx_frame_size - RING_TX_OFF - io->vnet;
	return (uint8_t *)h + RING_TX_OFF + io->vnet;
}

/* Kick the TX ring: the kernel sends every frame marked for sending. */
static int ring_kick(struct dp_io *io)
{
	if (sendto(io->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0) {
		if (errno == EAGAIN || errno == ENOBUFS)
			return -EAGAIN; /* still queued: the caller flushes again later */
		return -errno;
	}
	io->tx_queued = 0;
	return 0;
}

/*
 * Send the copy queue: sendmmsg() from the oldest queued frame on (two
 * calls when the queue wraps).  A frame the kernel refuses (-ENOBUFS:
 * dropped on the way out, -EMSGSIZE, a link gone) is dropped, as
 * PACKET_LOSS does for the ring; -EAGAIN (send buffer full) keeps the rest
 * queued.
 */
/* Take back the buffers the kernel has completed. */
static void xsk_reclaim(struct dp_io *io)
{
	uint32_t prod = __atomic_load_n(io->x_cq_prod, __ATOMIC_ACQUIRE);
	uint32_t n = prod - io->x_cq_cons;

	if (n == 0)
		return;
	if (n > io->x_inflight) /* never: the kernel completes what it was given */
		n = io->x_inflight;
	io->x_inflight -= n;
	io->x_cq_cons += n;
	__atomic_store_n(io->x_cq_cons_p, io->x_cq_cons, __ATOMIC_RELEASE);
}

/*
 * Hand the queued frames to the AF_XDP socket (one descriptor each, from
 * q_head on) and kick it until the kernel has consumed every descriptor:
 * each sendto() sends at most 32 (the kernel's batch), -EAGAIN without
 * progress (send buffer or completion ring full) leaves the rest in the TX
 * ring for the next flush.  A frame the device drops (-EBUSY) is consumed.
 */
static int xsk_flush(struct dp_io *io)
{
	for (uint32_t i = 0; i < io->q_n; i++) {
		uint32_t slot = (io->q_head + i) % io->q_nr;
		struct xdp_desc *d = &io->x_tx_desc[(io->x_prod + i) & (io->q_nr - 1)];

		d->addr = (uint64_t)slot * io->q_size;
		d->len = (uint32_t)io->q_iov[slot].iov_len;
		d->options = 0;
	}
	io->x_prod += io->q_n;
	__atomic_store_n(io->x_tx_prod, io->x_prod, __ATOMIC_RELEASE);
	io->x_inflight += io->q_n;
	io->q_head = (io->q_head + io->q_n) % io->q_nr;
	io->q_n = 0;
	for (;;) {
		uint32_t cons = __atomic_load_n(io->x_tx_cons, __ATOMIC_ACQUIRE);

		if (cons == io->x_prod)
			break;
		if (sendto(io->xsk_fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EBUSY &&
		    errno != EAGAIN && errno != EINTR && errno != ENOBUFS) {
			xsk_reclaim(io);
			return -errno;
		}
		if (__atomic_load_n(io->x_tx_cons, __ATOMIC_ACQUIRE) == cons) {
			xsk_reclaim(io);
			return -EAGAIN; /* no progress: the descriptors stay in the ring */
		}
	}
	xsk_reclaim(io);
	return 0;
}

/* Frames queued, or handed to the AF_XDP socket and not consumed yet. */
static bool copy_pending(const struct dp_io *io)
{
	return io->q_n ||
	       (io->xsk_fd >= 0 && __atomic_load_n(io->x_tx_cons, __ATOMIC_ACQUIRE) != io->x_prod);
}

/* Room for one more frame in the copy queue (buffers in flight count too). */
static bool copy_has_room(struct dp_io *io)
{
	if (io->xsk_fd >= 0 && io->q_n + io->x_inflight == io->q_nr)
		xsk_reclaim(io);
	return io->q_n + io->x_inflight < io->q_nr;
}

static int copy_flush(struct dp_io *io)
{
	int err = 0;

	if (io->xsk_fd >= 0)
		return xsk_flush(io);

	while (io->q_n) {
		uint32_t n = io->q_nr - io->q_head;
		int sent;

		if (n > io->q_n)
			n = io->q_n;
		sent = sendmmsg(io->tx_fd, io->q_msg + io->q_head, n, MSG_DONTWAIT);
		if (sent < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return -EAGAIN;
			err = -errno;
			sent = 1; /* drop the refused frame, go on with the next */
		}
		io->q_head = (io->q_head + (uint32_t)sent) % io->q_nr;
		io->q_n -= (uint32_t)sent;
	}
	io->q_head = 0;
	return err == -ENOBUFS ? 0 : err;
}

static void copy_commit(struct dp_io *io, size_t len)
{
	io->q_iov[(io->q_head + io->q_n) % io->q_nr].iov_len = len;
	io->q_n++;
}

/*
 * Frames leave a port in the order they were committed: a frame for the
 * ring first sends what the copy queue holds, and the other way round.
 */
static void ring_tx_commit(struct dp_io *io, size_t len, const struct dp_io_offload *off)
{
	struct tpacket3_hdr *h;

	if (!io->tx_base) { /* copy mode: no offload metadata */
		copy_commit(io, len);
		return;
	}
	h = tx_frame(io, io->tx_cur);
	if (io->q_buf && len <= io->q_size && !copy_has_room(io))
		(void)copy_flush(io); /* a full queue: send it, keep copying */
	if (io->q_buf && len <= io->q_size && copy_has_room(io)) {
		/* a small frame: copied out of the lent ring frame, which stays free */
		if (io->tx_queued)
			(void)ring_kick(io);
		memcpy(io->q_iov[(io->q_head + io->q_n) % io->q_nr].iov_base,
		       (uint8_t *)h + RING_TX_OFF, len);
		copy_commit(io, len);
		return;
	}
	if (copy_pending(io))
		(void)copy_flush(io);
	if (io->vnet) {
		struct virtio_net_hdr vh = {0};

		if (off) {
			vh.flags = (off->flags & DP_IO_OFF_NEEDS_CSUM) ? VIRTIO_NET_HDR_F_NEEDS_CSUM
								       : 0;
			vh.gso_type = off->gso_type;
			vh.hdr_len = off->hdr_len;
			vh.gso_size = off->gso_size;
			vh.csum_start = off->csum_start;
			vh.csum_offset = off->csum_offset;
		}
		memcpy((uint8_t *)h + RING_TX_OFF, &vh, sizeof(vh));
		len += io->vnet;
	}
	h->tp_len = (uint32_t)len;
	h->tp_snaplen = (uint32_t)len;
	h->tp_next_offset = 0;
	__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
	io->tx_cur = (io->tx_cur + 1) % io->tx_frame_nr;
	io->tx_queued++;
}

/* Normally only one of the two holds frames (see ring_tx_commit). */
static int ring_tx_flush(struct dp_io *io)
{
	int r = io->tx_queued ? ring_kick(io) : 0;
	int q = copy_pending(io) ? copy_flush(io) : 0;

	if (r == -EAGAIN || q == -EAGAIN)
		return -EAGAIN;
	return r < 0 ? r : q;
}

static uint64_t ring_rx_dropped(struct dp_io *io)
{
	struct tpacket_stats_v3 st = {0};
	socklen_t len = sizeof(st);

	/* Reading the statistics resets them. */
	if (getsockopt(io->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
		return 0;
	return st.tp_drops;
}

const char *ring_small_tx(const struct dp_io *io)
{
	if (!io->q_buf)
		return "ring";
	return io->xsk_fd >= 0 ? "af_xdp" : "sendmmsg";
}

const struct dp_io_ops ring_io_ops = {
	.name = "af_packet",
	.open = ring_open,
	.close = ring_close,
	.fd = ring_fd,
	.rx = ring_rx,
	.tx_slot = ring_tx_slot,
	.tx_commit = ring_tx_commit,
	.tx_flush = ring_tx_flush,
	.rx_dropped = ring_rx_dropped,
};
