/* cni-env: the CNI_* environment of an invocation. */
#include <criterion/criterion.h>
#include <string.h>

#include "cni/cni-env.h"

struct kv {
	const char *k, *v;
};

static const char *get(const char *name, void *ud)
{
	for (const struct kv *p = ud; p->k; p++)
		if (strcmp(p->k, name) == 0)
			return p->v;
	return NULL;
}

static int parse(struct kv *vars, struct cni_env *env, struct cni_err *err)
{
	return cni_env_parse(get, vars, env, err);
}

Test(cni_env, add_with_kubernetes_args)
{
	struct kv vars[] = {{"CNI_COMMAND", "ADD"},
			    {"CNI_CONTAINERID", "0123abcd"},
			    {"CNI_NETNS", "/var/run/netns/cni-1"},
			    {"CNI_IFNAME", "eth0"},
			    {"CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-1;"
					 "K8S_POD_INFRA_CONTAINER_ID=0123abcd;K8S_POD_UID=u-1;OTHER=x"},
			    {0}};
	struct cni_env env;
	struct cni_err err = {0};

	cr_assert_eq(parse(vars, &env, &err), 0, "%s", err.msg);
	cr_assert_eq(env.cmd, CNI_CMD_ADD);
	cr_assert_str_eq(env.container_id, "0123abcd");
	cr_assert_str_eq(env.netns, "/var/run/netns/cni-1");
	cr_assert_str_eq(env.ifname, "eth0");
	cr_assert_str_eq(env.pod_namespace, "default");
	cr_assert_str_eq(env.pod_name, "web-1");
	cr_assert_str_eq(env.infra_container_id, "0123abcd");
	cr_assert_str_eq(env.pod_uid, "u-1");
}

Test(cni_env, required_variables_per_verb)
{
	struct cni_env env;
	struct cni_err err = {0};
	struct kv add[] = {{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c1"}, {"CNI_IFNAME", "eth0"}, {0}};
	struct kv del[] = {{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", "c1"}, {"CNI_IFNAME", "eth0"}, {0}};
	struct kv version[] = {{"CNI_COMMAND", "VERSION"}, {0}};
	struct kv status[] = {{"CNI_COMMAND", "STATUS"}, {0}};
	struct kv gc[] = {{"CNI_COMMAND", "GC"}, {0}};
	struct kv none[] = {{0}};
	struct kv bogus[] = {{"CNI_COMMAND", "ATTACH"}, {0}};

	cr_assert_lt(parse(add, &env, &err), 0);
	cr_assert_eq(err.code, CNI_ERR_INVALID_ENV);
	cr_assert(strstr(err.msg, "CNI_NETNS"), "%s", err.msg);
	cr_assert_eq(parse(del, &env, &err), 0, "DEL without CNI_NETNS is allowed");
	cr_assert_str_eq(env.netns, "");
	cr_assert_eq(parse(version, &env, &err), 0);
	cr_assert_eq(parse(status, &env, &err), 0);
	cr_assert_eq(parse(gc, &env, &err), 0);
	cr_assert_lt(parse(none, &env, &err), 0);
	cr_assert(strstr(err.msg, "CNI_COMMAND"));
	cr_assert_lt(parse(bogus, &env, &err), 0);
	cr_assert(strstr(err.msg, "ATTACH"));
}

Test(cni_env, invalid_values)
{
	struct cni_env env;
	struct cni_err err = {0};
	struct kv badid[] = {{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", "-x"}, {"CNI_IFNAME", "eth0"}, {0}};
	struct kv badif[] = {{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", "c"}, {"CNI_IFNAME", "a/b"}, {0}};
	struct kv longif[] = {{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", "c"}, {"CNI_IFNAME", "0123456789abcdef"}, {0}};
	struct kv unknown[] = {{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", "c"}, {"CNI_IFNAME", "eth0"}, {"CNI_ARGS", "FOO=1"}, {0}};
	struct kv malformed[] = {{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", "c"}, {"CNI_IFNAME", "eth0"}, {"CNI_ARGS", "K8S_POD_NAME"}, {0}};

	cr_assert_lt(parse(badid, &env, &err), 0);
	cr_assert(strstr(err.msg, "CNI_CONTAINERID"));
	cr_assert_lt(parse(badif, &env, &err), 0);
	cr_assert(strstr(err.msg, "CNI_IFNAME"));
	cr_assert_lt(parse(longif, &env, &err), 0);
	cr_assert_lt(parse(unknown, &env, &err), 0);
	cr_assert(strstr(err.msg, "IgnoreUnknown"));
	cr_assert_lt(parse(malformed, &env, &err), 0);
	cr_assert(strstr(err.msg, "KEY=VALUE"));
	cr_assert(cni_ifname_valid("eth0"));
	cr_assert_not(cni_ifname_valid(".."));
	cr_assert_not(cni_ifname_valid("a b"));
	cr_assert(cni_container_id_valid("a.b_c-d"));
	cr_assert_not(cni_container_id_valid(""));
	cr_assert_not(cni_container_id_valid("a b"));
}
