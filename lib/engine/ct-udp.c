/*
 * ct-udp: UDP connection tracking.  A flow stays on the short timeout
 * (udp_s) until more than one request/response exchange was seen, then it is
 * a stream (udp_stream_s), as AWS UdpStreamTimeout describes.  An exchange
 * is counted each time a packet against the origin follows a packet in the
 * origin direction; aux holds the count (saturating).
 */
#include "lib/engine/ct-private.h"

enum ct_udp_state {
	CT_UDP_NEW,
	CT_UDP_REPLIED,
	CT_UDP_STREAM,
};

static uint64_t udp_timeout_ms(const struct ct_entry *e)
{
	return CT_MS(e->state == CT_UDP_STREAM ? e->long_s : e->short_s);
}

static uint64_t udp_start(struct ct_entry *e)
{
	e->state = CT_UDP_NEW;
	e->aux = 0;
	return udp_timeout_ms(e);
}

static int udp_packet(struct ct_entry *e, enum ct_dir dir, uint8_t flags, uint64_t *ret_timeout_ms)
{
	(void)flags;
	if (dir != (enum ct_dir)e->origin && ct_entry_last_dir(e) == (enum ct_dir)e->origin &&
	    e->aux < UINT8_MAX)
		e->aux++;
	e->state = e->aux >= 2 ? CT_UDP_STREAM : e->aux == 1 ? CT_UDP_REPLIED : CT_UDP_NEW;
	*ret_timeout_ms = udp_timeout_ms(e);
	return 0;
}

static const char *udp_state_name(const struct ct_entry *e)
{
	switch (e->state) {
	case CT_UDP_NEW:
		return "UDP_NEW";
	case CT_UDP_REPLIED:
		return "UDP_REPLIED";
	default:
		return "UDP_STREAM";
	}
}

const struct ct_l4_proto ct_proto_udp = {
    .name = "udp",
    .start = udp_start,
    .packet = udp_packet,
    .state_name = udp_state_name,
};
