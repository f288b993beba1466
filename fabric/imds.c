/* imds: the Instance Metadata Service's answers (see imds.h). */
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/imds.h"
#include "lib/model/dns.h"
#include "lib/util/util.h"

#define META "/latest/meta-data"
#define TOKEN_PATH "/latest/api/token"
#define IDENTITY_PATH "/latest/dynamic/instance-identity/document"

struct entry {
	char *key; /* relative to /latest/meta-data/, e.g. "placement/region" */
	char *value;
};

struct tree {
	struct entry *items;
	size_t n, cap;
	bool oom;
};

static void tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->items[i].key);
		free(t->items[i].value);
	}
	free(t->items);
}

static void add(struct tree *t, const char *value, const char *key_fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add(struct tree *t, const char *value, const char *key_fmt, ...)
{
	va_list ap;
	char *key = NULL;
	int n;

	if (t->oom || !value)
		return;
	va_start(ap, key_fmt);
	n = vasprintf(&key, key_fmt, ap);
	va_end(ap);
	if (n < 0 || util_grow((void **)&t->items, &t->cap, t->n + 1, sizeof(*t->items)) < 0) {
		free(n < 0 ? NULL : key);
		t->oom = true;
		return;
	}
	t->items[t->n].key = key;
	t->items[t->n].value = strdup(value);
	if (!t->items[t->n].value)
		t->oom = true;
	t->n++;
}

/* A growable text buffer for multi-line values. */
struct text {
	char *s;
	size_t len, cap;
	bool oom;
};

static void textf(struct text *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void textf(struct text *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[512];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp) ||
	    util_grow((void **)&b->s, &b->cap, b->len + (size_t)n + 1, 1) < 0) {
		b->oom = true;
		return;
	}
	memcpy(b->s + b->len, tmp, (size_t)n + 1);
	b->len += (size_t)n;
}

static const char *text_str(struct text *b)
{
	return b->s ? b->s : "";
}

static void sg_lists(const struct model *m, const struct model_eni *e, struct text *ids,
		     struct text *names)
{
	for (size_t i = 0; i < e->n_sg_ids; i++) {
		const struct model_sg *sg = model_find_sg(m, e->sg_ids[i]);

		textf(ids, "%s%s", i ? "\n" : "", e->sg_ids[i]);
		textf(names, "%s%s", i ? "\n" : "", sg && sg->name ? sg->name : e->sg_ids[i]);
	}
}

