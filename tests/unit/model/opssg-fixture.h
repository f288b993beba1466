/*
 * Fixture for the ops-sg/nacl/eni/instance/tags tests: a model holding VPCs
 * and subnets built directly with model_add_* (as CreateVpc/CreateSubnet
 * would leave them: default SG, default NACL with its association), a
 * fixed-seed rng and a context, and a text digest of the model used to check
 * that a failed operation changed nothing.
 */
#ifndef OPENVPC_TESTS_OPSSG_FIXTURE_H
#define OPENVPC_TESTS_OPSSG_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/model/ops.h"

struct fx {
	struct model *m;
	struct util_rng rng;
	struct model_ctx ctx;
	struct model_err err;
};

static inline struct net_cidr4 fx_cidr(const char *s)
{
	struct net_cidr4 c = {0};

	net_cidr4_parse(s, &c);
	return c;
}

static inline uint32_t fx_ip(const char *s)
{
	uint32_t ip = 0;

	net_ip4_parse(s, &ip);
	return ip;
}

static inline void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	util_rng_seed(&f->rng, 42);
	model_ctx_init(&f->ctx, "us-east-1", &f->rng);
	f->ctx.now = 1700000000;
	f->m = model_new("123456789012", "us-east-1");
}

/* Object IDs are generated into a temporary (see new_object_id in ops-*.c). */
static inline void fx_new_id(struct fx *f, const char *prefix, char dst[MODEL_ID_LEN])
{
	char id[MODEL_ID_LEN];

	model_new_id(f->m, &f->ctx, prefix, id);
	memcpy(dst, id, MODEL_ID_LEN);
}

/* Every test ends by checking the model's look-up indexes against its arrays (abort: a crash). */
static inline void fx_fini(struct fx *f)
{
	if (f->m && model_check_indexes(f->m) < 0)
		abort();
	f->m = model_free(f->m);
}

/* A VPC with its default SG (self ingress, egress all) and default NACL. */
static inline struct model_vpc *fx_vpc(struct fx *f, const char *cidr, bool is_default)
{
	struct model_vpc *vpc = model_add_vpc(f->m);
	struct model_sg *sg = model_add_sg(f->m);
	struct model_nacl *acl = model_add_nacl(f->m);
	struct model_sg_rule r = {0};
	char assoc[MODEL_ID_LEN];

	fx_new_id(f, "vpc-", vpc->id);
	util_strscpy(vpc->owner_id, f->m->account_id, sizeof(vpc->owner_id));
	model_new_id(f->m, &f->ctx, "vpc-cidr-assoc-", assoc);
	model_vpc_add_cidr(vpc, assoc, fx_cidr(cidr));
	vpc->state = MODEL_STATE_AVAILABLE;
	vpc->is_default = is_default;

	fx_new_id(f, "sg-", sg->id);
	util_strscpy(sg->vpc_id, vpc->id, sizeof(sg->vpc_id));
	util_strscpy(sg->owner_id, f->m->account_id, sizeof(sg->owner_id));
	sg->name = strdup("default");
	sg->description = strdup("default VPC security group");
	r.protocol = MODEL_PROTO_ALL;
	r.from_port = r.to_port = -1;
	r.peer_type = MODEL_PEER_GROUP;
	util_strscpy(r.group_id, sg->id, sizeof(r.group_id));
	model_new_id(f->m, &f->ctx, "sgr-", r.id);
	model_sg_add_rule(sg, &r);
	memset(&r, 0, sizeof(r));
	r.egress = true;
	r.protocol = MODEL_PROTO_ALL;
	r.from_port = r.to_port = -1;
	r.peer_type = MODEL_PEER_CIDR4;
	model_new_id(f->m, &f->ctx, "sgr-", r.id);
	model_sg_add_rule(sg, &r);

	fx_new_id(f, "acl-", acl->id);
	util_strscpy(acl->vpc_id, vpc->id, sizeof(acl->vpc_id));
	util_strscpy(acl->owner_id, f->m->account_id, sizeof(acl->owner_id));
	acl->is_default = true;
	for (int eg = 0; eg <= 1; eg++) {
		struct model_nacl_entry e = {.egress = eg,
					     .protocol = MODEL_PROTO_ALL,
					     .from_port = -1,
					     .to_port = -1,
					     .icmp_type = -1,
					     .icmp_code = -1};

		e.rule_number = 100;
		e.allow = true;
		model_nacl_add_entry(acl, &e);
		e.rule_number = MODEL_NACL_DEFAULT_RULE4;
		e.allow = false;
		model_nacl_add_entry(acl, &e);
	}
	return vpc;
}

/* A subnet of vpc in AZ number az (0 = us-east-1a), associated with the default NACL. */
static inline struct model_subnet *fx_subnet(struct fx *f, const struct model_vpc *vpc,
					     const char *cidr, size_t az)
{
	struct model_subnet *s = model_add_subnet(f->m);
	char assoc[MODEL_ID_LEN];

	fx_new_id(f, "subnet-", s->id);
	util_strscpy(s->vpc_id, vpc->id, sizeof(s->vpc_id));
	util_strscpy(s->owner_id, f->m->account_id, sizeof(s->owner_id));
	s->cidr = fx_cidr(cidr);
	util_strscpy(s->az, f->ctx.azs[az], sizeof(s->az));
	util_strscpy(s->az_id, f->ctx.az_ids[az], sizeof(s->az_id));
	s->state = MODEL_STATE_AVAILABLE;
	model_new_id(f->m, &f->ctx, "aclassoc-", assoc);
	model_nacl_add_assoc(model_vpc_default_nacl(f->m, vpc->id), assoc, s->id);
	return s;
}

/* ---- digest ---------------------------------------------------------------- */

struct fx_buf {
	char *p;
	size_t n, cap;
};

