/*
 * ring: AF_PACKET TPACKET_V3 port backend (see ring.h and dp-io.h).
 *
 * Layout of the one mapping: the RX ring (rx_block_nr blocks) first, then
 * the TX ring (tx frames).  The RX cursor walks blocks in order; a block
 * belongs to user space while its status has TP_STATUS_USER and goes back to
 * the kernel when its frames have been handed out.  The TX cursor walks
 * frames in order; a frame is free while its status is TP_STATUS_AVAILABLE.
 */
#include "fabric/ring.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* Where a TX frame's data starts (tpacket_snd: tp_hdrlen - sizeof(sockaddr_ll)). */
#define RING_TX_OFF TPACKET_ALIGN(sizeof(struct tpacket3_hdr))
#define RING_TX_BLOCK (1u << 16)

struct dp_io {
	int fd;
	uint8_t *map;
	size_t map_len;
	uint8_t *rx_base;
	uint32_t rx_block_size, rx_block_nr, rx_cur;
	uint8_t *tx_base;
	uint32_t tx_frame_size, tx_frame_nr, tx_cur, tx_queued;
	size_t vnet; /* sizeof(struct virtio_net_hdr) when offload metadata is exchanged, else 0 */
};

void ring_config_default(struct dp_io_config *cfg)
{
	cfg->rx_block_size = 1u << 18;
	cfg->rx_block_nr = 16;
	cfg->tx_frame_size = 1u << 14;
	cfg->tx_frame_nr = 128;
	cfg->rx_timeout_ms = 1;
}

static int setopt_int(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof(value)) < 0 ? -errno : 0;
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
	    cfg->tx_frame_nr == 0 || cfg->rx_block_size < 4096 || cfg->rx_block_size % 4096)
		return -EINVAL;
	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
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
	tx.tp_block_size = RING_TX_BLOCK;
	if (cfg->tx_frame_size > tx.tp_block_size) /* one frame per block, page aligned */
		tx.tp_block_size = (cfg->tx_frame_size + 4095u) & ~4095u;
	per_block = tx.tp_block_size / cfg->tx_frame_size;
	tx.tp_block_nr = (cfg->tx_frame_nr + per_block - 1) / per_block;
	tx.tp_frame_size = cfg->tx_frame_size;
	tx.tp_frame_nr = tx.tp_block_nr * per_block;
	if (setsockopt(io->fd, SOL_PACKET, PACKET_TX_RING, &tx, sizeof(tx)) < 0) {
		r = -errno;
		goto err_opts;
	}
	io->rx_block_size = rx.tp_block_size;
	io->rx_block_nr = rx.tp_block_nr;
	io->tx_frame_size = tx.tp_frame_size;
	io->tx_frame_nr = tx.tp_frame_nr;
	io->map_len = (size_t)rx.tp_block_size * rx.tp_block_nr +
		      (size_t)tx.tp_block_size * tx.tp_block_nr;
	io->map = mmap(NULL, io->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, io->fd,
		       0);
	if (io->map == MAP_FAILED) {
		r = -errno;
		io->map = NULL;
		goto err_opts;
	}
	io->rx_base = io->map;
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
	*ret_io = io;
	return 0;

err_bind:
	munmap(io->map, io->map_len);
err_opts:
	close(io->fd);
err_socket:
	free(io);
	return r;
}

static void ring_close(struct dp_io *io)
{
	if (!io)
		return;
	if (io->map)
		munmap(io->map, io->map_len);
	close(io->fd);
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
	struct tpacket3_hdr *h = tx_frame(io, io->tx_cur);
	uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);

	if (status == TP_STATUS_WRONG_FORMAT) /* rejected by the kernel: reuse it */
		status = TP_STATUS_AVAILABLE;
	if (status != TP_STATUS_AVAILABLE)
		return NULL;
	*ret_cap = io->tx_frame_size - RING_TX_OFF - io->vnet;
	return (uint8_t *)h + RING_TX_OFF + io->vnet;
}

static void ring_tx_commit(struct dp_io *io, size_t len, const struct dp_io_offload *off)
{
	struct tpacket3_hdr *h = tx_frame(io, io->tx_cur);

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

static int ring_tx_flush(struct dp_io *io)
{
	if (io->tx_queued == 0)
		return 0;
	if (sendto(io->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0) {
		if (errno == EAGAIN || errno == ENOBUFS)
			return -EAGAIN; /* still queued: the caller flushes again later */
		return -errno;
	}
	io->tx_queued = 0;
	return 0;
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
