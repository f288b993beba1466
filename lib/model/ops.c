/*
 * ops: error table, quotas, context and ID generation shared by every
 * operation family (ops-*.c).  See ops.h.
 */
#include "lib/model/ops.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *code;
	int status;
} errors[] = {
#define MODEL_ERR_ROW(name, code, status) {code, status},
	MODEL_ERRORS(MODEL_ERR_ROW)
#undef MODEL_ERR_ROW
};

const char *model_err_code_name(enum model_errcode code)
{
	return (unsigned)code < MODEL_ERR__COUNT ? errors[code].code : "InternalError";
}

int model_err_http_status(enum model_errcode code)
{
	return (unsigned)code < MODEL_ERR__COUNT ? errors[code].status : 500;
}

int model_err_set(struct model_err *err, int errno_value, enum model_errcode code,
		  const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return errno_value;
}

void model_quotas_default(struct model_quotas *q)
{
	*q = (struct model_quotas){
		.vpcs_per_region = 5,
		.subnets_per_vpc = 200,
		.cidrs_per_vpc = 5,
		.igws_per_region = 5,
		.nat_gateways_per_az = 5,
		.eips_per_region = 5,
		.route_tables_per_vpc = 200,
		.routes_per_table = 50,
		.propagated_routes_per_table = 100,
		.nacls_per_vpc = 200,
		.nacl_rules_per_direction = 20,
		.sgs_per_region = 2500,
		.rules_per_sg = 60,
		.sgs_per_eni = 5,
		.sg_rules_per_eni = 1000,
		.enis_per_region = 5000,
		.tags_per_resource = 50,
		.vgws_per_region = 5,
		.cgws_per_region = 50,
		.dhcp_options_per_region = 1000,
		.vpns_per_region = 50,
		.vpns_per_vgw = 10,
		.vpn_static_routes = 100,
		.flow_logs_per_resource = 2,
		.instances_per_region = 1000,
	};
}

/*
 * AZ name -> ID mapping.  us-east-1 follows moto's fixed map (ec2-api.md 9.2);
 * other Regions use <code>-az1.. in letter order.
 */
static const char *const default_az_suffix[] = {"a", "b", "c", "d", "e", "f"};
static const char *const use1_ids[] = {"use1-az6", "use1-az1", "use1-az2",
				       "use1-az4", "use1-az3", "use1-az5"};

/*
 * The thread's AZ tables, for the Region named in az_region (formatted again
 * only when a ctx is made for another Region: a ctx's tables stay valid until
 * this thread makes a ctx for a different Region).
 */
static _Thread_local char az_region[MODEL_AZ_LEN];
static _Thread_local char az_names[6][MODEL_AZ_LEN];
static _Thread_local char az_ids[6][MODEL_AZ_LEN];
static _Thread_local const char *az_name_ptrs[6];
static _Thread_local const char *az_id_ptrs[6];

static void region_code(const char *region, char *buf, size_t size)
{
	/* "us-east-1" -> "use1", "eu-central-1" -> "euc1", "ap-southeast-2" -> "aps2" */
	const char *p = region;
	size_t n = 0;
	const char *dash1 = strchr(p, '-');
	const char *dash2 = dash1 ? strchr(dash1 + 1, '-') : NULL;

	if (!dash1 || !dash2 || size < 6) {
		util_strscpy(buf, "reg1", size);
		return;
	}
	buf[n++] = p[0];
	buf[n++] = p[1];
	buf[n++] = dash1[1];
	for (const char *d = dash2 + 1; *d && n < size - 1; d++)
		buf[n++] = *d;
	buf[n] = '\0';
}