static void add_eni(struct tree *t, const struct model *m, const struct model_eni *e)
{
	const struct model_subnet *sn = model_find_subnet(m, e->subnet_id);
	const struct model_vpc *vpc = model_find_vpc(m, e->vpc_id);
	struct text ips = {0}, pubs = {0}, pfx = {0}, sgids = {0}, sgnames = {0}, vcidrs = {0};
	char buf[NET_CIDR4_STRLEN], host[96], num[16];
	const char *mac = e->mac;

	for (size_t i = 0; i < e->n_ips; i++) {
		textf(&ips, "%s%s", i ? "\n" : "", net_ip4_format(e->ips[i].ip, buf));
		if (e->ips[i].public_ip)
			textf(&pubs, "%s%s", pubs.len ? "\n" : "", net_ip4_format(e->ips[i].public_ip, buf));
	}
	for (size_t i = 0; i < e->n_prefixes; i++)
		textf(&pfx, "%s%s", i ? "\n" : "", net_cidr4_format(e->prefixes[i], buf));
	sg_lists(m, e, &sgids, &sgnames);
	for (size_t i = 0; vpc && i < vpc->n_cidrs; i++)
		if (vpc->cidrs[i].state == MODEL_CIDR_ASSOCIATED)
			textf(&vcidrs, "%s%s", vcidrs.len ? "\n" : "",
			      net_cidr4_format(vpc->cidrs[i].cidr, buf));
	snprintf(num, sizeof(num), "%d", e->attachment.device_index);
	add(t, num, "network/interfaces/macs/%s/device-number", mac);
	add(t, e->id, "network/interfaces/macs/%s/interface-id", mac);
	if (e->n_prefixes)
		add(t, text_str(&pfx), "network/interfaces/macs/%s/ipv4-prefix", mac);
	if (e->n_ips) {
		model_dns_private_name(m->region, e->ips[0].ip, host);
		add(t, host, "network/interfaces/macs/%s/local-hostname", mac);
		if (e->ips[0].public_ip && model_vpc_dns_hostnames(vpc)) {
			model_dns_public_name(m->region, e->ips[0].public_ip, host);
			add(t, host, "network/interfaces/macs/%s/public-hostname", mac);
		}
	}
	add(t, text_str(&ips), "network/interfaces/macs/%s/local-ipv4s", mac);
	add(t, mac, "network/interfaces/macs/%s/mac", mac);
	snprintf(num, sizeof(num), "%d", e->attachment.network_card_index);
	add(t, num, "network/interfaces/macs/%s/network-card", mac);
	add(t, e->owner_id, "network/interfaces/macs/%s/owner-id", mac);
	if (pubs.len)
		add(t, text_str(&pubs), "network/interfaces/macs/%s/public-ipv4s", mac);
	add(t, text_str(&sgids), "network/interfaces/macs/%s/security-group-ids", mac);
	add(t, text_str(&sgnames), "network/interfaces/macs/%s/security-groups", mac);
	add(t, e->subnet_id, "network/interfaces/macs/%s/subnet-id", mac);
	if (sn)
		add(t, net_cidr4_format(sn->cidr, buf), "network/interfaces/macs/%s/subnet-ipv4-cidr-block",
		    mac);
	add(t, e->vpc_id, "network/interfaces/macs/%s/vpc-id", mac);
	if (vpc && vpc->n_cidrs)
		add(t, net_cidr4_format(vpc->cidrs[0].cidr, buf),
		    "network/interfaces/macs/%s/vpc-ipv4-cidr-block", mac);
	add(t, text_str(&vcidrs), "network/interfaces/macs/%s/vpc-ipv4-cidr-blocks", mac);
	t->oom |= ips.oom || pubs.oom || pfx.oom || sgids.oom || sgnames.oom || vcidrs.oom;
	free(ips.s);
	free(pubs.s);
	free(pfx.s);
	free(sgids.s);
	free(sgnames.s);
	free(vcidrs.s);
}

/* The instance's attached ENIs in device order. */
static size_t instance_enis(const struct model *m, const char *id, const struct model_eni **out,
			    size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_enis && n < max; i++) {
		const struct model_eni *e = m->enis[i];

		if (e->attachment.present && strcmp(e->attachment.instance_id, id) == 0)
			out[n++] = e;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && out[k - 1]->attachment.device_index >
						 out[k]->attachment.device_index;
		     k--) {
			const struct model_eni *x = out[k];
			out[k] = out[k - 1];
			out[k - 1] = x;
		}
	return n;
}

