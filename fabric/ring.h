/*
 * ring: the AF_PACKET port backend of the data path (see dp-io.h).
 *
 * One packet socket per port, bound to the port's ifindex, with a
 * TPACKET_V3 RX ring (blocks retired when full or after rx_timeout_ms) and a
 * TPACKET_V3 TX ring (fixed-size frames) in one mmap.  Sends bypass the
 * qdisc (PACKET_QDISC_BYPASS); the socket ignores its own outgoing frames
 * (PACKET_IGNORE_OUTGOING) and listens in promiscuous mode (frames from an
 * instance are addressed to the router or another ENI's MAC, never to the
 * fabric-side end's own address).
 *
 * Transmit (dp_io_config.tx_mode):
 *  - auto (the default without offload): frames of at most 2 KiB are copied
 *    into a queue and sent, per flush, through a send-only AF_XDP socket of
 *    the port in copy mode (the queue's buffers are its UMEM: one descriptor
 *    per frame, one sendto() per 32 frames; the kernel builds the skb
 *    without sendmmsg()'s per-message msghdr/iovec import and header
 *    parsing: a sixth to a third less data-path CPU per 64-byte packet,
 *    docs/benchmarks.md), or, where AF_XDP is not available, with one
 *    sendmmsg() per flush on a second, send-only packet socket; larger ones
 *    go through the TX ring.  A small frame sent by copy lands in the skb's
 *    linear area; from the ring it would be a page fragment of the mapping,
 *    which the kernel copies into freshly allocated pages when the skb
 *    crosses the veth into the instance's namespace (skb_copy_ubufs), a
 *    page allocation per packet.  Large frames (TCP at a 9001-byte MTU) are
 *    faster from the ring.  Frames leave a port in the order they were
 *    committed.
 *  - ring: every frame through the TX ring (also auto with offload: the
 *    virtio-net header travels in the ring frame).
 *  - copy: every frame through the queue (tx_frame_nr buffers of
 *    tx_frame_size bytes); not with offload.
 *
 * Defaults: RX 16 blocks of 256 KiB, TX 128 frames of 16 KiB (a frame carries
 * up to 16 KiB - 48 bytes, enough for the 9001-byte MTU of a VPC), RX block
 * timeout 1 ms: 6 MiB of ring per port (4 MiB of RX absorb a TCP burst at
 * a 9001-byte MTU while the thread is descheduled; with 1 MiB, iperf3 saw
 * ~10,000 retransmits in 5 s, with 4 MiB ~50).
 */
#ifndef OPENVPC_FABRIC_RING_H
#define OPENVPC_FABRIC_RING_H

#include "fabric/dp-io.h"

extern const struct dp_io_ops ring_io_ops;

/* Fills every field of *cfg with the defaults above (no offload, auto TX). */
void ring_config_default(struct dp_io_config *cfg);

/*
 * How a port sends frames of at most 2 KiB: "af_xdp", "sendmmsg" (copy
 * queue over a packet socket) or "ring" (ring mode).  For tests and stats.
 */
const char *ring_small_tx(const struct dp_io *io);

#endif
