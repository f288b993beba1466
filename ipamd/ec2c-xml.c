/*
 * ec2c-xml: see ec2c-xml.h.
 *
 * Every parser reads into a zeroed scratch copy of its result and copies it
 * out only on success.  Text is taken from an element's own text and CDATA
 * children only: entity references are never followed, and a document with
 * a DOCTYPE (the only way to declare entities) is refused before parsing,
 * so no input can make the parser or these getters expand anything.
 */
#include "ipamd/ec2c-xml.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "lib/util/util.h"

#define PARSE_FLAGS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

static bool name_is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* The first element child of n named name, or NULL. */
static xmlNode *child(const xmlNode *n, const char *name)
{
	if (!n)
		return NULL;
	for (xmlNode *c = n->children; c; c = c->next)
		if (name_is(c, name))
			return c;
	return NULL;
}

/* The next sibling after n named like n, or NULL. */
static xmlNode *next_named(const xmlNode *n)
{
	for (xmlNode *c = n->next; c; c = c->next)
		if (name_is(c, (const char *)n->name))
			return c;
	return NULL;
}

/* Elements named "item" directly under set (NULL set: 0). */
static size_t count_items(const xmlNode *set)
{
	size_t n = 0;

	for (xmlNode *it = child(set, "item"); it; it = next_named(it))
		n++;
	return n;
}

static void no_output(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/*
 * xmlReadMemory without libxml2's own messages: encoding errors go to the
 * generic error handler even with XML_PARSE_NOERROR.  The handler is
 * per-thread in libxml2, so swapping it around the call is safe.
 */
static xmlDoc *read_quietly(const char *body, int size)
{
	xmlGenericErrorFunc saved = xmlGenericError;
	void *saved_ctx = xmlGenericErrorContext;
	xmlDoc *doc;

	xmlSetGenericErrorFunc(NULL, no_output);
	doc = xmlReadMemory(body, size, NULL, NULL, PARSE_FLAGS);
	xmlSetGenericErrorFunc(saved_ctx, saved);
	return doc;
}

static int doc_open(const char *body, size_t size, const char *root_name, xmlDoc **ret_doc,
		    xmlNode **ret_root)
{
	xmlDoc *doc;
	xmlNode *root;

	if (!body)
		return -EINVAL;
	if (size > EC2C_RESPONSE_MAX || size > INT_MAX)
		return -E2BIG;
	if (memmem(body, size, "<!DOCTYPE", 9))
		return -EBADMSG;
	doc = read_quietly(body, (int)size);
	if (!doc)
		return -EBADMSG;
	root = xmlDocGetRootElement(doc);
	if (!name_is(root, root_name)) {
		xmlFreeDoc(doc);
		return -EBADMSG;
	}
	*ret_doc = doc;
	*ret_root = root;
	return 0;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/*
 * Copy n's text into dst (dst_size > 0), trimmed of surrounding white space
 * when trim.  -E2BIG when it does not fit (dst then holds "").
 */
static int text_copy(const xmlNode *n, char *dst, size_t dst_size, bool trim)
{
	size_t len = 0, start = 0;

	dst[0] = '\0';
	for (xmlNode *c = n->children; c; c = c->next) {
		size_t l;

		if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) || !c->content)
			continue;
		l = strlen((const char *)c->content);
		if (l >= dst_size - len) {
			dst[0] = '\0';
			return -E2BIG;
		}
		memcpy(dst + len, c->content, l);
		len += l;
	}
	dst[len] = '\0';
	if (!trim)
		return 0;
	while (len > 0 && is_space(dst[len - 1]))
		dst[--len] = '\0';
	while (start < len && is_space(dst[start]))
		start++;
	if (start > 0)
		memmove(dst, dst + start, len - start + 1);
	return 0;
}

/* The text of child name of n into dst: 0 (absent leaves ""), -E2BIG. */
static int get_str(const xmlNode *n, const char *name, char *dst, size_t dst_size)
{
	xmlNode *c = child(n, name);

	dst[0] = '\0';
	return c ? text_copy(c, dst, dst_size, true) : 0;
}

/* As get_str, the child must be present and not empty: else -EBADMSG. */
static int get_id(const xmlNode *n, const char *name, char *dst, size_t dst_size)
{
	int r = get_str(n, name, dst, dst_size);

	if (r < 0)
		return r;
	return dst[0] ? 0 : -EBADMSG;
}

