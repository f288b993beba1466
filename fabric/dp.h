/*
 * dp: the fabric's data path.  Every frame an instance sends crosses it.
 *
 * What it is.  One thread, inside the fabric's network namespace, reads the
 * frames arriving on a set of ports (the fabric-side ends of veth pairs), and
 * for each one:
 *   - ARP: answered the way the VPC answers it (fabric/arp.h), never
 *     forwarded;
 *   - IPv4: run through the engine (eng_process) entering at the port's ENI
 *     or gateway; on a verdict to an ENI or a gateway the frame is copied to
 *     the egress port with its L2 header rewritten and, when NAT applied, the
 *     engine's rewritten IP/L4 header; everything else is dropped and
 *     counted;
 *   - anything else (IPv6, other ethertypes, truncated frames): dropped and
 *     counted.
 * Nothing is ever flooded or broadcast.
 *
 * L2 rewriting (openvpc's choice, close to what an instance sees on AWS):
 *  - to an ENI: destination MAC = the ENI's MAC (the instance-side address);
 *    source MAC = the sender's own MAC when sender and receiver are ENIs of
 *    the same subnet (layer 2 delivery, vpc-semantics.md 1.4), otherwise the
 *    router MAC (routed through the subnet router, or from a gateway);
 *  - to a gateway: destination = the outside peer's MAC (configured, or
 *    learned from the last frame received on that port), source = router MAC;
 *  - the TTL is not decremented: the VPC router does not show as a hop, as on
 *    AWS.
 *
 * Ports.  A port is an ENI (its ID, the fabric-side ifindex, the ENI's MAC,
 * its subnet CIDR for ARP) or a gateway (IGW or VGW ID, ifindex, the outside
 * peer's MAC or zero to learn it).  The ENI/gateway indexes of the current
 * engine generation are looked up by ID whenever the generation or the port
 * table changes, so ports and generations can change independently.  A
 * port whose ID is not in the generation receives nothing and its frames
 * are dropped (counted as no_port).
 *
 * Generations.  fabric_dp_publish() hands a new generation to the engine state
 * (eng_state_publish) and wakes the thread, which adopts it between two
 * batches (eng_state_sync); connection tracking lives in the state, so
 * established flows that the new rules still allow continue, and a flow
 * whose SG rule was removed continues too (tracked, as on AWS) while a new
 * one is refused.
 *
 * Time.  The thread reads CLOCK_MONOTONIC once per batch and adds the
 * Unix-epoch offset taken at start (so conntrack timeouts never jump with
 * the wall clock and flow-log timestamps are still Unix times), unless the
 * configuration gives its own clock.
 *
 * Services.  Packets the engine sends to a VPC service address
 * (ENG_TO_SERVICE: IMDS, the DNS resolver, the time service) go out of the
 * SERVICE port (a veth into a namespace where the fabric's servers listen on
 * those addresses) with their source rewritten to an address of the service
 * pool that stands for (ENI, private IP) (dp-svc.h); the server asks
 * fabric_dp_service_peer() whose request it is.  Frames from the SERVICE
 * port to a pool address go back to that ENI with the destination restored,
 * without the engine (security groups and NACLs do not apply to the VPC's
 * own services, as on AWS); TTLs are kept, so an IMDSv2 hop limit set by the
 * server holds.  Without a SERVICE port such packets are dropped (no_port).
 *
 * TCP resets.  When the engine answers ENG_REPLY_RST (a segment on a NAT
 * gateway mapping that expired from idleness, as AWS resets it), the data
 * path sends the RST back out of the ingress port, from the router MAC,
 * numbered per RFC 793 from the offending segment.
 *
 * Threads and ownership.  The caller creates the engine state and lends it:
 * while the data path runs, only its thread touches the state (idle expiry,
 * flow-log flushes through cfg.flowlog_fn happen there), except
 * eng_state_publish() which is thread-safe.  fabric_dp_* functions may be
 * called from any one control thread.  set_ports and stats wait until the
 * data-path thread has acted (a round trip through an eventfd).
 *
 * Port I/O goes through dp-io.h (ring.c: AF_PACKET rings, and a send-only
 * AF_XDP socket for small frames).
 *
 * Offloads.  The data path forwards frames of at most one ring frame (16 KiB
 * by default), so the instance side must not hand it TSO/GSO super-frames
 * (they are dropped, counted as truncated).  With cfg.gso_guard (the
 * default) every port gets a pass-through XDP program on its fabric-side end
 * (dp-xdp.h), which makes the veth driver turn software GSO off on the
 * instance-side end: the instance then segments in its own kernel whatever
 * its settings.  Checksum offload is fine either way: a frame whose L4
 * checksum was left to offload is completed in software before it leaves.
 * fabric_dp_link_no_offload() also turns TSO/GSO/checksum offload off on a
 * link of the calling thread's namespace (for plumbing that can do it).
 */
#ifndef OPENVPC_FABRIC_DP_H
#define OPENVPC_FABRIC_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fabric/dp-io.h"
#include "lib/engine/engine.h"
#include "lib/model/model.h"
#include "lib/net/net.h"

struct fabric_dp;

enum fabric_dp_port_kind {
	FABRIC_DP_PORT_ENI,
	FABRIC_DP_PORT_IGW, /* an "internet" namespace behind the IGW */
	FABRIC_DP_PORT_VGW, /* the VPN side */
	FABRIC_DP_PORT_SERVICE, /* the fabric's own services (IMDS, DNS): see below */
};

/* One port, as the control plane describes it (copied by the data path). */
struct fabric_dp_port {
	enum fabric_dp_port_kind kind;
	char id[MODEL_ID_LEN]; /* eni-..., igw-..., vgw-... */
	int ifindex;	       /* fabric-side end, in the fabric's namespace */
	uint8_t mac[6];	       /* ENI: the ENI's (instance-side) MAC; gateway: peer's, 0 = learn */
	struct net_cidr4 subnet; /* ENI: its subnet (ARP answers); unused for gateways */
};

