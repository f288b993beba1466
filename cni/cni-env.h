/*
 * cni-env: the CNI invocation environment (CNI specification 1.1.0,
 * "Parameters"): CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME,
 * CNI_ARGS, CNI_PATH.  Which variables a verb requires and how each is
 * validated is decided here once; values are copied into the struct, so it
 * does not depend on the environment afterwards.
 */
#ifndef OPENVPC_CNI_ENV_H
#define OPENVPC_CNI_ENV_H

#include <stdbool.h>

#include "cni/cni-err.h"

enum cni_cmd {
	CNI_CMD_ADD,
	CNI_CMD_DEL,
	CNI_CMD_CHECK,
	CNI_CMD_STATUS,
	CNI_CMD_VERSION,
	CNI_CMD_GC,
};

#define CNI_ID_MAX 256	   /* container IDs (runtimes use 64 hex digits) */
#define CNI_NETNS_MAX 256  /* netns paths */
#define CNI_IFNAME_MAX 16  /* IFNAMSIZ, NUL included */
#define CNI_K8S_NAME_MAX 254 /* Kubernetes names (DNS subdomain 253) */

struct cni_env {
	enum cni_cmd cmd;
	char container_id[CNI_ID_MAX];
	char netns[CNI_NETNS_MAX]; /* "" when not given (DEL may omit it) */
	char ifname[CNI_IFNAME_MAX];
	/* From CNI_ARGS (Kubernetes runtimes); "" when absent. */
	char pod_name[CNI_K8S_NAME_MAX];
	char pod_namespace[CNI_K8S_NAME_MAX];
	char infra_container_id[CNI_ID_MAX];
	char pod_uid[64];
};

/*
 * Read the environment through get (getenv in the plugin; a table in
 * tests).  Errors: CNI_ERR_INVALID_ENV naming the variable and what is
 * wrong with it.  0 or -EINVAL.
 */
int cni_env_parse(const char *(*get)(const char *name, void *ud), void *ud, struct cni_env *ret_env,
		  struct cni_err *err);
const char *cni_cmd_str(enum cni_cmd cmd);
/* Container IDs: non-empty, [A-Za-z0-9] then [A-Za-z0-9_.-]*. */
bool cni_container_id_valid(const char *s);
/* Interface names: 1..15 bytes, not "." or "..", no '/', ':' or whitespace. */
bool cni_ifname_valid(const char *s);

#endif