/* An IPv4 address child: 0 (absent: *ret 0), -EBADMSG. */
static int get_ip(const xmlNode *n, const char *name, uint32_t *ret)
{
	char buf[64];
	int r;

	*ret = 0;
	r = get_str(n, name, buf, sizeof(buf));
	if (r < 0)
		return r == -E2BIG ? -EBADMSG : r;
	if (!buf[0])
		return 0;
	return net_ip4_parse(buf, ret) < 0 ? -EBADMSG : 0;
}

static int get_cidr(const xmlNode *n, const char *name, struct net_cidr4 *ret)
{
	char buf[64];
	int r;

	r = get_str(n, name, buf, sizeof(buf));
	if (r < 0 || !buf[0])
		return -EBADMSG;
	return net_cidr4_parse(buf, ret) < 0 ? -EBADMSG : 0;
}

/* An integer child in [min, max]: absent leaves *ret as it was. */
static int get_long(const xmlNode *n, const char *name, long min, long max, long *ret)
{
	char buf[32];
	int r;

	r = get_str(n, name, buf, sizeof(buf));
	if (r < 0)
		return -EBADMSG;
	if (!buf[0])
		return child(n, name) ? -EBADMSG : 0;
	return util_parse_long(buf, min, max, ret) < 0 ? -EBADMSG : 0;
}

static int get_int(const xmlNode *n, const char *name, int min, int max, int *ret)
{
	long v = *ret;
	int r = get_long(n, name, min, max, &v);

	if (r == 0)
		*ret = (int)v;
	return r;
}

static int get_bool(const xmlNode *n, const char *name, bool *ret)
{
	char buf[8];
	int r;

	r = get_str(n, name, buf, sizeof(buf));
	if (r < 0)
		return -EBADMSG;
	if (!buf[0])
		return child(n, name) ? -EBADMSG : 0;
	return util_parse_bool(buf, ret) < 0 ? -EBADMSG : 0;
}

/* tagSet under n into a heap array (NULL when empty). */
static int get_tags(const xmlNode *n, struct ec2c_tag **ret_tags, size_t *ret_n)
{
	xmlNode *set = child(n, "tagSet");
	size_t count = count_items(set), i = 0;
	struct ec2c_tag *tags;
	int r;

	*ret_tags = NULL;
	*ret_n = 0;
	if (count == 0)
		return 0;
	if (count > EC2C_TAGS_MAX)
		return -E2BIG;
	tags = calloc(count, sizeof(*tags));
	if (!tags)
		return -ENOMEM;
	for (xmlNode *it = child(set, "item"); it; it = next_named(it), i++) {
		xmlNode *k = child(it, "key"), *v = child(it, "value");

		if (!k) {
			r = -EBADMSG;
			goto err;
		}
		r = text_copy(k, tags[i].key, sizeof(tags[i].key), false);
		if (r == 0 && v)
			r = text_copy(v, tags[i].value, sizeof(tags[i].value), false);
		if (r < 0)
			goto err;
	}
	*ret_tags = tags;
	*ret_n = count;
	return 0;
err:
	free(tags);
	return r;
}

static int parse_attachment(const xmlNode *a, struct ec2c_eni_attachment *att)
{
	int r;

	att->device_index = -1;
	if ((r = get_str(a, "attachmentId", att->id, sizeof(att->id))) < 0 ||
	    (r = get_str(a, "instanceId", att->instance_id, sizeof(att->instance_id))) < 0 ||
	    (r = get_int(a, "deviceIndex", 0, 10000, &att->device_index)) < 0 ||
	    (r = get_int(a, "networkCardIndex", 0, 10000, &att->network_card_index)) < 0 ||
	    (r = get_str(a, "status", att->status, sizeof(att->status))) < 0 ||
	    (r = get_bool(a, "deleteOnTermination", &att->delete_on_termination)) < 0)
		return r;
	return 0;
}