__attribute__((format(printf, 2, 3))) static inline void fx_put(struct fx_buf *b, const char *fmt,
								...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->n + (size_t)len + 1 > b->cap) {
		b->cap = (b->n + (size_t)len + 1) * 2;
		b->p = realloc(b->p, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)len;
}

static inline void fx_put_tags(struct fx_buf *b, const struct model_tags *t)
{
	for (size_t i = 0; i < t->n; i++)
		fx_put(b, " tag[%s=%s]", t->items[i].key, t->items[i].value);
}

/* Text of everything the ops under test may change.  Caller frees. */
static inline char *fx_digest(const struct model *m)
{
	struct fx_buf b = {0};

	fx_put(&b, "vpcs %zu subnets %zu eips %zu\n", m->n_vpcs, m->n_subnets, m->n_eips);
	for (size_t i = 0; i < m->n_vpcs; i++) {
		fx_put(&b, "vpc %s", m->vpcs[i]->id);
		fx_put_tags(&b, &m->vpcs[i]->tags);
		fx_put(&b, "\n");
	}
	for (size_t i = 0; i < m->n_sgs; i++) {
		const struct model_sg *sg = m->sgs[i];

		fx_put(&b, "sg %s %s %s", sg->id, sg->vpc_id, sg->name);
		fx_put_tags(&b, &sg->tags);
		fx_put(&b, "\n");
		for (size_t j = 0; j < sg->n_rules; j++) {
			const struct model_sg_rule *r = &sg->rules[j];

			fx_put(&b, " rule %s %d %d %d %d %d %08x/%u %s %s %s", r->id, r->egress,
			       r->protocol, r->from_port, r->to_port, r->peer_type, r->cidr.addr,
			       r->cidr.len, r->group_id, r->prefix_list_id,
			       r->description ? r->description : "-");
			fx_put_tags(&b, &r->tags);
			fx_put(&b, "\n");
		}
	}
	for (size_t i = 0; i < m->n_nacls; i++) {
		const struct model_nacl *a = m->nacls[i];

		fx_put(&b, "acl %s %d\n", a->id, a->is_default);
		for (size_t j = 0; j < a->n_entries; j++) {
			const struct model_nacl_entry *e = &a->entries[j];

			fx_put(&b, " entry %d %d %d %d %d %08x/%u %d %d %d %d\n", e->rule_number,
			       e->egress, e->protocol, e->allow, e->is_ipv6, e->cidr.addr,
			       e->cidr.len, e->from_port, e->to_port, e->icmp_type, e->icmp_code);
		}
		for (size_t j = 0; j < a->n_assocs; j++)
			fx_put(&b, " assoc %s %s\n", a->assocs[j].id, a->assocs[j].subnet_id);
	}
	for (size_t i = 0; i < m->n_enis; i++) {
		const struct model_eni *e = m->enis[i];

		fx_put(&b, "eni %s %s %d %d %s att=%d %s %s %d %d %s", e->id, e->mac, e->status,
		       e->source_dest_check, e->description ? e->description : "-",
		       e->attachment.present, e->attachment.id, e->attachment.instance_id,
		       e->attachment.device_index, e->attachment.delete_on_termination,
		       e->attachment.status);
		for (size_t j = 0; j < e->n_ips; j++)
			fx_put(&b, " ip %08x %d %08x %s", e->ips[j].ip, e->ips[j].primary,
			       e->ips[j].public_ip, e->ips[j].allocation_id);
		for (size_t j = 0; j < e->n_prefixes; j++)
			fx_put(&b, " pfx %08x/%u", e->prefixes[j].addr, e->prefixes[j].len);
		for (size_t j = 0; j < e->n_sg_ids; j++)
			fx_put(&b, " sg %s", e->sg_ids[j]);
		fx_put_tags(&b, &e->tags);
		fx_put(&b, "\n");
	}
	for (size_t i = 0; i < m->n_instances; i++) {
		const struct model_instance *in = m->instances[i];

		fx_put(&b, "i %s %d %d %d %d %d %d %d", in->id, in->state,
		       in->metadata_tokens_required, in->metadata_hop_limit,
		       in->metadata_endpoint_enabled, in->metadata_protocol_ipv6,
		       in->metadata_tags_enabled, in->auto_public_ip);
		fx_put_tags(&b, &in->tags);
		fx_put(&b, "\n");
	}
	for (size_t i = 0; i < m->n_eips; i++) {
		const struct model_eip *e = m->eips[i];

		fx_put(&b, "eip %s %08x %s %s %s %08x\n", e->allocation_id, e->public_ip,
		       e->association_id, e->eni_id, e->instance_id, e->private_ip);
	}
	if (!b.p)
		fx_put(&b, "%s", "");
	return b.p;
}

/*
 * Run call (which must fail) and check the AWS code and that the model is
 * unchanged.  f is the struct fx in scope.
 */
#define FX_FAILS(f, call, awscode)                                                                 \
	do {                                                                                       \
		char *_before = fx_digest((f).m);                                                  \
		int _r = (call);                                                                   \
		char *_after = fx_digest((f).m);                                                   \
		cr_assert_lt(_r, 0, "expected failure %s", awscode);                               \
		cr_assert_str_eq(model_err_code_name((f).err.code), awscode, "message: %s",        \
				 (f).err.message);                                                 \
		cr_assert_str_eq(_before, _after, "a failed op changed the model");                \
		free(_before);                                                                     \
		free(_after);                                                                      \
	} while (0)

#define FX_OK(f, call)                                                                             \
	do {                                                                                       \
		int _r = (call);                                                                   \
		cr_assert_eq(_r, 0, "failed: %s: %s", model_err_code_name((f).err.code),           \
			     (f).err.message);                                                     \
	} while (0)

#endif
