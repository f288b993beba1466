/* cni-version: CNI specification versions (see cni-version.h). */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "cni/cni-version.h"

static const char *const names[CNI_V_COUNT] = {
    [CNI_V010] = "0.1.0", [CNI_V020] = "0.2.0", [CNI_V030] = "0.3.0", [CNI_V031] = "0.3.1",
    [CNI_V040] = "0.4.0", [CNI_V100] = "1.0.0", [CNI_V110] = "1.1.0",
};

int cni_version_parse(const char *s, enum cni_ver *ret_ver)
{
	for (int v = 0; v < CNI_V_COUNT; v++)
		if (s && strcmp(s, names[v]) == 0) {
			*ret_ver = (enum cni_ver)v;
			return 0;
		}
	return -EINVAL;
}

const char *cni_version_str(enum cni_ver v)
{
	return v < CNI_V_COUNT ? names[v] : "?";
}

char *cni_version_json(const char *asked)
{
	json_t *o = json_object(), *list = json_array();
	char *s = NULL;

	if (!o || !list)
		goto out;
	for (int v = 0; v < CNI_V_COUNT; v++)
		if (json_array_append_new(list, json_string(names[v])))
			goto out;
	json_t *a = json_string(asked && *asked ? asked : CNI_VERSION_LATEST);
	if (json_object_set_new(o, "cniVersion", a ? a : json_string(CNI_VERSION_LATEST)) ||
	    json_object_set(o, "supportedVersions", list))
		goto out;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
	json_decref(list);
	json_decref(o);
	return s;
}
