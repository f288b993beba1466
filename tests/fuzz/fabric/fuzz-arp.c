/*
 * libFuzzer target: ARP frames from instances (untrusted) through the
 * parser, the VPC's answering policy and the reply builder, for an ENI port
 * and for a gateway port.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/arp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int owner(uint32_t ip, uint8_t ret_mac[6], void *userdata)
{
	static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x05};

	(void)userdata;
	if (ip == 0x0a000105)
		return 2;
	if ((ip & 0xffffff00u) == 0x0a000100 && (ip & 1)) {
		memcpy(ret_mac, mac, 6);
		return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arp_view eni = {.subnet = {.addr = 0x0a000100, .len = 24},
			       .router_mac = {0x02, 0x76, 0x70, 0x63, 0, 1}, .owner = owner};
	struct arp_view gw = eni;
	uint8_t out[64], small[ARP_FRAME_LEN - 1];
	struct arp_msg msg;
	int n;

	gw.gateway = true;
	if (arp_parse(data, size, &msg) == 0)
		(void)arp_is_gratuitous(&msg);
	n = arp_answer(data, size, &eni, out, sizeof(out));
	if (n != 0 && n != ARP_FRAME_LEN)
		abort();
	n = arp_answer(data, size, &gw, out, sizeof(out));
	if (n != 0 && n != ARP_FRAME_LEN)
		abort();
	/* The reply, when there is one, parses back as a reply. */
	if (n == ARP_FRAME_LEN && (arp_parse(out, (size_t)n, &msg) != 0 || msg.op != ARP_OP_REPLY))
		abort();
	n = arp_answer(data, size, &gw, small, sizeof(small));
	if (n > 0)
		abort(); /* never written past a short buffer */
	return 0;
}