/* Counters of the data path (the engine's own are in .eng). */
struct fabric_dp_stats {
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t arp_requests, arp_replies;
	uint64_t ipv4;
	uint64_t delivered, to_internet, to_vpn, to_service, from_service, reply_rst;
	uint64_t drop_service_full; /* service pool exhausted (DP_SVC_MAX pairs) */
	uint64_t drop_engine;	   /* dropped by the engine (reasons in eng.drops) */
	uint64_t drop_no_port;	   /* no port for the ingress or egress object */
	uint64_t drop_malformed;   /* not parseable as IPv4 over Ethernet */
	uint64_t drop_truncated;   /* larger than the ring's frames (TSO left on?) */
	uint64_t drop_other;	   /* IPv6, other ethertypes, ARP not answered */
	uint64_t drop_tx_full;	   /* egress ring or queue full */
	uint64_t drop_rx_ring;	   /* dropped by the kernel: an RX ring was full */
	uint64_t generations;	   /* generations adopted */
	uint64_t gso_guard_errors; /* ports where the XDP GSO guard could not attach */
	size_t ports_open, ports_gso_guarded;
	struct eng_stats eng;
};

struct fabric_dp_config {
	/*
	 * The fabric's network namespace (an open fd, e.g. from netns_open());
	 * -1 = the namespace of the thread calling fabric_dp_start().
	 * fabric_dp_new() duplicates it: the caller may close its own fd.
	 */
	int netns_fd;
	uint8_t router_mac[6];	 /* the VPC router's MAC; zero = 02:76:70:63:00:01 */
	struct net_cidr4 service_pool; /* /0 (zero) = 169.254.0.0/17; see "Services" */
	const struct dp_io_ops *io; /* NULL = AF_PACKET rings (ring_io_ops) */
	struct dp_io_config io_cfg; /* zero = the backend's defaults */
	bool gso_guard;		    /* attach the XDP GSO guard to every port (default true) */
	/*
	 * Forward GSO super-frames whole, with their offload metadata
	 * (PACKET_VNET_HDR), as the kernel forwards between veths: several
	 * times the TCP throughput, 68 KiB TX frames.  Off by default: the
	 * engine then sees one packet per super-frame, so flow-log packet
	 * counts are lower than on the wire (bytes are right).  Implies no GSO
	 * guard.
	 */
	bool gso_passthrough;
	/* Flow-log flushing on the data-path thread (NULL = never flush). */
	void (*flowlog_fn)(const struct eng_flow_record *rec, void *userdata);
	void *flowlog_userdata;
	uint32_t flowlog_interval_override_s; /* 0 = the flow logs' own intervals */
	/*
	 * The clock, in Unix milliseconds, read on the data-path thread (NULL =
	 * CLOCK_MONOTONIC plus the epoch offset taken at start; tests pass a
	 * fake one).
	 */
	uint64_t (*clock_ms)(void *userdata);
	void *clock_userdata;
};

/* Fill *cfg with defaults (netns_fd -1, default router MAC, AF_PACKET). */
void fabric_dp_config_default(struct fabric_dp_config *cfg);

/*
 * New data path over the state st (borrowed; must outlive the data path).
 * 0, -ENOMEM, or another negative errno (eventfd).
 */
int fabric_dp_new(const struct fabric_dp_config *cfg, struct eng_state *st,
		  struct fabric_dp **ret_dp);

/*
 * Replace the port table (ports are copied).  Before start: stored.  While
 * running: waits until the thread has opened the new ports and closed the
 * removed ones; returns the first open error (that port stays closed, the
 * others are applied).  -EINVAL for a bad entry (ifindex <= 0, a duplicate
 * ifindex or ID).
 */
int fabric_dp_set_ports(struct fabric_dp *dp, const struct fabric_dp_port *ports, size_t n);

/* Publish a generation (takes its own reference) and wake the thread. */
void fabric_dp_publish(struct fabric_dp *dp, struct eng_gen *gen);

/*
 * Start the thread: it enters cfg.netns_fd and opens the ports.  Returns 0
 * once it runs, or the error that stopped it (the namespace could not be
 * entered; a port that fails to open is an error too).
 */
int fabric_dp_start(struct fabric_dp *dp);

/* Stop the thread (ports closed; a later start opens the same table).  Idempotent. */
void fabric_dp_stop(struct fabric_dp *dp);

/* Stops and frees.  Accepts NULL; returns NULL. */
struct fabric_dp *fabric_dp_free(struct fabric_dp *dp);

/*
 * Counters, current to the moment of the call (a round trip to the thread
 * while it runs).  0, or -ESHUTDOWN when the thread died.
 */
int fabric_dp_stats(struct fabric_dp *dp, struct fabric_dp_stats *ret_stats);

/*
 * Any thread: the ENI ID and private IP that a service-pool address stands
 * for (the source of a request arriving in the service namespace).  0 or
 * -ENOENT.
 */
int fabric_dp_service_peer(struct fabric_dp *dp, uint32_t addr, char ret_eni_id[MODEL_ID_LEN],
			   uint32_t *ret_ip);

/* Per-port counters by ID (rx/tx frames); 0 or -ENOENT. */
int fabric_dp_port_stats(struct fabric_dp *dp, const char *id, uint64_t *ret_rx,
			 uint64_t *ret_tx);

/*
 * Turn TSO, GSO, GRO and TX checksum offload off on ifname in the calling
 * thread's namespace (SIOCETHTOOL).  0 or a negative errno.
 */
int fabric_dp_link_no_offload(const char *ifname);

#endif
