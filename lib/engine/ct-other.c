/*
 * ct-other: protocols other than TCP, UDP and ICMP, tracked by addresses and
 * protocol only.  AWS: "return traffic of the same type within 600 s" is
 * accepted, so every packet refreshes a 600 s timeout.
 */
#include "lib/engine/ct-private.h"

#define CT_OTHER_TIMEOUT_S 600

static uint64_t other_start(struct ct_entry *e)
{
	e->state = 0;
	return CT_MS(CT_OTHER_TIMEOUT_S);
}

static int other_packet(struct ct_entry *e, enum ct_dir dir, uint8_t flags,
			uint64_t *ret_timeout_ms)
{
	(void)flags;
	if (dir != (enum ct_dir)e->origin)
		e->state = 1;
	*ret_timeout_ms = CT_MS(CT_OTHER_TIMEOUT_S);
	return 0;
}

static const char *other_state_name(const struct ct_entry *e)
{
	return e->state ? "OTHER_REPLIED" : "OTHER_NEW";
}

const struct ct_l4_proto ct_proto_other = {
    .name = "other",
    .start = other_start,
    .packet = other_packet,
    .state_name = other_state_name,
};
