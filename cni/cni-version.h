/*
 * cni-version: the CNI specification versions vpc-cni speaks (all of them:
 * 0.1.0 .. 1.1.0) and what differs between them for this plugin: which
 * verbs exist (CHECK from 0.4.0, STATUS and GC from 1.1.0) and the shape of
 * results (0.1.0/0.2.0: "ip4"; 0.3.x/0.4.0: "ips" with "version";
 * 1.x: "ips" without it).
 */
#ifndef OPENVPC_CNI_VERSION_H
#define OPENVPC_CNI_VERSION_H

#include <stdbool.h>

enum cni_ver {
	CNI_V010,
	CNI_V020,
	CNI_V030,
	CNI_V031,
	CNI_V040,
	CNI_V100,
	CNI_V110,
	CNI_V_COUNT
};

#define CNI_VERSION_LATEST "1.1.0"

/* "0.4.0" -> CNI_V040; 0 or -EINVAL for an unknown version. */
int cni_version_parse(const char *s, enum cni_ver *ret_ver);
const char *cni_version_str(enum cni_ver v);
/* {"cniVersion": asked, "supportedVersions": [...]}; malloc'd (caller frees) or NULL. */
char *cni_version_json(const char *asked);

#endif
