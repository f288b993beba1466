/*
 * libFuzzer target: the CNI invocation environment (CNI_COMMAND,
 * CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS, CNI_PATH), as a runtime
 * or a person sets it.  The input is split at NUL bytes into those six
 * values in that order; a missing part is an unset variable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cni/cni-env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS",
				    "CNI_IFNAME",  "CNI_ARGS",	      "CNI_PATH"};

static const char *get(const char *name, void *ud)
{
	const char *const *vals = ud;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return vals[i];
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *vals[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
	struct cni_err err = {0};
	struct cni_env env;
	char *copy = malloc(size + 1);
	size_t k = 0;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	vals[0] = copy;
	for (size_t i = 0; i < size && k < 5; i++)
		if (copy[i] == '\0')
			vals[++k] = copy + i + 1;
	if (cni_env_parse(get, vals, &env, &err) < 0) {
		if (err.code == 0 || !memchr(err.msg, '\0', sizeof(err.msg)))
			abort(); /* a failure always says which code and why */
	} else if (env.cmd == CNI_CMD_ADD &&
		   (!cni_container_id_valid(env.container_id) || !cni_ifname_valid(env.ifname))) {
		abort(); /* ADD is only accepted with a valid container ID and interface name */
	}
	free(copy);
	return 0;
}
