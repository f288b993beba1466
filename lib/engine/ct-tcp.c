/*
 * ct-tcp: the TCP state machine of connection tracking (see the table in
 * ct.h).  Sequence numbers and windows are not tracked: AWS security groups
 * pass any packet of a tracked connection, so the states only decide the
 * idle timeout and whether a closed connection still matches.
 */
#include <errno.h>

#include "lib/engine/ct-private.h"
#include "lib/net/pkt.h"

enum ct_tcp_state {
	CT_TCP_NEW,
	CT_TCP_SYN_SENT,
	CT_TCP_SYN_RECV,
	CT_TCP_ESTABLISHED,
	CT_TCP_FIN_WAIT,
	CT_TCP_CLOSE_WAIT,
	CT_TCP_LAST_ACK,
	CT_TCP_TIME_WAIT,
	CT_TCP_CLOSED,
	CT_TCP__COUNT
};

_Static_assert(CT_TCP_ESTABLISHED == CT_TCP_STATE_ESTABLISHED && CT_TCP_NEW == CT_TCP_STATE_NEW &&
		   CT_TCP_SYN_SENT == CT_TCP_STATE_SYN_SENT &&
		   CT_TCP_FIN_WAIT == CT_TCP_STATE_FIN_WAIT && CT_TCP_CLOSED == CT_TCP_STATE_CLOSED,
	       "ct-private.h");

static const char *const tcp_state_names[CT_TCP__COUNT] = {
    [CT_TCP_NEW] = "NEW",	    [CT_TCP_SYN_SENT] = "SYN_SENT",
    [CT_TCP_SYN_RECV] = "SYN_RECV", [CT_TCP_ESTABLISHED] = "ESTABLISHED",
    [CT_TCP_FIN_WAIT] = "FIN_WAIT", [CT_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
    [CT_TCP_LAST_ACK] = "LAST_ACK", [CT_TCP_TIME_WAIT] = "TIME_WAIT",
    [CT_TCP_CLOSED] = "CLOSED",
};

/* Seconds; ESTABLISHED comes from the entry (per-ENI tcp_established_s). */
static const uint32_t tcp_timeouts_s[CT_TCP__COUNT] = {
    [CT_TCP_NEW] = CT_TCP_NEW_TIMEOUT_S,
    [CT_TCP_SYN_SENT] = CT_TCP_SYN_SENT_TIMEOUT_S,
    [CT_TCP_SYN_RECV] = 60,
    [CT_TCP_ESTABLISHED] = 0,
    [CT_TCP_FIN_WAIT] = CT_TCP_FIN_WAIT_TIMEOUT_S,
    [CT_TCP_CLOSE_WAIT] = 60,
    [CT_TCP_LAST_ACK] = 30,
    [CT_TCP_TIME_WAIT] = 120,
    [CT_TCP_CLOSED] = CT_TCP_CLOSED_TIMEOUT_S,
};

static uint64_t tcp_timeout_ms(const struct ct_entry *e)
{
	if (e->state == CT_TCP_ESTABLISHED)
		return CT_MS(e->long_s);
	return CT_MS(tcp_timeouts_s[e->state]);
}

uint64_t ct_tcp_start(struct ct_entry *e)
{
	return ct_tcp_start_in(e);
}

int ct_tcp_packet(struct ct_entry *e, enum ct_dir dir, uint8_t flags, uint64_t *ret_timeout_ms)
{
	bool syn = flags & PKT_TCP_SYN, ack = flags & PKT_TCP_ACK;
	bool fin = flags & PKT_TCP_FIN, rst = flags & PKT_TCP_RST;
	bool orig = dir == (enum ct_dir)e->origin;
	/* aux holds the side whose FIN ended ESTABLISHED, plus one (0 = none). */
	bool from_first_fin = e->aux && dir == (enum ct_dir)(e->aux - 1);
	uint8_t st = e->state;

	if (st == CT_TCP_NEW) {
		*ret_timeout_ms = ct_tcp_from_new(e, dir, flags); /* (also inlined by ct.c) */
		return 0;
	}
	if (st == CT_TCP_CLOSED || st == CT_TCP_TIME_WAIT) {
		if (syn && !ack && !rst && !fin) {
			/* A new connection reusing the tuple. */
			e->origin = (uint8_t)dir;
			e->flags &= (uint8_t)~CT_F_REPLIED;
			e->aux = 0;
			e->state = CT_TCP_SYN_SENT;
			*ret_timeout_ms = tcp_timeout_ms(e);
			return 0;
		}
		if (st == CT_TCP_CLOSED)
			return -ECONNRESET;
	}
	if (rst) {
		st = CT_TCP_CLOSED;
	} else {
		switch (st) {
		case CT_TCP_SYN_SENT:
			if (!orig && syn)
				st = CT_TCP_SYN_RECV;
			break;
		case CT_TCP_SYN_RECV:
			if (fin) {
				st = CT_TCP_FIN_WAIT;
				e->aux = (uint8_t)(dir + 1);
			} else if (orig && ack && !syn)
				st = CT_TCP_ESTABLISHED;
			break;
		case CT_TCP_ESTABLISHED:
			if (fin) {
				st = CT_TCP_FIN_WAIT;
				e->aux = (uint8_t)(dir + 1);
			}
			break;
		case CT_TCP_FIN_WAIT:
			if (!from_first_fin && fin)
				st = CT_TCP_LAST_ACK;
			else if (!from_first_fin && ack)
				st = CT_TCP_CLOSE_WAIT;
			break;
		case CT_TCP_CLOSE_WAIT:
			if (!from_first_fin && fin)
				st = CT_TCP_LAST_ACK;
			break;
		case CT_TCP_LAST_ACK:
			if (from_first_fin && ack && !fin)
				st = CT_TCP_TIME_WAIT;
			break;
		default: /* TIME_WAIT keeps its state until it times out */
			break;
		}
	}
	e->state = st;
	*ret_timeout_ms = tcp_timeout_ms(e);
	return 0;
}

bool ct_tcp_refuses(const struct ct_entry *e, uint8_t flags)
{
	bool reopen = (flags & PKT_TCP_SYN) &&
		      !(flags & (PKT_TCP_ACK | PKT_TCP_RST | PKT_TCP_FIN));

	return e->state == CT_TCP_CLOSED && !reopen;
}

static const char *tcp_state_name(const struct ct_entry *e)
{
	return e->state < CT_TCP__COUNT ? tcp_state_names[e->state] : "INVALID";
}

const struct ct_l4_proto ct_proto_tcp = {
    .name = "tcp",
    .start = ct_tcp_start,
    .packet = ct_tcp_packet,
    .state_name = tcp_state_name,
};
