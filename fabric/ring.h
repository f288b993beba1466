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

/* Fills *cfg with the defaults above. */
void ring_config_default(struct dp_io_config *cfg);

#endif
