/*
 * awsjson: loading files and directories, parsing one document and
 * dispatching its top-level keys to the per-family importers.  See
 * awsjson.h for the contract.
 *
 * The top-level keys of one document are imported in a fixed order (VPCs
 * first, Elastic IPs after ENIs, ...) whatever their order in the text, and
 * aj_link() then applies the references that may point into documents read
 * earlier or later.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/awsjson/awsjson-private.h"
#include "lib/util/util.h"

static const struct {
	const char *key;
	int (*import)(struct aj_ctx *c, const json_t *v);
} importers[] = {
    {"Vpcs", aj_import_vpcs},
    {"Subnets", aj_import_subnets},
    {"PrefixLists", aj_import_prefix_lists},
    {"ManagedPrefixLists", aj_import_prefix_lists},
    {"RouteTables", aj_import_route_tables},
    {"SecurityGroups", aj_import_security_groups},
    {"NetworkAcls", aj_import_network_acls},
    {"NetworkInterfaces", aj_import_network_interfaces},
    {"Reservations", aj_import_reservations},
    {"InternetGateways", aj_import_internet_gateways},
    {"NatGateways", aj_import_nat_gateways},
    {"Addresses", aj_import_addresses},
    {"VpnGateways", aj_import_vpn_gateways},
    {"CustomerGateways", aj_import_customer_gateways},
    {"VpnConnections", aj_import_vpn_connections},
};

static void err_clear(struct awsjson_error *err, const char *name)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	util_strscpy(err->file, name ? name : "", sizeof(err->file));
}

static int err_set(struct awsjson_error *err, int errno_value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int err_set(struct awsjson_error *err, int errno_value, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return errno_value;
}

int awsjson_load_buffer(const char *name, const char *data, size_t size, struct model *m,
			struct awsjson_error *err)
{
	struct aj_ctx c = {.m = m, .err = err};
	json_error_t jerr;
	json_t *root;
	int r = 0;

	err_clear(err, name);
	if (size > AWSJSON_FILE_MAX)
		return err_set(err, -EFBIG, "%zu bytes, larger than the limit of %u", size,
			       AWSJSON_FILE_MAX);
	root = json_loadb(data ? data : "", size, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return err_set(err, -EINVAL, "invalid JSON at line %d, column %d: %s", jerr.line,
			       jerr.column, jerr.text);
	if (!json_is_object(root)) {
		r = err_set(err, -EINVAL, "expected a JSON object at the top level, found %s",
			    aj_type_name(root));
		goto out;
	}
	for (size_t i = 0; i < ARRAY_SIZE(importers); i++) {
		json_t *v = json_object_get(root, importers[i].key);

		if (!v || json_is_null(v))
			continue;
		aj_restore(&c, 0);
		aj_push_key(&c, importers[i].key);
		if (!json_is_array(v)) {
			r = aj_fail(&c, NULL, -EINVAL, "expected a list, found %s",
				    aj_type_name(v));
			goto out;
		}
		r = importers[i].import(&c, v);
		if (r < 0) {
			if (r == -ENOMEM && err && !err->message[0])
				err_set(err, r, "out of memory");
			goto out;
		}
	}
	aj_link(m);
out:
	json_decref(root);
	return r;
}

static int read_file(const char *path, char **ret_data, size_t *ret_size, struct awsjson_error *err)
{
	struct stat st;
	char *data;
	size_t got = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		return err_set(err, r, "cannot open: %s", strerror(-r));
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		err_set(err, r, "cannot stat: %s", strerror(-r));
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		r = err_set(err, -EINVAL, "not a regular file");
		goto err_close;
	}
	if ((uint64_t)st.st_size > AWSJSON_FILE_MAX) {
		r = err_set(err, -EFBIG, "%lld bytes, larger than the limit of %u",
			    (long long)st.st_size, AWSJSON_FILE_MAX);
		goto err_close;
	}
	data = malloc((size_t)st.st_size + 1);
	if (!data) {
		r = err_set(err, -ENOMEM, "out of memory");
		goto err_close;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			err_set(err, r, "cannot read: %s", strerror(-r));
			goto err_free;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	data[got] = '\0';
	close(fd);
	*ret_data = data;
	*ret_size = got;
	return 0;

err_free:
	free(data);
err_close:
	close(fd);
	return r;
}

static int load_file(const char *path, const char *name, struct model *m, struct awsjson_error *err)
{
	char *data = NULL;
	size_t size = 0;
	int r;

	err_clear(err, name);
	r = read_file(path, &data, &size, err);
	if (r < 0)
		return r;
	r = awsjson_load_buffer(name, data, size, m, err);
	free(data);
	return r;
}

static bool has_json_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".json") == 0 && name[0] != '.';
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(const char *path, struct model *m, struct awsjson_error *err)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = opendir(path);
	if (!d) {
		r = -errno;
		return err_set(err, r, "cannot open directory: %s", strerror(-r));
	}
	while ((de = readdir(d))) {
		char *copy;

		if (!has_json_suffix(de->d_name))
			continue;
		if (n >= AWSJSON_DIR_FILES_MAX) {
			r = err_set(err, -E2BIG, "more than %d *.json files",
				    AWSJSON_DIR_FILES_MAX);
			goto out;
		}
		copy = strdup(de->d_name);
		if (!copy || (r = VEC_PUSH(names, n, cap, copy)) < 0) {
			free(copy);
			r = err_set(err, -ENOMEM, "out of memory");
			goto out;
		}
	}
	if (n == 0) {
		r = err_set(err, -ENOENT, "no *.json files in the directory");
		goto out;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		char full[4096];

		if ((size_t)snprintf(full, sizeof(full), "%s/%s", path, names[i]) >= sizeof(full)) {
			err_clear(err, names[i]);
			r = err_set(err, -ENAMETOOLONG, "path too long");
			goto out;
		}
		r = load_file(full, names[i], m, err);
		if (r < 0)
			goto out;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}

int awsjson_load_path(const char *path, struct model **ret_model, struct awsjson_error *err)
{
	struct model *m;
	struct stat st;
	int r;

	err_clear(err, path);
	if (!path || stat(path, &st) < 0) {
		r = path ? -errno : -EINVAL;
		return err_set(err, r, "%s", strerror(-r));
	}
	m = model_new("", "");
	if (!m)
		return err_set(err, -ENOMEM, "out of memory");
	if (S_ISDIR(st.st_mode))
		r = load_dir(path, m, err);
	else
		r = load_file(path, path, m, err);
	if (r < 0) {
		model_free(m);
		return r;
	}
	*ret_model = m;
	return 0;
}

char *awsjson_error_format(const struct awsjson_error *err, char *buf, size_t size)
{
	const char *parts[3] = {err->file, err->field, err->message};
	size_t used = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < 3; i++) {
		int n;

		if (!parts[i][0])
			continue;
		n = snprintf(buf + used, size - used, "%s%s", used ? ": " : "", parts[i]);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	return buf;
}