/* One ENI element (<networkInterface> or an <item>) into *e (zeroed by the caller). */
static int parse_eni(const xmlNode *n, struct ec2c_eni *e)
{
	xmlNode *set, *a;
	int r;

	if ((r = get_id(n, "networkInterfaceId", e->id, sizeof(e->id))) < 0 ||
	    (r = get_str(n, "macAddress", e->mac, sizeof(e->mac))) < 0 ||
	    (r = get_str(n, "subnetId", e->subnet_id, sizeof(e->subnet_id))) < 0 ||
	    (r = get_str(n, "vpcId", e->vpc_id, sizeof(e->vpc_id))) < 0 ||
	    (r = get_str(n, "availabilityZone", e->az, sizeof(e->az))) < 0 ||
	    (r = get_str(n, "status", e->status, sizeof(e->status))) < 0 ||
	    (r = get_str(n, "interfaceType", e->interface_type, sizeof(e->interface_type))) < 0 ||
	    (r = get_ip(n, "privateIpAddress", &e->primary_ip)) < 0)
		return r;
	a = child(n, "description");
	if (a && (r = text_copy(a, e->description, sizeof(e->description), false)) < 0)
		return r;
	set = child(n, "privateIpAddressesSet");
	for (xmlNode *it = child(set, "item"); it; it = next_named(it)) {
		bool primary = false;
		uint32_t ip;

		if ((r = get_ip(it, "privateIpAddress", &ip)) < 0 ||
		    (r = get_bool(it, "primary", &primary)) < 0)
			return r;
		if (ip == 0)
			return -EBADMSG;
		if (primary) {
			if (e->primary_ip && e->primary_ip != ip)
				return -EBADMSG;
			e->primary_ip = ip;
			continue;
		}
		if (e->n_secondary_ips == EC2C_ENI_IPS_MAX)
			return -E2BIG;
		e->secondary_ips[e->n_secondary_ips++] = ip;
	}
	set = child(n, "ipv4PrefixSet");
	for (xmlNode *it = child(set, "item"); it; it = next_named(it)) {
		if (e->n_prefixes == EC2C_ENI_PREFIXES_MAX)
			return -E2BIG;
		if ((r = get_cidr(it, "ipv4Prefix", &e->prefixes[e->n_prefixes])) < 0)
			return r;
		e->n_prefixes++;
	}
	set = child(n, "groupSet");
	for (xmlNode *it = child(set, "item"); it; it = next_named(it)) {
		if (e->n_group_ids == EC2C_ENI_GROUPS_MAX)
			return -E2BIG;
		if ((r = get_id(it, "groupId", e->group_ids[e->n_group_ids], EC2C_ID_MAX)) < 0)
			return r;
		e->n_group_ids++;
	}
	a = child(n, "attachment");
	if (a) {
		if ((r = parse_attachment(a, &e->attachment)) < 0)
			return r;
		e->attached = true;
	}
	return get_tags(n, &e->tags, &e->n_tags);
}

static int get_next_token(const xmlNode *root, char ret_next_token[EC2C_NEXT_TOKEN_MAX])
{
	return get_str(root, "nextToken", ret_next_token, EC2C_NEXT_TOKEN_MAX);
}

int ec2c_xml_parse_error(const char *body, size_t size, struct ec2c_error *ret_err)
{
	char code[EC2C_CODE_MAX], request_id[EC2C_REQUEST_ID_MAX];
	char *message = NULL;
	xmlNode *root, *errs, *e, *m;
	xmlDoc *doc;
	int r;

	/* EC2's <Response>; the generic query protocol's <ErrorResponse> too. */
	r = doc_open(body, size, "Response", &doc, &root);
	if (r == -EBADMSG)
		r = doc_open(body, size, "ErrorResponse", &doc, &root);
	if (r < 0)
		return r;
	errs = child(root, "Errors");
	e = child(errs ? errs : root, "Error");
	if (!e) {
		r = -EBADMSG;
		goto out;
	}
	if ((r = get_id(e, "Code", code, sizeof(code))) < 0)
		goto out;
	if ((r = get_str(root, "RequestID", request_id, sizeof(request_id))) < 0 ||
	    (!request_id[0] &&
	     (r = get_str(root, "RequestId", request_id, sizeof(request_id))) < 0))
		goto out;
	message = calloc(1, EC2C_MESSAGE_MAX);
	if (!message) {
		r = -ENOMEM;
		goto out;
	}
	m = child(e, "Message");
	if (m) {
		/* The one field that is cut rather than refused: it is only prose. */
		size_t len = 0;

		for (xmlNode *c = m->children; c; c = c->next) {
			size_t l;

			if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) ||
			    !c->content)
				continue;
			l = strlen((const char *)c->content);
			if (l > EC2C_MESSAGE_MAX - 1 - len)
				l = EC2C_MESSAGE_MAX - 1 - len;
			memcpy(message + len, c->content, l);
			len += l;
		}
		/* Do not leave a cut UTF-8 sequence at the end. */
		if (len == EC2C_MESSAGE_MAX - 1) {
			while (len > 0 && ((unsigned char)message[len - 1] & 0xC0) == 0x80)
				len--;
			if (len > 0 && ((unsigned char)message[len - 1] & 0xC0) == 0xC0)
				len--;
			message[len] = '\0';
		}
	}
	memcpy(ret_err->code, code, sizeof(code));
	memcpy(ret_err->message, message, EC2C_MESSAGE_MAX);
	memcpy(ret_err->request_id, request_id, sizeof(request_id));
	r = 0;
