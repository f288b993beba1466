/*
 * cni-sha1: SHA-1 (FIPS 180-4) of a short buffer, for the host veth name
 * (the AWS plugin's "eni" + the first 11 hex digits of SHA-1 of
 * "<namespace>.<pod>").  Not for security: the name only has to match the
 * AWS plugin's.  By libmd (a plain static archive), so that vpc-cni does
 * not load and initialise libcrypto for one digest (about 2 ms of every
 * ADD, measured; docs/benchmarks.md, CNI).
 */
#ifndef OPENVPC_CNI_SHA1_H
#define OPENVPC_CNI_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define CNI_SHA1_LEN 20

void cni_sha1(const void *data, size_t len, uint8_t ret_md[CNI_SHA1_LEN]);

#endif