void model_ctx_init(struct model_ctx *ctx, const char *region, struct util_rng *rng)
{
	char code[16];

	memset(ctx, 0, sizeof(*ctx));
	model_quotas_default(&ctx->quotas);
	ctx->rng = rng;
	net_cidr4_parse("198.51.100.0/24", &ctx->public_pool);
	if (!region)
		region = "us-east-1";
	ctx->azs = az_name_ptrs;
	ctx->az_ids = az_id_ptrs;
	ctx->n_azs = 6;
	if (az_name_ptrs[0] && strcmp(az_region, region) == 0)
		return;
	util_strscpy(az_region, region, sizeof(az_region)); /* longer names: formatted each time */
	region_code(region, code, sizeof(code));
	for (size_t i = 0; i < 6; i++) {
		snprintf(az_names[i], MODEL_AZ_LEN, "%s%s", region, default_az_suffix[i]);
		if (strcmp(region, "us-east-1") == 0)
			util_strscpy(az_ids[i], use1_ids[i], MODEL_AZ_LEN);
		else
			snprintf(az_ids[i], MODEL_AZ_LEN, "%s-az%zu", code, i + 1);
		az_name_ptrs[i] = az_names[i];
		az_id_ptrs[i] = az_ids[i];
	}
}

static bool id_in_use(const struct model *m, const char *id)
{
	return model_find_vpc(m, id) || model_find_subnet(m, id) ||
	       model_find_route_table(m, id) || model_find_sg(m, id) || model_find_nacl(m, id) ||
	       model_find_eni(m, id) || model_find_instance(m, id) || model_find_igw(m, id) ||
	       model_find_eip(m, id) || model_find_nat_gateway(m, id) || model_find_vgw(m, id) ||
	       model_find_cgw(m, id) || model_find_vpn(m, id) || model_find_flow_log(m, id) ||
	       model_find_prefix_list(m, id) || model_find_dopt(m, id);
}

void model_new_id(const struct model *m, struct model_ctx *ctx, const char *prefix,
		  char buf[MODEL_ID_LEN])
{
	char id[MODEL_ID_LEN]; /* buf may be the ID field of an object in m */

	do {
		uint64_t hi = util_rng_next(ctx->rng) & 0xfffffffffffffffULL; /* 15 hex digits */
		uint64_t lo = util_rng_next(ctx->rng) & 0xffULL;		/* 2 more */

		snprintf(id, MODEL_ID_LEN, "%s%015llx%02llx", prefix, (unsigned long long)hi,
			 (unsigned long long)lo);
	} while (id_in_use(m, id));
	memcpy(buf, id, MODEL_ID_LEN);
}

