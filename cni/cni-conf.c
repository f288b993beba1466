/* cni-conf: vpc-cni's network configuration (see cni-conf.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cni/cni-conf.h"
#include "lib/util/util.h"

#define MTU_MIN 576
#define MTU_MAX 9001
#define GC_ATTACHMENTS_MAX 65536

void cni_conf_free(struct cni_conf *c)
{
	if (!c)
		return;
	free(c->valid);
	json_decref(c->root);
	free(c);
}

/* A string member or NULL when absent; a non-string is an error. */
static int opt_str(json_t *o, const char *key, const char **ret, struct cni_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "network config: \"%s\" must be a string",
				   key);
	*ret = json_string_value(v);
	return 0;
}

static int parse_mtu(json_t *o, int *ret, struct cni_err *err)
{
	json_t *v = json_object_get(o, "mtu");
	long mtu;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);
		mtu = x < MTU_MIN || x > MTU_MAX ? -1 : (long)x;
	} else if (json_is_string(v)) {
		if (util_parse_long(json_string_value(v), MTU_MIN, MTU_MAX, &mtu) < 0)
			mtu = -1;
	} else {
		mtu = -1;
	}
	if (mtu < 0)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
				   "network config: \"mtu\" must be a number from %d to %d", MTU_MIN,
				   MTU_MAX);
	*ret = (int)mtu;
	return 0;
}

static int parse_prefix(const char *p, char ret[5], struct cni_err *err)
{
	size_t n = strlen(p);

	if (n == 0 || n > 4)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
				   "network config: \"vethPrefix\" must be 1 to 4 characters");
	if (strcmp(p, "eth") == 0 || strcmp(p, "lo") == 0 || strcmp(p, "vlan") == 0)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
				   "network config: \"vethPrefix\" cannot be \"%s\" (reserved)", p);
	for (const char *c = p; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '-' || *c == '_'))
			return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
					   "network config: \"vethPrefix\" may hold only letters, "
					   "digits, '-' and '_'");
	memcpy(ret, p, n + 1);
	return 0;
}

static int parse_level(const char *l, const char **ret, struct cni_err *err)
{
	static const char *const levels[] = {"Debug", "Info", "Warn", "Error"};

	for (size_t i = 0; i < 4; i++)
		if (strcasecmp(l, levels[i]) == 0) {
			*ret = levels[i];
			return 0;
		}
	return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
			   "network config: \"pluginLogLevel\" must be Debug, Info, Warn or Error");
}

static int parse_valid(struct cni_conf *c, struct cni_err *err)
{
	json_t *a = json_object_get(c->root, "cni.dev/valid-attachments"), *it;
	size_t i;

	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > GC_ATTACHMENTS_MAX)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
				   "network config: \"cni.dev/valid-attachments\" must be an array "
				   "of at most %d objects",
				   GC_ATTACHMENTS_MAX);
	c->has_valid = true;
	c->valid = calloc(json_array_size(a) + 1, sizeof(*c->valid));
	if (!c->valid)
		return cni_err_set(err, CNI_ERR_IO, "out of memory");
	json_array_foreach(a, i, it) {
		json_t *id = json_object_get(it, "containerID"), *ifn = json_object_get(it, "ifname");

		if (!json_is_string(id) || !json_is_string(ifn))
			return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
					   "network config: cni.dev/valid-attachments[%zu] needs "
					   "string \"containerID\" and \"ifname\"",
					   i);
		c->valid[i] = (struct cni_attachment){json_string_value(id), json_string_value(ifn)};
	}
	c->n_valid = json_array_size(a);
	return 0;
}

static int parse_fields(struct cni_conf *c, struct cni_err *err)
{
	const char *ver = NULL, *prefix = NULL, *level = NULL;
	int e;

	if ((e = opt_str(c->root, "cniVersion", &ver, err)) < 0)
		return e;
	if (!ver)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
				   "network config: \"cniVersion\" is missing");
	if (cni_version_parse(ver, &c->version) < 0)
		return cni_err_set(err, CNI_ERR_INCOMPATIBLE_VERSION,
				   "CNI version \"%.16s\" is not supported (vpc-cni supports 0.1.0 "
				   "to 1.1.0)",
				   ver);
	util_strscpy(c->version_str, ver, sizeof(c->version_str));
	if ((e = opt_str(c->root, "name", &c->name, err)) < 0 ||
	    (e = opt_str(c->root, "type", &c->type, err)) < 0 ||
	    (e = opt_str(c->root, "vethPrefix", &prefix, err)) < 0 ||
	    (e = opt_str(c->root, "pluginLogFile", &c->log_file, err)) < 0 ||
	    (e = opt_str(c->root, "pluginLogLevel", &level, err)) < 0 ||
	    (e = opt_str(c->root, "ipamdSocket", &c->ipamd_socket, err)) < 0 ||
	    (e = parse_mtu(c->root, &c->mtu, err)) < 0)
		return e;
	if (prefix && (e = parse_prefix(prefix, c->veth_prefix, err)) < 0)
		return e;
	if (level && (e = parse_level(level, &c->log_level, err)) < 0)
		return e;
	if (c->ipamd_socket && strlen(c->ipamd_socket) >= 108)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
				   "network config: \"ipamdSocket\" is longer than a Unix socket path "
				   "may be (107)");
	c->prev_result = json_object_get(c->root, "prevResult");
	if (c->prev_result && !json_is_object(c->prev_result))
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
				   "network config: \"prevResult\" must be an object");
	return parse_valid(c, err);
}

int cni_conf_parse(const char *buf, size_t len, struct cni_conf **ret_conf, struct cni_err *err)
{
	struct cni_conf *c;
	json_error_t jerr;
	int e;

	if (len > CNI_CONF_MAX_BYTES)
		return cni_err_set(err, CNI_ERR_DECODE, "network config is larger than %u bytes",
				   CNI_CONF_MAX_BYTES);
	c = calloc(1, sizeof(*c));
	if (!c)
		return cni_err_set(err, CNI_ERR_IO, "out of memory");
	c->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!c->root) {
		cni_conf_free(c);
		return cni_err_set(err, CNI_ERR_DECODE, "network config is not valid JSON: %s (line %d)",
				   jerr.text, jerr.line);
	}
	if (!json_is_object(c->root)) {
		cni_conf_free(c);
		return cni_err_set(err, CNI_ERR_DECODE, "network config must be a JSON object");
	}
	memcpy(c->veth_prefix, "eni", 4);
	c->mtu = CNI_DEFAULT_MTU;
	c->log_level = "Debug";
	c->ipamd_socket = CNI_DEFAULT_SOCKET;
	c->name = "";
	c->type = "";
	if ((e = parse_fields(c, err)) < 0) {
		cni_conf_free(c);
		return e;
	}
	*ret_conf = c;
	return 0;
}
