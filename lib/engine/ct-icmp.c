/*
 * ct-icmp: ICMP connection tracking, keyed by the echo identifier (both
 * ports).  AWS documents no ICMP timeout; openvpc uses 30 s [I] whether or
 * not a reply was seen.
 */
#include "lib/engine/ct-private.h"

#define CT_ICMP_TIMEOUT_S 30

static uint64_t icmp_start(struct ct_entry *e)
{
	e->state = 0;
	return CT_MS(CT_ICMP_TIMEOUT_S);
}

static int icmp_packet(struct ct_entry *e, enum ct_dir dir, uint8_t flags, uint64_t *ret_timeout_ms)
{
	(void)flags;
	if (dir != (enum ct_dir)e->origin)
		e->state = 1;
	*ret_timeout_ms = CT_MS(CT_ICMP_TIMEOUT_S);
	return 0;
}

static const char *icmp_state_name(const struct ct_entry *e)
{
	return e->state ? "ICMP_REPLIED" : "ICMP_NEW";
}

const struct ct_l4_proto ct_proto_icmp = {
    .name = "icmp",
    .start = icmp_start,
    .packet = icmp_packet,
    .state_name = icmp_state_name,
};
