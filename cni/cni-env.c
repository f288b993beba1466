/* cni-env: the CNI invocation environment (see cni-env.h). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "cni/cni-env.h"
#include "lib/util/util.h"

static const struct {
	const char *name;
	enum cni_cmd cmd;
	bool need_id, need_netns, need_ifname;
} cmds[] = {
    {"ADD", CNI_CMD_ADD, true, true, true},	   {"DEL", CNI_CMD_DEL, true, false, true},
    {"CHECK", CNI_CMD_CHECK, true, true, true},	   {"STATUS", CNI_CMD_STATUS, false, false, false},
    {"VERSION", CNI_CMD_VERSION, false, false, false}, {"GC", CNI_CMD_GC, false, false, false},
};

const char *cni_cmd_str(enum cni_cmd cmd)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].cmd == cmd)
			return cmds[i].name;
	return "?";
}

bool cni_container_id_valid(const char *s)
{
	if (!isalnum((unsigned char)s[0]))
		return false;
	for (const char *p = s + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

bool cni_ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CNI_IFNAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return false;
	return true;
}

static int copy_var(struct cni_err *err, const char *var, const char *v, char *dst, size_t size)
{
	if (util_strscpy(dst, v, size) < 0)
		return cni_err_set(err, CNI_ERR_INVALID_ENV, "%s is longer than %zu characters", var,
				   size - 1);
	return 0;
}

/* One K=V of CNI_ARGS (no ';' inside). */
static int cni_arg(struct cni_env *env, const char *kv, size_t len, bool *unknown,
		   struct cni_err *err)
{
	static const struct {
		const char *key;
		size_t off, size;
	} keys[] = {
	    {"K8S_POD_NAME", offsetof(struct cni_env, pod_name), CNI_K8S_NAME_MAX},
	    {"K8S_POD_NAMESPACE", offsetof(struct cni_env, pod_namespace), CNI_K8S_NAME_MAX},
	    {"K8S_POD_INFRA_CONTAINER_ID", offsetof(struct cni_env, infra_container_id), CNI_ID_MAX},
	    {"K8S_POD_UID", offsetof(struct cni_env, pod_uid), 64},
	};
	const char *eq = memchr(kv, '=', len);

	if (!eq || eq == kv)
		return cni_err_set(err, CNI_ERR_INVALID_ENV,
				   "CNI_ARGS: \"%.*s\" is not KEY=VALUE", (int)(len > 64 ? 64 : len), kv);
	size_t klen = (size_t)(eq - kv), vlen = len - klen - 1;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strlen(keys[i].key) != klen || memcmp(keys[i].key, kv, klen) != 0)
			continue;
		if (vlen >= keys[i].size)
			return cni_err_set(err, CNI_ERR_INVALID_ENV,
					   "CNI_ARGS: %s is longer than %zu characters", keys[i].key,
					   keys[i].size - 1);
		char *dst = (char *)env + keys[i].off;
		memcpy(dst, eq + 1, vlen);
		dst[vlen] = '\0';
		return 0;
	}
	if (klen == strlen("IgnoreUnknown") && memcmp(kv, "IgnoreUnknown", klen) == 0)
		return 0;
	*unknown = true;
	return 0;
}

static bool ignore_unknown(const char *args)
{
	/* libcni's rule: IgnoreUnknown=1 or =true anywhere in the list. */
	for (const char *p = args; p && *p;) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if ((len == 15 && memcmp(p, "IgnoreUnknown=1", 15) == 0) ||
		    (len == 18 && memcmp(p, "IgnoreUnknown=true", 18) == 0))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

static int parse_args(struct cni_env *env, const char *args, struct cni_err *err)
{
	bool unknown = false;
	int e;

	for (const char *p = args; p && *p;) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > 0 && (e = cni_arg(env, p, len, &unknown, err)) < 0)
			return e;
		p = end ? end + 1 : NULL;
	}
	if (unknown && !ignore_unknown(args))
		return cni_err_set(err, CNI_ERR_INVALID_ENV,
				   "CNI_ARGS holds keys vpc-cni does not know and no IgnoreUnknown=1");
	return 0;
}

int cni_env_parse(const char *(*get)(const char *name, void *ud), void *ud, struct cni_env *ret_env,
		  struct cni_err *err)
{
	struct cni_env env = {0};
	const char *cmd = get("CNI_COMMAND", ud), *v;
	size_t i;
	int e;

	if (!cmd || !*cmd)
		return cni_err_set(err, CNI_ERR_INVALID_ENV, "CNI_COMMAND is not set");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, cmd) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0]))
		return cni_err_set(err, CNI_ERR_INVALID_ENV,
				   "CNI_COMMAND \"%.32s\" is not one of ADD, DEL, CHECK, STATUS, "
				   "VERSION, GC",
				   cmd);
	env.cmd = cmds[i].cmd;

	v = get("CNI_CONTAINERID", ud);
	if (v && *v) {
		if ((e = copy_var(err, "CNI_CONTAINERID", v, env.container_id,
				  sizeof(env.container_id))) < 0)
			return e;
		if (!cni_container_id_valid(v))
			return cni_err_set(err, CNI_ERR_INVALID_ENV,
					   "CNI_CONTAINERID \"%.64s\" must start with a letter or "
					   "digit and hold only letters, digits, '_', '.' and '-'",
					   v);
	} else if (cmds[i].need_id) {
		return cni_err_set(err, CNI_ERR_INVALID_ENV, "CNI_CONTAINERID is not set (%s)", cmd);
	}
	v = get("CNI_NETNS", ud);
	if (v && *v) {
		if ((e = copy_var(err, "CNI_NETNS", v, env.netns, sizeof(env.netns))) < 0)
			return e;
	} else if (cmds[i].need_netns) {
		return cni_err_set(err, CNI_ERR_INVALID_ENV, "CNI_NETNS is not set (%s)", cmd);
	}
	v = get("CNI_IFNAME", ud);
	if (v && *v) {
		if (!cni_ifname_valid(v))
			return cni_err_set(err, CNI_ERR_INVALID_ENV,
					   "CNI_IFNAME \"%.32s\" is not a valid interface name (1-15 "
					   "characters, no '/', ':' or space)",
					   v);
		util_strscpy(env.ifname, v, sizeof(env.ifname));
	} else if (cmds[i].need_ifname) {
		return cni_err_set(err, CNI_ERR_INVALID_ENV, "CNI_IFNAME is not set (%s)", cmd);
	}
	if ((e = parse_args(&env, get("CNI_ARGS", ud), err)) < 0)
		return e;
	*ret_env = env;
	return 0;
}
