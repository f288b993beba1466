/*
 * families: the registration arrays of the action families (one per
 * api/ec2-<family>.c).  To add a family: define its array and count in its
 * file with API_FAMILY_DEFINE, declare it here and list it in
 * api_families[] (dispatch.c).
 */
#ifndef OPENVPC_API_FAMILIES_H
#define OPENVPC_API_FAMILIES_H

#include <stddef.h>

#include "api/api.h"

#define API_FAMILY_DECLARE(fam)                                                                    \
	extern const struct api_action api_actions_##fam[];                                        \
	extern const size_t api_n_actions_##fam

#define API_FAMILY_DEFINE(fam, ...)                                                                \
	const struct api_action api_actions_##fam[] = {__VA_ARGS__};                               \
	const size_t api_n_actions_##fam = sizeof(api_actions_##fam) / sizeof(api_actions_##fam[0])

API_FAMILY_DECLARE(region);
API_FAMILY_DECLARE(instance_types);
API_FAMILY_DECLARE(tags);
API_FAMILY_DECLARE(vpc);
API_FAMILY_DECLARE(secgroup);
API_FAMILY_DECLARE(eni);
API_FAMILY_DECLARE(route);
API_FAMILY_DECLARE(nacl);
API_FAMILY_DECLARE(vpn);
API_FAMILY_DECLARE(flowlogs);
API_FAMILY_DECLARE(dhcp);

#endif