out:
	free(message);
	xmlFreeDoc(doc);
	return r;
}

static int open_action(const char *body, size_t size, const char *action, xmlDoc **ret_doc,
		       xmlNode **ret_root)
{
	char root[128];

	if (!action || strlen(action) + sizeof("Response") > sizeof(root))
		return -EINVAL;
	strcpy(root, action);
	strcat(root, "Response");
	return doc_open(body, size, root, ret_doc, ret_root);
}

int ec2c_xml_parse_ok(const char *body, size_t size, const char *action)
{
	xmlNode *root;
	xmlDoc *doc;
	int r;

	r = open_action(body, size, action, &doc, &root);
	if (r < 0)
		return r;
	xmlFreeDoc(doc);
	return 0;
}

int ec2c_xml_parse_create_eni(const char *body, size_t size, struct ec2c_eni *ret_eni)
{
	struct ec2c_eni *e;
	xmlNode *root, *n;
	xmlDoc *doc;
	int r;

	r = open_action(body, size, "CreateNetworkInterface", &doc, &root);
	if (r < 0)
		return r;
	e = calloc(1, sizeof(*e));
	if (!e) {
		r = -ENOMEM;
		goto out;
	}
	n = child(root, "networkInterface");
	r = n ? parse_eni(n, e) : -EBADMSG;
	if (r < 0) {
		ec2c_eni_done(e);
		goto out;
	}
	*ret_eni = *e;
out:
	free(e);
	xmlFreeDoc(doc);
	return r;
}

int ec2c_xml_parse_attach(const char *body, size_t size, char ret_attachment_id[EC2C_ID_MAX])
{
	char id[EC2C_ID_MAX];
	xmlNode *root;
	xmlDoc *doc;
	int r;

	r = open_action(body, size, "AttachNetworkInterface", &doc, &root);
	if (r < 0)
		return r;
	r = get_id(root, "attachmentId", id, sizeof(id));
	if (r == 0)
		memcpy(ret_attachment_id, id, sizeof(id));
	xmlFreeDoc(doc);
	return r;
}

int ec2c_xml_parse_assign(const char *body, size_t size, struct ec2c_assigned *ret_assigned)
{
	struct ec2c_assigned *a;
	xmlNode *root, *set;
	xmlDoc *doc;
	int r;

	r = open_action(body, size, "AssignPrivateIpAddresses", &doc, &root);
	if (r < 0)
		return r;
	a = calloc(1, sizeof(*a));
	if (!a) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = get_str(root, "networkInterfaceId", a->eni_id, sizeof(a->eni_id))) < 0)
		goto out;
	set = child(root, "assignedPrivateIpAddressesSet");
	for (xmlNode *it = child(set, "item"); it; it = next_named(it)) {
		if (a->n_ips == EC2C_ENI_IPS_MAX) {
			r = -E2BIG;
			goto out;
		}
		if ((r = get_ip(it, "privateIpAddress", &a->ips[a->n_ips])) < 0)
			goto out;
		if (a->ips[a->n_ips] == 0) {
			r = -EBADMSG;
			goto out;
		}
		a->n_ips++;
	}
	set = child(root, "assignedIpv4PrefixSet");
	for (xmlNode *it = child(set, "item"); it; it = next_named(it)) {
		if (a->n_prefixes == EC2C_ENI_PREFIXES_MAX) {
			r = -E2BIG;
			goto out;
		}
		if ((r = get_cidr(it, "ipv4Prefix", &a->prefixes[a->n_prefixes])) < 0)
			goto out;
		a->n_prefixes++;
	}
	*ret_assigned = *a;
out:
	free(a);
	xmlFreeDoc(doc);
	return r;
}

