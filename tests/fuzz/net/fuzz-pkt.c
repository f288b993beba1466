/* libFuzzer target: the packet parser and the NAT rewriter on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/net/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_hdr h, n;
	uint8_t *copy;

	(void)pkt_parse_eth(data, size, &h);
	if (pkt_parse_ip4(data, size, &h, NULL) != 0)
		return 0;
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	n = h;
	n.src ^= 0x01020304;
	n.sport = (uint16_t)(n.sport + 1);
	(void)pkt_rewrite_ip4(copy, size, &h, &n);
	free(copy);
	return 0;
}
