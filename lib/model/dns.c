/*
 * dns: the VPC's DNS names and the Amazon DNS server's answers (see dns.h).
 */
#include "lib/model/dns.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/net/net.h"

void model_dns_private_domain(const char *region, char ret_name[MODEL_DNS_NAME_LEN])
{
	if (strcmp(region, "us-east-1") == 0)
		snprintf(ret_name, MODEL_DNS_NAME_LEN, "ec2.internal");
	else
		snprintf(ret_name, MODEL_DNS_NAME_LEN, "%.20s.compute.internal", region);
}

static void public_zone(const char *region, char zone[MODEL_DNS_NAME_LEN])
{
	if (strcmp(region, "us-east-1") == 0)
		snprintf(zone, MODEL_DNS_NAME_LEN, "compute-1.amazonaws.com");
	else
		snprintf(zone, MODEL_DNS_NAME_LEN, "%.20s.compute.amazonaws.com", region);
}

static void dashed_name(const char *prefix, uint32_t ip, const char *zone,
			char ret_name[MODEL_DNS_NAME_LEN])
{
	snprintf(ret_name, MODEL_DNS_NAME_LEN, "%s-%u-%u-%u-%u.%.48s", prefix, ip >> 24,
		 (ip >> 16) & 255u, (ip >> 8) & 255u, ip & 255u, zone);
}

void model_dns_private_name(const char *region, uint32_t ip, char ret_name[MODEL_DNS_NAME_LEN])
{
	char zone[MODEL_DNS_NAME_LEN];

	model_dns_private_domain(region, zone);
	dashed_name("ip", ip, zone, ret_name);
}

void model_dns_public_name(const char *region, uint32_t public_ip,
			   char ret_name[MODEL_DNS_NAME_LEN])
{
	char zone[MODEL_DNS_NAME_LEN];

	public_zone(region, zone);
	dashed_name("ec2", public_ip, zone, ret_name);
}

bool model_vpc_dns_hostnames(const struct model_vpc *v)
{
	return v && v->enable_dns_support && v->enable_dns_hostnames;
}

/*
 * If name is LABEL.zone (LABEL without dots), the label's length; if name is
 * the zone itself, 0; otherwise -1.
 */
static int label_in_zone(const char *name, const char *zone)
{
	size_t n = strlen(name), z = strlen(zone);
	const char *dot;

	if (n == z && strcmp(name, zone) == 0)
		return 0;
	if (n <= z + 1 || name[n - z - 1] != '.' || strcmp(name + n - z, zone) != 0)
		return -1;
	dot = strchr(name, '.');
	return dot == name + n - z - 1 ? (int)(n - z - 1) : -2; /* deeper names: in the zone */
}

/* "PREFIX-A-B-C-D" (len bytes) to an address; -EINVAL if it is not one. */
static int parse_dashed(const char *label, size_t len, const char *prefix, uint32_t *ret_ip)
{
	size_t p = strlen(prefix);
	char quad[NET_IP4_STRLEN];

	if (len <= p + 1 || len - p - 1 >= sizeof(quad) || strncmp(label, prefix, p) != 0 ||
	    label[p] != '-')
		return -EINVAL;
	memcpy(quad, label + p + 1, len - p - 1);
	quad[len - p - 1] = '\0';
	for (char *c = quad; *c; c++) {
		if (*c == '.')
			return -EINVAL;
		if (*c == '-')
			*c = '.';
	}
	return net_ip4_parse(quad, ret_ip);
}

/* "D.C.B.A.in-addr.arpa" to A.B.C.D; -EINVAL if name is not a full reverse name. */
static int parse_reverse(const char *name, uint32_t *ret_ip)
{
	static const char suffix[] = ".in-addr.arpa";
	size_t n = strlen(name), s = sizeof(suffix) - 1;
	char quad[NET_IP4_STRLEN];
	uint32_t rev;

	if (n <= s || n - s >= sizeof(quad) || strcmp(name + n - s, suffix) != 0)
		return -EINVAL;
	memcpy(quad, name, n - s);
	quad[n - s] = '\0';
	if (net_ip4_parse(quad, &rev) < 0)
		return -EINVAL;
	*ret_ip = (rev >> 24) | ((rev >> 8) & 0xff00u) | ((rev << 8) & 0xff0000u) | (rev << 24);
	return 0;
}