static int parse_instance_eni(const xmlNode *it, struct ec2c_instance_eni *e)
{
	xmlNode *a;
	int r;

	e->device_index = -1;
	if ((r = get_id(it, "networkInterfaceId", e->id, sizeof(e->id))) < 0 ||
	    (r = get_str(it, "subnetId", e->subnet_id, sizeof(e->subnet_id))) < 0 ||
	    (r = get_str(it, "status", e->status, sizeof(e->status))) < 0 ||
	    (r = get_ip(it, "privateIpAddress", &e->primary_ip)) < 0)
		return r;
	a = child(it, "attachment");
	if (!a)
		return 0;
	if ((r = get_str(a, "attachmentId", e->attachment_id, sizeof(e->attachment_id))) < 0 ||
	    (r = get_int(a, "deviceIndex", 0, 10000, &e->device_index)) < 0 ||
	    (r = get_int(a, "networkCardIndex", 0, 10000, &e->network_card_index)) < 0 ||
	    (r = get_str(a, "status", e->attachment_status, sizeof(e->attachment_status))) < 0)
		return r;
	return 0;
}

int ec2c_xml_parse_instance(const char *body, size_t size, struct ec2c_instance *ret_instance)
{
	struct ec2c_instance *in = NULL;
	xmlNode *root, *n, *set;
	xmlDoc *doc;
	int r;

	r = open_action(body, size, "DescribeInstances", &doc, &root);
	if (r < 0)
		return r;
	n = child(child(root, "reservationSet"), "item");
	n = child(child(n, "instancesSet"), "item");
	if (!n) {
		r = -ENOENT;
		goto out;
	}
	in = calloc(1, sizeof(*in));
	if (!in) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = get_id(n, "instanceId", in->id, sizeof(in->id))) < 0 ||
	    (r = get_str(n, "instanceType", in->instance_type, sizeof(in->instance_type))) < 0 ||
	    (r = get_str(n, "subnetId", in->subnet_id, sizeof(in->subnet_id))) < 0 ||
	    (r = get_str(n, "vpcId", in->vpc_id, sizeof(in->vpc_id))) < 0 ||
	    (r = get_str(child(n, "placement") ? child(n, "placement") : n, "availabilityZone",
			 in->az, sizeof(in->az))) < 0 ||
	    (r = get_ip(n, "privateIpAddress", &in->primary_ip)) < 0)
		goto out;
	if (child(n, "instanceState") &&
	    (r = get_str(child(n, "instanceState"), "name", in->state, sizeof(in->state))) < 0)
		goto out;
	set = child(n, "networkInterfaceSet");
	for (xmlNode *it = child(set, "item"); it; it = next_named(it)) {
		if (in->n_enis == EC2C_INSTANCE_ENIS_MAX) {
			r = -E2BIG;
			goto out;
		}
		if ((r = parse_instance_eni(it, &in->enis[in->n_enis])) < 0)
			goto out;
		in->n_enis++;
	}
	memcpy(ret_instance, in, sizeof(*in));
out:
	free(in);
	xmlFreeDoc(doc);
	return r;
}

int ec2c_xml_parse_run(const char *body, size_t size, char ret_instance_id[EC2C_ID_MAX])
{
	char id[EC2C_ID_MAX];
	xmlNode *root, *n;
	xmlDoc *doc;
	int r;

	r = open_action(body, size, "RunInstances", &doc, &root);
	if (r < 0)
		return r;
	n = child(child(root, "instancesSet"), "item");
	r = n ? get_id(n, "instanceId", id, sizeof(id)) : -EBADMSG;
	if (r == 0)
		memcpy(ret_instance_id, id, sizeof(id));
	xmlFreeDoc(doc);
	return r;
}

/* Make room for more items after n in *items (elem_size each). */
static int grow(void **items, size_t n, size_t more, size_t elem_size)
{
	void *p;

	if (more == 0)
		return 0;
	if (n + more > EC2C_LIST_MAX)
		return -E2BIG;
	p = realloc(*items, (n + more) * elem_size);
	if (!p)
		return -ENOMEM;
	*items = p;
	memset((char *)p + n * elem_size, 0, more * elem_size);
	return 0;
}

/*
 * One page of a Describe* answer: the items of root/set_name appended to
 * *items (*n of them so far, elem_size each) by parse, and the NextToken.
 * On failure the items parsed by this call are released with done and *n
 * is unchanged.
 */