bool model_id_valid(const char *id, const char *prefix)
{
	size_t plen = strlen(prefix);
	size_t n = 0;

	if (!id || strncmp(id, prefix, plen) != 0)
		return false;
	for (const char *p = id + plen; *p; p++, n++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return n == 8 || n == 17;
}

/* ---- address allocation ---------------------------------------------------- */

bool model_subnet_ip_reserved(const struct model_subnet *s, uint32_t ip)
{
	return ip - s->cidr.addr < 4 || ip == net_cidr4_last(s->cidr);
}

bool model_private_ip_in_use(const struct model *m, const struct model_subnet *s, uint32_t ip)
{
	return model_find_eni_by_ip(m, s->vpc_id, ip) != NULL;
}

uint32_t model_subnet_available_ips(const struct model *m, const struct model_subnet *s)
{
	uint64_t total = net_cidr4_size(s->cidr);
	uint64_t used = 5;

	/* The addresses counted first: only an ENI with some compares its subnet ID. */
	for (size_t i = 0; i < m->n_enis; i++) {
		const struct model_eni *e = m->enis[i];
		uint64_t in = 0;

		for (size_t j = 0; j < e->n_ips; j++)
			if (net_cidr4_contains(s->cidr, e->ips[j].ip))
				in++;
		for (size_t j = 0; j < e->n_prefixes; j++)
			if (net_cidr4_covers(s->cidr, e->prefixes[j]))
				in += net_cidr4_size(e->prefixes[j]);
		if (in && strcmp(e->subnet_id, s->id) == 0)
			used += in;
	}
	return used >= total ? 0 : (uint32_t)(total - used);
}

/* Subnets up to /16 (all of AWS's) take one pass over the ENIs into a bitmap on the stack. */
#define ALLOC_BITMAP_BITS 65536

static void mark_used(uint64_t *used, uint32_t base, uint32_t from, uint32_t to)
{
	for (uint32_t ip = from;; ip++) {
		used[(ip - base) / 64] |= 1ULL << ((ip - base) % 64);
		if (ip == to)
			break;
	}
}

/* Does the ENI hold an address or a prefix inside (overlapping) c? */
static bool eni_touches(const struct model_eni *e, struct net_cidr4 c)
{
	for (size_t j = 0; j < e->n_ips; j++)
		if (net_cidr4_contains(c, e->ips[j].ip))
			return true;
	for (size_t j = 0; j < e->n_prefixes; j++)
		if (net_cidr4_overlaps(c, e->prefixes[j]))
			return true;
	return false;
}

static uint64_t id_hash(const char *id)
{
	return util_fnv1a_str(UTIL_FNV1A_INIT, id);
}

int model_subnets_available_ips(const struct model *m, uint32_t *ret_counts)
{
	size_t n = m->n_subnets, cap = 16;
	size_t *slots; /* open addressing: index + 1 into m->subnets, 0 empty */
	uint64_t *used;

	if (n == 0)
		return 0;
	while (cap < 2 * n)
		cap *= 2;
	slots = calloc(cap, sizeof(*slots));
	used = calloc(n, sizeof(*used));
	if (!slots || !used) {
		free(slots);
		free(used);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k = id_hash(m->subnets[i]->id) & (cap - 1);

		while (slots[k])
			k = (k + 1) & (cap - 1);
		slots[k] = i + 1;
	}
	/* As model_subnet_available_ips(), with the ENI's subnet found by ID. */
	for (size_t i = 0; i < m->n_enis; i++) {
		const struct model_eni *e = m->enis[i];
		const struct model_subnet *s = NULL;
		size_t k = id_hash(e->subnet_id) & (cap - 1), idx = 0;

		for (; slots[k]; k = (k + 1) & (cap - 1))
			if (strcmp(m->subnets[slots[k] - 1]->id, e->subnet_id) == 0) {
				idx = slots[k] - 1;
				s = m->subnets[idx];
				break;
			}
		if (!s)
			continue;
		for (size_t j = 0; j < e->n_ips; j++)
			if (net_cidr4_contains(s->cidr, e->ips[j].ip))
				used[idx]++;
		for (size_t j = 0; j < e->n_prefixes; j++)
			if (net_cidr4_covers(s->cidr, e->prefixes[j]))
				used[idx] += net_cidr4_size(e->prefixes[j]);
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t total = net_cidr4_size(m->subnets[i]->cidr), u = used[i] + 5;

		ret_counts[i] = u >= total ? 0 : (uint32_t)(total - u);
	}
	free(slots);
	free(used);
	return 0;
}

/* Is ip free: in the bitmap when there is one (used), else by asking the model. */
static bool alloc_free(const struct model *m, const struct model_subnet *s, const uint64_t *used,
		       uint32_t ip)
{
	uint32_t off = ip - s->cidr.addr;

	return used ? !(used[off / 64] & (1ULL << (off % 64))) : !model_private_ip_in_use(m, s, ip);
}

int model_subnet_alloc_ips(const struct model *m, const struct model_subnet *s, size_t n,
			   uint32_t *ret_ips)
{
	uint32_t base = s->cidr.addr, last = net_cidr4_last(s->cidr);
	uint64_t bitmap[ALLOC_BITMAP_BITS / 64];
	const uint64_t *used = NULL; /* subnets larger than the bitmap ask the model */
	size_t k = 0;

	if (n == 0)
		return 0;
	/*
	 * The same answer as asking model_private_ip_in_use() address by
	 * address from the bottom, without a pass over every ENI per address
	 * (quadratic: creating the 10,000th ENI took 0.2 s), and one pass for
	 * all n (the n lowest free addresses are what n calls of
	 * model_subnet_alloc_ip() return when each address is added to an ENI
	 * of the VPC before the next call).
	 */
	if (net_cidr4_size(s->cidr) <= ALLOC_BITMAP_BITS) {
		memset(bitmap, 0, (net_cidr4_size(s->cidr) + 63) / 64 * sizeof(bitmap[0]));
		for (size_t i = 0; i < m->n_enis; i++) {
			const struct model_eni *e = m->enis[i];

			/* Most ENIs hold nothing in this subnet: those skip the VPC ID compare. */
			if (!eni_touches(e, s->cidr) || strcmp(e->vpc_id, s->vpc_id) != 0)
				continue;
			for (size_t j = 0; j < e->n_ips; j++)
				if (net_cidr4_contains(s->cidr, e->ips[j].ip))
					mark_used(bitmap, base, e->ips[j].ip, e->ips[j].ip);
			for (size_t j = 0; j < e->n_prefixes; j++) {
				struct net_cidr4 p = e->prefixes[j];
				uint32_t plast = net_cidr4_last(p);

				if (net_cidr4_overlaps(s->cidr, p))
					mark_used(bitmap, base, p.addr > base ? p.addr : base,
						  plast < last ? plast : last);
			}
		}
		used = bitmap;
	}
	/* Counted first: ret_ips is written only on success. */
	for (uint32_t ip = base + 4; ip < last && k < n; ip++)
		k += alloc_free(m, s, used, ip);
	if (k < n)
		return -ENOSPC;
	k = 0;
	for (uint32_t ip = base + 4; ip < last && k < n; ip++)
		if (alloc_free(m, s, used, ip))
			ret_ips[k++] = ip;
	return 0;
}

int model_subnet_alloc_ip(const struct model *m, const struct model_subnet *s, uint32_t *ret_ip)
{
	uint32_t ip;
	int r = model_subnet_alloc_ips(m, s, 1, &ip);

	if (r == 0)
		*ret_ip = ip;
	return r;
}

static bool block_free(const struct model *m, const struct model_subnet *s, struct net_cidr4 b)
{
	for (size_t i = 0; i < m->n_enis; i++) {
		const struct model_eni *e = m->enis[i];

		if (eni_touches(e, b) && strcmp(e->vpc_id, s->vpc_id) == 0)
			return false;
	}
	for (uint32_t ip = b.addr; ip <= net_cidr4_last(b); ip++)
		if (model_subnet_ip_reserved(s, ip))
			return false;
	return true;
}

int model_subnet_alloc_prefix28(const struct model *m, const struct model_subnet *s,
				struct net_cidr4 *ret_prefix)
{
	if (s->cidr.len > 28)
		return -ENOSPC;
	for (uint64_t off = 0; off < net_cidr4_size(s->cidr); off += 16) {
		struct net_cidr4 b = {.addr = s->cidr.addr + (uint32_t)off, .len = 28};

		if (block_free(m, s, b)) {
			*ret_prefix = b;
			return 0;
		}
	}
	return -ENOSPC;
}

static bool public_ip_used(const struct model *m, uint32_t ip)
{
	for (size_t i = 0; i < m->n_eips; i++)
		if (m->eips[i]->public_ip == ip)
			return true;
	for (size_t i = 0; i < m->n_nat_gateways; i++)
		if (m->nat_gateways[i]->public_ip == ip &&
		    m->nat_gateways[i]->state != MODEL_STATE_DELETED)
			return true;
	return model_find_eni_by_public_ip(m, ip, NULL) != NULL;
}

int model_alloc_public_ip(const struct model *m, const struct model_ctx *ctx, uint32_t *ret_ip)
{
	struct net_cidr4 pool = ctx->public_pool;
	uint32_t last = net_cidr4_last(pool);

	/* Skip the network address, .1 (the pool's gateway in the fabric) and broadcast. */
	for (uint32_t ip = pool.addr + 2; ip < last; ip++) {
		if (!public_ip_used(m, ip)) {
			*ret_ip = ip;
			return 0;
		}
	}
	return -ENOSPC;
}

void model_new_mac(const struct model *m, struct model_ctx *ctx, char buf[MODEL_MAC_LEN])
{
	bool taken;

	do {
		uint64_t r = util_rng_next(ctx->rng);

		snprintf(buf, MODEL_MAC_LEN, "0e:%02x:%02x:%02x:%02x:%02x",
			 (unsigned)(r & 0xff), (unsigned)((r >> 8) & 0xff),
			 (unsigned)((r >> 16) & 0xff), (unsigned)((r >> 24) & 0xff),
			 (unsigned)((r >> 32) & 0xff));
		taken = model_find_eni_by_mac(m, buf) != NULL;
	} while (taken);
}
