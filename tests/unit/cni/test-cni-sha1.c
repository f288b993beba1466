/*
 * cni-sha1: FIPS 180 vectors, and the same digest as libcrypto for every
 * length around the block and padding edges.
 */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "cni/cni-sha1.h"

static void hex(const uint8_t md[CNI_SHA1_LEN], char out[2 * CNI_SHA1_LEN + 1])
{
	for (int i = 0; i < CNI_SHA1_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void check(const char *msg, const char *want)
{
	uint8_t md[CNI_SHA1_LEN];
	char got[2 * CNI_SHA1_LEN + 1];

	cni_sha1(msg, strlen(msg), md);
	hex(md, got);
	cr_assert_str_eq(got, want, "SHA-1(\"%s\")", msg);
}

Test(cni_sha1, fips_vectors)
{
	check("", "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	check("abc", "a9993e364706816aba3e25717850c26c9cd0d89d");
	check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	      "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	check("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	      "a49b2446a02c645bf419f995b67091253a04a259");
}

Test(cni_sha1, same_as_libcrypto_for_every_length_up_to_300)
{
	uint8_t buf[300], md[CNI_SHA1_LEN], ref[EVP_MAX_MD_SIZE];
	unsigned int rlen = 0;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (size_t n = 0; n <= sizeof(buf); n++) {
		cni_sha1(buf, n, md);
		cr_assert(EVP_Digest(buf, n, ref, &rlen, EVP_sha1(), NULL));
		cr_assert_eq(rlen, CNI_SHA1_LEN);
		cr_assert_arr_eq(md, ref, CNI_SHA1_LEN, "length %zu", n);
	}
}