static int parse_page(const char *body, size_t size, const char *action, const char *set_name,
		      void **items, size_t *n, size_t elem_size,
		      int (*parse)(const xmlNode *it, void *item), void (*done)(void *item),
		      char ret_next_token[EC2C_NEXT_TOKEN_MAX])
{
	char token[EC2C_NEXT_TOKEN_MAX];
	xmlNode *root, *set;
	size_t count, i = 0;
	xmlDoc *doc;
	int r;

	r = open_action(body, size, action, &doc, &root);
	if (r < 0)
		return r;
	if ((r = get_next_token(root, token)) < 0)
		goto out;
	set = child(root, set_name);
	count = count_items(set);
	if ((r = grow(items, *n, count, elem_size)) < 0)
		goto out;
	for (xmlNode *it = child(set, "item"); it; it = next_named(it), i++) {
		r = parse(it, (char *)*items + (*n + i) * elem_size);
		if (r < 0) {
			for (size_t j = 0; j <= i; j++)
				done((char *)*items + (*n + j) * elem_size);
			goto out;
		}
	}
	*n += count;
	memcpy(ret_next_token, token, sizeof(token));
out:
	xmlFreeDoc(doc);
	return r;
}

static int eni_item_parse(const xmlNode *it, void *item)
{
	return parse_eni(it, item);
}

static void eni_item_done(void *item)
{
	ec2c_eni_done(item);
}

int ec2c_xml_parse_eni_page(const char *body, size_t size, struct ec2c_eni_list *list,
			    char ret_next_token[EC2C_NEXT_TOKEN_MAX])
{
	return parse_page(body, size, "DescribeNetworkInterfaces", "networkInterfaceSet",
			  (void **)&list->enis, &list->n_enis, sizeof(*list->enis), eni_item_parse,
			  eni_item_done, ret_next_token);
}

static int parse_subnet(const xmlNode *n, struct ec2c_subnet *s)
{
	int r;

	if ((r = get_id(n, "subnetId", s->id, sizeof(s->id))) < 0 ||
	    (r = get_str(n, "vpcId", s->vpc_id, sizeof(s->vpc_id))) < 0 ||
	    (r = get_cidr(n, "cidrBlock", &s->cidr)) < 0 ||
	    (r = get_str(n, "availabilityZone", s->az, sizeof(s->az))) < 0 ||
	    (r = get_str(n, "availabilityZoneId", s->az_id, sizeof(s->az_id))) < 0 ||
	    (r = get_str(n, "state", s->state, sizeof(s->state))) < 0 ||
	    (r = get_long(n, "availableIpAddressCount", 0, 1L << 32, &s->available_ips)) < 0)
		return r;
	return get_tags(n, &s->tags, &s->n_tags);
}

static int subnet_item_parse(const xmlNode *it, void *item)
{
	return parse_subnet(it, item);
}

static void subnet_item_done(void *item)
{
	struct ec2c_subnet *s = item;

	free(s->tags);
	s->tags = NULL;
}

int ec2c_xml_parse_subnet_page(const char *body, size_t size, struct ec2c_subnet_list *list,
			       char ret_next_token[EC2C_NEXT_TOKEN_MAX])
{
	return parse_page(body, size, "DescribeSubnets", "subnetSet", (void **)&list->subnets,
			  &list->n_subnets, sizeof(*list->subnets), subnet_item_parse,
			  subnet_item_done, ret_next_token);
}

void ec2c_eni_done(struct ec2c_eni *eni)
{
	if (!eni)
		return;
	free(eni->tags);
	memset(eni, 0, sizeof(*eni));
}

const char *ec2c_eni_tag(const struct ec2c_eni *eni, const char *key)
{
	for (size_t i = 0; i < eni->n_tags; i++)
		if (strcmp(eni->tags[i].key, key) == 0)
			return eni->tags[i].value;
	return NULL;
}

void ec2c_eni_list_done(struct ec2c_eni_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n_enis; i++)
		free(list->enis[i].tags);
	free(list->enis);
	list->enis = NULL;
	list->n_enis = 0;
}

void ec2c_subnet_list_done(struct ec2c_subnet_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n_subnets; i++)
		free(list->subnets[i].tags);
	free(list->subnets);
	list->subnets = NULL;
	list->n_subnets = 0;
}
