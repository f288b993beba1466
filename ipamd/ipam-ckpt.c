/* ipam-ckpt: vpc-ipamd's checkpoint (see ipam-ckpt.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipamd/ipam-ckpt.h"
#include "lib/util/util.h"

static json_t *entry_json(const struct ipam_addr *a)
{
	char ip[NET_IP4_STRLEN];

	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:{s:s, s:s, s:i}}", "networkName",
			 a->key.network, "containerID", a->key.container_id, "ifName", a->key.ifname,
			 "ipv4", net_ip4_format(a->ip, ip), "allocationTimestamp",
			 (json_int_t)a->assigned_ms * 1000000, "metadata", "k8sPodNamespace",
			 a->pod_namespace, "k8sPodName", a->pod_name, "interfacesCount", 1);
}

static char *render(const struct ipam_ds *ds)
{
	json_t *list = json_array(), *doc;
	char *s = NULL;

	for (size_t i = 0; list && i < ds->n_enis; i++)
		for (size_t k = 0; k < ds->enis[i].n_addrs; k++)
			if (ds->enis[i].addrs[k].assigned &&
			    json_array_append_new(list, entry_json(&ds->enis[i].addrs[k]))) {
				json_decref(list);
				return NULL;
			}
	doc = json_pack("{s:s, s:o}", "version", IPAM_CKPT_VERSION, "allocations", list);
	if (doc)
		s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return s;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fsync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, e = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		e = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return e;
}

int ipam_ckpt_write(const char *path, const struct ipam_ds *ds)
{
	char tmp[4096];
	char *s = render(ds);
	int fd, e;

	if (!s)
		return -ENOMEM;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		free(s);
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = -errno;
		free(s);
		return e;
	}
	e = write_all(fd, s, strlen(s));
	if (e == 0 && fsync(fd) < 0)
		e = -errno;
	if (close(fd) < 0 && e == 0)
		e = -errno;
	free(s);
	if (e == 0 && rename(tmp, path) < 0)
		e = -errno;
	if (e < 0) {
		unlink(tmp);
		return e;
	}
	return fsync_dir(path);
}

static int fail(char *errbuf, size_t errlen, const char *why, size_t i, const char *field)
{
	snprintf(errbuf, errlen, "allocations[%zu].%s: %s", i, field, why);
	return -EINVAL;
}

static int str_field(json_t *o, const char *key, char *dst, size_t size, size_t i, char *errbuf,
		     size_t errlen)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (!v || util_strscpy(dst, v, size) < 0)
		return fail(errbuf, errlen, "missing, not a string or too long", i, key);
	return 0;
}

static int parse_entry(json_t *o, size_t i, struct ipam_ckpt_entry *ent, char *errbuf,
		       size_t errlen)
{
	json_t *meta = json_object_get(o, "metadata"), *ts = json_object_get(o, "allocationTimestamp");
	int e;

	*ent = (struct ipam_ckpt_entry){0};
	if ((e = str_field(o, "networkName", ent->key.network, sizeof(ent->key.network), i, errbuf,
			   errlen)) < 0 ||
	    (e = str_field(o, "containerID", ent->key.container_id, sizeof(ent->key.container_id), i,
			   errbuf, errlen)) < 0 ||
	    (e = str_field(o, "ifName", ent->key.ifname, sizeof(ent->key.ifname), i, errbuf,
			   errlen)) < 0)
		return e;
	const char *ip = json_string_value(json_object_get(o, "ipv4"));
	if (!ip || net_ip4_parse(ip, &ent->ip) < 0)
		return fail(errbuf, errlen, "not an IPv4 address", i, "ipv4");
	if (ts && (!json_is_integer(ts) || json_integer_value(ts) < 0))
		return fail(errbuf, errlen, "not a non-negative integer", i,
			    "allocationTimestamp");
	ent->assigned_ms = ts ? (int64_t)(json_integer_value(ts) / 1000000) : 0;
	if (meta && json_is_object(meta)) {
		const char *ns = json_string_value(json_object_get(meta, "k8sPodNamespace"));
		const char *pod = json_string_value(json_object_get(meta, "k8sPodName"));

		util_strscpy(ent->pod_namespace, ns ? ns : "", sizeof(ent->pod_namespace));
		util_strscpy(ent->pod_name, pod ? pod : "", sizeof(ent->pod_name));
	}
	return 0;
}

int ipam_ckpt_parse(const char *buf, size_t len, struct ipam_ckpt_entry **ret_entries,
		    size_t *ret_n, char *errbuf, size_t errlen)
{
	json_error_t jerr;
	json_t *doc, *list, *it;
	struct ipam_ckpt_entry *ents = NULL;
	size_t i;
	int e = -EINVAL;

	if (len > IPAM_CKPT_MAX_BYTES) {
		snprintf(errbuf, errlen, "larger than %u bytes", IPAM_CKPT_MAX_BYTES);
		return -EINVAL;
	}
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		snprintf(errbuf, errlen, "not JSON: %s (line %d)", jerr.text, jerr.line);
		return -EINVAL;
	}
	const char *v = json_string_value(json_object_get(doc, "version"));
	list = json_object_get(doc, "allocations");
	if (!v || strcmp(v, IPAM_CKPT_VERSION) != 0) {
		snprintf(errbuf, errlen, "version: expected \"%s\"", IPAM_CKPT_VERSION);
		goto out;
	}
	if (!json_is_array(list)) {
		snprintf(errbuf, errlen, "allocations: not an array");
		goto out;
	}
	ents = calloc(json_array_size(list) + 1, sizeof(*ents));
	if (!ents) {
		e = -ENOMEM;
		goto out;
	}
	json_array_foreach(list, i, it) {
		if ((e = parse_entry(it, i, &ents[i], errbuf, errlen)) < 0)
			goto out;
	}
	*ret_entries = ents;
	*ret_n = json_array_size(list);
	ents = NULL;
	e = 0;
out:
	free(ents);
	json_decref(doc);
	return e;
}

int ipam_ckpt_read(const char *path, struct ipam_ckpt_entry **ret_entries, size_t *ret_n,
		   char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	int e;

	if (!f) {
		if (errno != ENOENT) {
			snprintf(errbuf, errlen, "%s", strerror(errno));
			return -errno;
		}
		*ret_entries = NULL;
		*ret_n = 0;
		return 0;
	}
	FILE *mem = open_memstream(&buf, &len);
	char chunk[65536];
	size_t n;
	e = 0;
	while (mem && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n > IPAM_CKPT_MAX_BYTES || fwrite(chunk, 1, n, mem) != n) {
			e = -EFBIG;
			break;
		}
		fflush(mem);
	}
	if (!mem || ferror(f))
		e = -EIO;
	fclose(f);
	if (mem)
		fclose(mem);
	if (e == 0)
		e = ipam_ckpt_parse(buf ? buf : "", len, ret_entries, ret_n, errbuf, errlen);
	else
		snprintf(errbuf, errlen, "cannot read: %s", strerror(-e));
	free(buf);
	return e;
}
