/*
 * cni-conf: vpc-cni's network configuration (the JSON on stdin), with the
 * fields of the AWS plugin: vethPrefix (<= 4 characters, not "eth", "lo" or
 * "vlan"; default "eni"), mtu (number or string, 576..9001; default 9001),
 * pluginLogFile, pluginLogLevel (Debug, Info, Warn, Error); openvpc's own
 * ipamdSocket; and what the runtime adds: cniVersion (required, a version
 * cni-version knows), name, type, prevResult, runtimeConfig, and for GC
 * "cni.dev/valid-attachments".  Unknown fields are ignored as the AWS plugin
 * ignores them.  The struct owns a reference to the parsed document.
 */
#ifndef OPENVPC_CNI_CONF_H
#define OPENVPC_CNI_CONF_H

#include <jansson.h>
#include <stddef.h>

#include "cni/cni-err.h"
#include "cni/cni-version.h"

#define CNI_CONF_MAX_BYTES (1u << 20)
#define CNI_DEFAULT_SOCKET "/run/openvpc/ipamd.sock"
#define CNI_DEFAULT_MTU 9001

struct cni_attachment {
	const char *container_id; /* borrowed from the document */
	const char *ifname;
};

struct cni_conf {
	enum cni_ver version;
	char version_str[8];
	const char *name; /* borrowed from root; "" when absent */
	const char *type;
	char veth_prefix[5];
	int mtu;
	const char *log_file;  /* NULL: no log */
	const char *log_level; /* "Debug", "Info", "Warn", "Error" */
	const char *ipamd_socket;
	json_t *prev_result; /* borrowed from root; NULL when absent */
	struct cni_attachment *valid; /* GC only */
	size_t n_valid;
	bool has_valid;
	json_t *root;
};

/*
 * Parse len bytes.  Errors: CNI_ERR_DECODE (not JSON, not an object),
 * CNI_ERR_INCOMPATIBLE_VERSION (cniVersion unknown), CNI_ERR_INVALID_CONFIG
 * (a field of the wrong type or out of range, naming the field).
 */
int cni_conf_parse(const char *buf, size_t len, struct cni_conf **ret_conf, struct cni_err *err);
void cni_conf_free(struct cni_conf *c);

#endif