static bool in_vpc(const struct model_vpc *v, uint32_t ip)
{
	for (size_t i = 0; i < v->n_cidrs; i++)
		if (net_cidr4_contains(v->cidrs[i].cidr, ip))
			return true;
	return false;
}

static void answer_a(struct model_dns_answer *a, uint16_t qtype, uint32_t ip)
{
	a->rcode = MODEL_DNS_NOERROR;
	if (qtype == MODEL_DNS_TYPE_A || qtype == MODEL_DNS_TYPE_ANY) {
		a->type = MODEL_DNS_TYPE_A;
		a->a = ip;
	}
}

static void resolve_private(const struct model *m, const struct model_vpc *v, const char *label,
			    int len, uint16_t qtype, struct model_dns_answer *a)
{
	uint32_t ip;

	if (len > 0 && parse_dashed(label, (size_t)len, "ip", &ip) == 0 &&
	    v->enable_dns_hostnames && model_find_eni_by_ip(m, v->id, ip))
		answer_a(a, qtype, ip);
	else
		a->rcode = len == 0 ? MODEL_DNS_NOERROR : MODEL_DNS_NXDOMAIN;
}

static void resolve_public(const struct model *m, const struct model_vpc *v, const char *label,
			   int len, uint16_t qtype, struct model_dns_answer *a)
{
	const struct model_eni *eni = NULL;
	uint32_t pub, priv;

	if (len > 0 && parse_dashed(label, (size_t)len, "ec2", &pub) == 0)
		eni = model_find_eni_by_public_ip(m, pub, &priv);
	if (!eni || !model_vpc_dns_hostnames(model_find_vpc(m, eni->vpc_id))) {
		a->rcode = len == 0 ? MODEL_DNS_NOERROR : MODEL_DNS_NXDOMAIN;
		return;
	}
	/* Split horizon: the owner VPC sees the private address. */
	answer_a(a, qtype, strcmp(eni->vpc_id, v->id) == 0 ? priv : pub);
}

static void resolve_reverse(const struct model *m, const struct model_vpc *v, uint32_t ip,
			    uint16_t qtype, struct model_dns_answer *a)
{
	if (!in_vpc(v, ip)) {
		a->rcode = MODEL_DNS_REFUSED;
		return;
	}
	if (!v->enable_dns_hostnames || !model_find_eni_by_ip(m, v->id, ip)) {
		a->rcode = MODEL_DNS_NXDOMAIN;
		return;
	}
	a->rcode = MODEL_DNS_NOERROR;
	if (qtype == MODEL_DNS_TYPE_PTR || qtype == MODEL_DNS_TYPE_ANY) {
		a->type = MODEL_DNS_TYPE_PTR;
		model_dns_private_name(m->region, ip, a->ptr);
	}
}

int model_dns_resolve(const struct model *m, const char *vpc_id, const char *qname, uint16_t qtype,
		      struct model_dns_answer *ret)
{
	const struct model_vpc *v = model_find_vpc(m, vpc_id);
	char name[256], zone[MODEL_DNS_NAME_LEN];
	struct model_dns_answer a = {.rcode = MODEL_DNS_REFUSED};
	size_t n = strlen(qname);
	uint32_t ip;
	int len;

	if (!v)
		return -ENOENT;
	if (!v->enable_dns_support)
		return -EPERM;
	if (n > 0 && qname[n - 1] == '.')
		n--;
	if (n >= sizeof(name))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		name[i] = (char)(qname[i] >= 'A' && qname[i] <= 'Z' ? qname[i] + 32 : qname[i]);
	name[n] = '\0';

	model_dns_private_domain(m->region, zone);
	if ((len = label_in_zone(name, zone)) != -1) {
		resolve_private(m, v, name, len, qtype, &a);
	} else {
		public_zone(m->region, zone);
		if ((len = label_in_zone(name, zone)) != -1)
			resolve_public(m, v, name, len, qtype, &a);
		else if (parse_reverse(name, &ip) == 0)
			resolve_reverse(m, v, ip, qtype, &a);
	}
	*ret = a;
	return 0;
}
