/*
 * ct-private: the connection-tracking entry layout and the per-protocol
 * state machine interface shared by ct.c and ct-{tcp,udp,icmp,other}.c.
 *
 * A protocol module only sees one entry at a time: it initialises the
 * protocol part of a new entry (start) and runs one packet through it
 * (packet), returning the new idle timeout in milliseconds.  ct.c owns the
 * table, the expiry bookkeeping and the zone accounting.
 */
#ifndef OPENVPC_ENGINE_CT_PRIVATE_H
#define OPENVPC_ENGINE_CT_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/engine/ct.h"

#define CT_NONE UINT32_MAX

/* Entry flags. */
#define CT_F_USED    0x01
#define CT_F_REPLIED 0x02
#define CT_F_SEEN    0x04 /* at least one packet went through the state machine */
#define CT_F_LAST_IN 0x08 /* the previous packet went CT_DIR_IN */

struct ct_entry {
	struct ct_key key;
	uint8_t state;	       /* protocol-specific */
	uint8_t origin;	       /* enum ct_dir of the first packet */
	uint8_t flags;	       /* CT_F_* */
	uint8_t aux;	       /* protocol-specific (TCP: first FIN side + 1; UDP: exchanges) */
	uint32_t next;	       /* free list (pool index) */
	uint32_t zprev, znext; /* zone list (pool index) */
	uint32_t long_s;       /* TCP: established; UDP: stream */
	uint32_t short_s;      /* UDP: single exchange */
	uint32_t wprev, wnext; /* expiry wheel list (pool index) */
	uint32_t wsec;	       /* second the entry is filed under in the wheel */
	uint64_t expires_ms;
};

struct ct_l4_proto {
	const char *name;
	/* Initialise the protocol state of a freshly inserted entry; returns its timeout (ms). */
	uint64_t (*start)(struct ct_entry *e);
	/*
	 * One packet in direction dir; updates state, origin and aux (ct.c
	 * updates the flags afterwards).  Returns 0 and *ret_timeout_ms, or
	 * -ECONNRESET (entry untouched).
	 */
	int (*packet)(struct ct_entry *e, enum ct_dir dir, uint8_t tcp_flags,
		      uint64_t *ret_timeout_ms);
	const char *(*state_name)(const struct ct_entry *e);
};

/* TCP ESTABLISHED state value (ct-tcp.c), for ct_update()'s fast path. */
#define CT_TCP_STATE_ESTABLISHED 3

/* TCP: would packet() refuse a packet with these flags (-ECONNRESET)? */
bool ct_tcp_refuses(const struct ct_entry *e, uint8_t tcp_flags);

extern const struct ct_l4_proto ct_proto_tcp;
extern const struct ct_l4_proto ct_proto_udp;
extern const struct ct_l4_proto ct_proto_icmp;
extern const struct ct_l4_proto ct_proto_other;

#define CT_MS(s) ((uint64_t)(s)*1000u)

static inline enum ct_dir ct_entry_last_dir(const struct ct_entry *e)
{
	return (e->flags & CT_F_LAST_IN) ? CT_DIR_IN : CT_DIR_OUT;
}

#endif
