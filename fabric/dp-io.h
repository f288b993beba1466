/*
 * dp-io: the port I/O interface of the data path.
 *
 * What it is.  The data path (dp.c) reads frames from and writes frames to
 * ports (the fabric-side ends of veth pairs) through this small interface,
 * so that the AF_PACKET ring backend (ring.c) can be replaced by AF_XDP
 * without touching the forwarding code.  A backend provides an ops table.
 *
 * Threading and namespaces.  Every call on a port happens on the data-path
 * thread.  open() runs on that thread too, which has entered the fabric's
 * network namespace: the sockets (and the ifindex) belong to that
 * namespace for their whole life.
 *
 * Receive: rx() hands each ready frame to a callback, in place (the buffer is
 * valid during the callback only), then returns the frames to the kernel.
 * Transmit: tx_slot() lends a buffer (in the backend's TX ring, or a queue
 * the backend copies from), tx_commit() queues it with its length,
 * tx_flush() hands everything queued to the kernel in one or two calls.
 * tx_slot() returns NULL when the ring or queue is full.
 */
#ifndef OPENVPC_FABRIC_DP_IO_H
#define OPENVPC_FABRIC_DP_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Frame flags passed to the receive callback. */
#define DP_IO_CSUM_PARTIAL 0x1u /* L4 checksum not computed yet (offload by the sender) */
#define DP_IO_TRUNCATED 0x2u	/* the frame was longer than what was captured */

/*
 * Offload metadata of a frame (the fields of a virtio_net_hdr, host order):
 * a GSO super-frame to be segmented by whoever receives it, and/or an L4
 * checksum still to be computed (csum_start/csum_offset from the frame's
 * start).  Only exchanged when dp_io_config.offload is set.
 */
#define DP_IO_OFF_NEEDS_CSUM 0x1u
struct dp_io_offload {
	uint8_t flags;	  /* DP_IO_OFF_NEEDS_CSUM */
	uint8_t gso_type; /* VIRTIO_NET_HDR_GSO_* (0 = none) */
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

/* How a port transmits (backends without the choice ignore it). */
enum dp_io_tx_mode {
	DP_IO_TX_AUTO, /* the backend's choice (AF_PACKET: ring.h) */
	DP_IO_TX_RING, /* zero-copy TX ring */
	DP_IO_TX_COPY, /* frames queued in user memory, one sendmmsg() per flush */
};

struct dp_io_config {
	uint32_t rx_block_size; /* bytes per RX block (power of two multiple of the page size) */
	uint32_t rx_block_nr;
	uint32_t tx_frame_size; /* bytes per TX frame (header included) */
	uint32_t tx_frame_nr;
	uint32_t rx_timeout_ms; /* how long a partly filled RX block waits (latency bound) */
	bool offload;		/* exchange dp_io_offload with the kernel (GSO passthrough) */
	enum dp_io_tx_mode tx_mode;
};

struct dp_io; /* a backend's port, opaque */

/* off: the frame's offload metadata when the port exchanges it, else NULL. */
typedef void (*dp_io_rx_fn)(void *userdata, uint8_t *frame, size_t len, unsigned flags,
			    const struct dp_io_offload *off);

struct dp_io_ops {
	const char *name;
	/* Open a port on ifindex (calling thread's namespace).  0 or -errno. */
	int (*open)(int ifindex, const struct dp_io_config *cfg, struct dp_io **ret_io);
	/* Close; accepts NULL. */
	void (*close)(struct dp_io *io);
	/* File descriptor that becomes readable (EPOLLIN) when frames wait. */
	int (*fd)(const struct dp_io *io);
	/* Deliver up to about budget ready frames to fn; returns how many. */
	size_t (*rx)(struct dp_io *io, size_t budget, dp_io_rx_fn fn, void *userdata);
	/* Lend a TX buffer of *ret_cap bytes, or NULL when the ring is full. */
	uint8_t *(*tx_slot)(struct dp_io *io, size_t *ret_cap);
	/* Queue the lent buffer with len bytes of frame (off: its offload metadata, or NULL). */
	void (*tx_commit)(struct dp_io *io, size_t len, const struct dp_io_offload *off);
	/* Send everything queued.  0 or -errno (the frames stay queued on -EAGAIN). */
	int (*tx_flush)(struct dp_io *io);
	/* Frames the kernel dropped because the RX ring was full, since the last call. */
	uint64_t (*rx_dropped)(struct dp_io *io);
};

#endif
