/* cni-sha1: SHA-1 of a buffer (see cni-sha1.h), by libmd. */
#include <sys/types.h>

#include <sha1.h>

#include "cni/cni-sha1.h"

void cni_sha1(const void *data, size_t len, uint8_t ret_md[CNI_SHA1_LEN])
{
	SHA1_CTX c;

	SHA1Init(&c);
	SHA1Update(&c, data, len);
	SHA1Final(ret_md, &c);
}