static void build(struct tree *t, const struct model *m, const struct model_instance *in)
{
	const struct model_eni *enis[64];
	size_t n = instance_enis(m, in->id, enis, 64);
	const struct model_eni *pri = n && enis[0]->attachment.device_index == 0 ? enis[0] : NULL;
	char buf[MODEL_DNS_NAME_LEN], num[16];

	add(t, in->image_id, "ami-id");
	snprintf(num, sizeof(num), "%d", in->ami_launch_index);
	add(t, num, "ami-launch-index");
	add(t, in->id, "instance-id");
	add(t, in->instance_type, "instance-type");
	add(t, in->az, "placement/availability-zone");
	add(t, m->region, "placement/region");
	add(t, in->reservation_id, "reservation-id");
	add(t, "amazonaws.com", "services/domain");
	add(t, "aws", "services/partition");
	if (pri && pri->n_ips) {
		struct text ids = {0}, names = {0};

		model_dns_private_name(m->region, pri->ips[0].ip, buf);
		add(t, buf, "hostname");
		add(t, buf, "local-hostname");
		add(t, net_ip4_format(pri->ips[0].ip, buf), "local-ipv4");
		add(t, pri->mac, "mac");
		if (pri->ips[0].public_ip) {
			add(t, net_ip4_format(pri->ips[0].public_ip, buf), "public-ipv4");
			if (model_vpc_dns_hostnames(model_find_vpc(m, pri->vpc_id))) {
				model_dns_public_name(m->region, pri->ips[0].public_ip, buf);
				add(t, buf, "public-hostname");
			}
		}
		sg_lists(m, pri, &ids, &names);
		add(t, text_str(&names), "security-groups");
		t->oom |= ids.oom || names.oom;
		free(ids.s);
		free(names.s);
	}
	for (size_t i = 0; i < n; i++)
		add_eni(t, m, enis[i]);
	if (in->metadata_tags_enabled)
		for (size_t i = 0; i < in->tags.n; i++)
			add(t, in->tags.items[i].value ? in->tags.items[i].value : "", "tags/instance/%s",
			    in->tags.items[i].key);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The children of directory dir ("" = the root) or NULL when dir is not one. */
static char *list_dir(const struct tree *t, const char *dir, bool *ret_oom)
{
	size_t dl = strlen(dir), n = 0;
	char **names = calloc(t->n + 1, sizeof(*names));
	struct text out = {0};

	if (!names) {
		*ret_oom = true;
		return NULL;
	}
	for (size_t i = 0; i < t->n; i++) {
		const char *k = t->items[i].key;

		if (dl && (strncmp(k, dir, dl) != 0 || k[dl] != '/'))
			continue;
		const char *rest = dl ? k + dl + 1 : k, *slash = strchr(rest, '/');
		size_t len = slash ? (size_t)(slash - rest) + 1 : strlen(rest);
		names[n] = strndup(rest, len);
		if (!names[n]) {
			*ret_oom = true;
			break;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
			textf(&out, "%s%s", out.len ? "\n" : "", names[i]);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (out.oom)
		*ret_oom = true;
	if (n == 0) {
		free(out.s);
		return NULL;
	}
	return out.s;
}

static void token_mac(const struct imds_key *key, const char *instance_id, uint64_t expiry,
		      char hex[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char msg[96];
	int n = snprintf(msg, sizeof(msg), "%s|%016" PRIx64, instance_id, expiry);

	if (n < 0 || !HMAC(EVP_sha256(), key->bytes, sizeof(key->bytes), (unsigned char *)msg,
			   (size_t)n, md, &len))
		memset(md, 0, sizeof(md));
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static bool token_valid(const struct imds_key *key, const char *instance_id, int64_t now_s,
			const char *token)
{
	char want[33], exp_hex[17];
	uint64_t expiry;

	if (strlen(token) != 48)
		return false;
	memcpy(exp_hex, token, 16);
	exp_hex[16] = '\0';
	char *end;
	expiry = strtoull(exp_hex, &end, 16);
	if (*end || (int64_t)expiry <= now_s)
		return false;
	token_mac(key, instance_id, expiry, want);
	/* Not secret-dependent timing on the expiry; compare the MAC in constant time. */
	unsigned char diff = 0;
	for (int i = 0; i < 32; i++)
		diff |= (unsigned char)(token[16 + i] ^ want[i]);
	return diff == 0;
}

static int respond(struct imds_resp *r, int status, const char *body, const char *type)
{
	r->status = status;
	r->content_type = type ? type : "text/plain";
	r->body = strdup(body);
	return r->body ? 0 : -ENOMEM;
}

static int put_token(const struct imds_key *key, const struct model_instance *in, int64_t now_s,
		     const struct imds_req *q, struct imds_resp *r)
{
	long ttl;
	char tok[49], mac[33];

	if (q->forwarded)
		return respond(r, 403, "Forbidden", NULL);
	if (!q->ttl || util_parse_long(q->ttl, 1, IMDS_TOKEN_TTL_MAX, &ttl) < 0)
		return respond(r, 400, "Bad Request", NULL);
	uint64_t expiry = (uint64_t)(now_s + ttl);
	token_mac(key, in->id, expiry, mac);
	snprintf(tok, sizeof(tok), "%016" PRIx64 "%s", expiry, mac);
	r->token_ttl = (int)ttl;
	r->ip_ttl = in->metadata_hop_limit > 0 ? in->metadata_hop_limit : 1;
	return respond(r, 200, tok, NULL);
}

static int identity(const struct model *m, const struct model_instance *in, const struct tree *t,
		    struct imds_resp *r)
{
	char doc[1024], ts[32];
	const char *ip = "";
	struct tm tm;
	time_t lt = (time_t)in->launch_time;

	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->items[i].key, "local-ipv4") == 0)
			ip = t->items[i].value;
	gmtime_r(&lt, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(doc, sizeof(doc),
		 "{\n  \"accountId\" : \"%s\",\n  \"architecture\" : \"x86_64\",\n"
		 "  \"availabilityZone\" : \"%s\",\n  \"imageId\" : \"%s\",\n"
		 "  \"instanceId\" : \"%s\",\n  \"instanceType\" : \"%s\",\n"
		 "  \"pendingTime\" : \"%s\",\n  \"privateIp\" : \"%s\",\n  \"region\" : \"%s\",\n"
		 "  \"version\" : \"2017-09-30\"\n}",
		 in->owner_id, in->az, in->image_id, in->id, in->instance_type, ts, ip, m->region);
	return respond(r, 200, doc, "application/json");
}

static int get_path(const struct model *m, const struct model_instance *in, const char *path,
		    struct imds_resp *r)
{
	struct tree t = {0};
	char rel[512];
	bool oom = false;
	int e;

	build(&t, m, in);
	if (t.oom) {
		tree_free(&t);
		return -ENOMEM;
	}
	if (strcmp(path, "/") == 0) {
		e = respond(r, 200, "latest", NULL);
	} else if (strcmp(path, "/latest") == 0 || strcmp(path, "/latest/") == 0) {
		e = respond(r, 200, "dynamic\nmeta-data", NULL);
	} else if (strcmp(path, IDENTITY_PATH) == 0) {
		e = identity(m, in, &t, r);
	} else if (strncmp(path, META, strlen(META)) == 0 &&
		   (path[strlen(META)] == '\0' || path[strlen(META)] == '/')) {
		const char *p = path + strlen(META);

		p += *p == '/';
		util_strscpy(rel, p, sizeof(rel));
		size_t len = strlen(rel);
		while (len && rel[len - 1] == '/')
			rel[--len] = '\0';
		const char *value = NULL;
		for (size_t i = 0; i < t.n && !value; i++)
			if (strcmp(t.items[i].key, rel) == 0)
				value = t.items[i].value;
		char *dir = value ? NULL : list_dir(&t, rel, &oom);
		if (oom)
			e = -ENOMEM;
		else if (value)
			e = respond(r, 200, value, NULL);
		else if (dir)
			e = respond(r, 200, dir, NULL);
		else
			e = respond(r, 404, "Not Found", NULL);
		free(dir);
	} else {
		e = respond(r, 404, "Not Found", NULL);
	}
	tree_free(&t);
	return e;
}

int imds_answer(const struct imds_key *key, const struct model *m, const char *instance_id,
		int64_t now_s, const struct imds_req *q, struct imds_resp *ret)
{
	const struct model_instance *in = model_find_instance(m, instance_id);
	struct imds_resp r = {0};
	int e;

	if (!in || in->state == MODEL_INSTANCE_TERMINATED)
		e = respond(&r, 404, "Not Found", NULL);
	else if (!in->metadata_endpoint_enabled)
		e = respond(&r, 403, "Forbidden", NULL);
	else if (strcmp(q->method, "PUT") == 0)
		e = strcmp(q->path, TOKEN_PATH) == 0 ? put_token(key, in, now_s, q, &r)
						     : respond(&r, 405, "Method Not Allowed", NULL);
	else if (strcmp(q->method, "GET") != 0 && strcmp(q->method, "HEAD") != 0)
		e = respond(&r, 405, "Method Not Allowed", NULL);
	else if (q->token ? !token_valid(key, in->id, now_s, q->token) : in->metadata_tokens_required)
		e = respond(&r, 401, "Unauthorized", NULL);
	else
		e = get_path(m, in, q->path, &r);
	if (e < 0) {
		imds_resp_clear(&r);
		return e;
	}
	*ret = r;
	return 0;
}

void imds_resp_clear(struct imds_resp *r)
{
	if (!r)
		return;
	free(r->body);
	r->body = NULL;
}
