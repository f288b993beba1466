/*
 * arp: the VPC's answers to ARP, as pure functions on frame bytes.
 *
 * What it is.  Instances find the subnet router and their neighbours with
 * ARP.  In a VPC nothing is broadcast: the hypervisor answers every ARP
 * request itself from the VPC's mapping, and forwards none.  The fabric does
 * the same with these functions; they read and write bytes only (no I/O, no
 * allocation, no clock), so they are tested on frames alone.
 *
 * The policy (openvpc's choice, written down in arp_decide()):
 *  - only requests (op 1) for IPv4 over Ethernet are considered; replies,
 *    other opcodes and malformed frames are ignored (ARP_IGNORE);
 *  - gratuitous ARP (sender IP == target IP, or an announcement) is ignored:
 *    it is never forwarded, and the VPC's mapping does not learn from it;
 *  - a request whose target is one of the requester's own addresses (a
 *    duplicate address probe, sender IP 0.0.0.0) is not answered, so the
 *    instance's DAD succeeds;
 *  - on an ENI port, a target inside the requester's subnet is answered: the
 *    subnet router (base + 1) and every address that no ENI holds (the
 *    reserved .2/.3 service addresses, unused addresses) with the router MAC;
 *    an address held by another ENI of the subnet with that ENI's MAC, as
 *    AWS answers with the target interface's MAC (same-subnet traffic is
 *    layer 2 and skips the route tables, vpc-semantics.md 1.4).  A target
 *    outside the subnet is not answered (an instance only ARPs on-link);
 *  - on a gateway port (the IGW's "internet" side, the VGW) every request is
 *    answered with the router MAC: the outside sees the VPC as one router.
 *
 * Frames: Ethernet II (14 bytes) + 28-byte ARP body; a reply is 42 bytes (the
 * caller pads if its device needs 60).
 */
#ifndef OPENVPC_FABRIC_ARP_H
#define OPENVPC_FABRIC_ARP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/net/net.h"

#define ARP_FRAME_LEN 42 /* Ethernet header + ARP for IPv4 over Ethernet */
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

/* One ARP message for IPv4 over Ethernet, addresses in host order. */
struct arp_msg {
	uint8_t eth_dst[6], eth_src[6];
	uint16_t op;
	uint8_t sha[6]; /* sender hardware address */
	uint32_t spa;	/* sender protocol address */
	uint8_t tha[6];
	uint32_t tpa;
};

/*
 * Parse an Ethernet frame carrying ARP.  0; -ENOTSUP when the ethertype is
 * not ARP or the ARP is not IPv4 over Ethernet; -EBADMSG when truncated.
 */
int arp_parse(const uint8_t *frame, size_t size, struct arp_msg *ret_msg);

/* True for a gratuitous ARP: sender IP == target IP (request or reply). */
bool arp_is_gratuitous(const struct arp_msg *m);

/*
 * What the asking port knows, for arp_decide().  owner() answers whether an
 * address is held by an ENI of the VPC: it returns 1 and writes the ENI's
 * MAC when held by another ENI, 2 when held by the asking ENI itself, 0 when
 * held by none.
 */
struct arp_view {
	bool gateway;		/* a gateway port (IGW/VGW): answer every request */
	struct net_cidr4 subnet; /* ENI port: the ENI's subnet */
	uint8_t router_mac[6];
	int (*owner)(uint32_t ip, uint8_t ret_mac[6], void *userdata);
	void *userdata;
};

enum arp_decision {
	ARP_IGNORE, /* not a request the VPC answers: drop it */
	ARP_ANSWER, /* answer with the MAC written to ret_mac */
};

/* Decide per the policy above; writes ret_mac only for ARP_ANSWER. */
enum arp_decision arp_decide(const struct arp_msg *req, const struct arp_view *view,
			     uint8_t ret_mac[6]);

/*
 * Write into out (capacity cap) the reply to req saying that req->tpa is at
 * mac: Ethernet to the requester, op 2.  Returns the length (ARP_FRAME_LEN)
 * or -ENOBUFS.
 */
int arp_build_reply(const struct arp_msg *req, const uint8_t mac[6], uint8_t *out, size_t cap);

/*
 * Write an ARP request from (sha, spa) for tpa, broadcast, into out.
 * Returns ARP_FRAME_LEN or -ENOBUFS.  (Tests and probes use it.)
 */
int arp_build_request(const uint8_t sha[6], uint32_t spa, uint32_t tpa, uint8_t *out,
		      size_t cap);

/*
 * All of the above in one call: parse frame, decide, build the reply into
 * out.  Returns the reply length, 0 when nothing is to be sent, or -ENOBUFS.
 */
int arp_answer(const uint8_t *frame, size_t size, const struct arp_view *view, uint8_t *out,
	       size_t cap);

#endif
