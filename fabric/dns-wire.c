/*
 * dns-wire: DNS messages of the Amazon DNS server over ldns (see dns-wire.h).
 */
#include "fabric/dns-wire.h"

#include <errno.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#define DNS_HDR_LEN 12
/*
 * The most of a query that is parsed.  Only the header and the question
 * section are read (a question is at most 12 + 255 + 4 bytes), so a longer
 * datagram loses nothing that is used.
 */
#define DNS_QUERY_MAX 512

/* A response to query id with rcode and nothing else (the question could not be read). */
static ldns_pkt *bare_response(uint16_t id, ldns_pkt_opcode opcode, bool rd, uint8_t rcode)
{
	ldns_pkt *p = ldns_pkt_new();

	if (!p)
		return NULL;
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_opcode(p, opcode);
	ldns_pkt_set_rd(p, rd);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rcode(p, rcode);
	return p;
}

/* The answer record for question q (owner and class copied from it). */
static ldns_rr *answer_rr(const ldns_rr *q, const struct model_dns_answer *a)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *owner = ldns_rdf_clone(ldns_rr_owner(q)), *data = NULL;

	if (!rr || !owner)
		goto fail;
	ldns_rr_set_owner(rr, owner);
	owner = NULL;
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, MODEL_DNS_TTL);
	ldns_rr_set_question(rr, false);
	if (a->type == MODEL_DNS_TYPE_A) {
		uint8_t b[4] = {(uint8_t)(a->a >> 24), (uint8_t)(a->a >> 16), (uint8_t)(a->a >> 8),
				(uint8_t)a->a};

		ldns_rr_set_type(rr, LDNS_RR_TYPE_A);
		data = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, sizeof(b), b);
	} else {
		char fq[MODEL_DNS_NAME_LEN + 1];

		snprintf(fq, sizeof(fq), "%s.", a->ptr);
		ldns_rr_set_type(rr, LDNS_RR_TYPE_PTR);
		data = ldns_dname_new_frm_str(fq);
	}
	if (!data || !ldns_rr_push_rdf(rr, data))
		goto fail;
	return rr;
fail:
	ldns_rdf_deep_free(data);
	ldns_rdf_deep_free(owner);
	ldns_rr_free(rr);
	return NULL;
}

/* The response to a parsed query, or NULL with *ret_err set. */
static ldns_pkt *respond(const ldns_pkt *q, dns_wire_resolve_fn resolve, void *userdata,
			 int *ret_err)
{
	struct model_dns_answer a;
	const ldns_rr *question;
	ldns_pkt *p;
	ldns_rr *qcopy = NULL, *rr;
	char *name;
	int e;

	*ret_err = -ENOMEM;
	if (ldns_pkt_get_opcode(q) != LDNS_PACKET_QUERY)
		return bare_response(ldns_pkt_id(q), ldns_pkt_get_opcode(q), ldns_pkt_rd(q),
				     LDNS_RCODE_NOTIMPL);
	question = ldns_pkt_qdcount(q) == 1 ? ldns_rr_list_rr(ldns_pkt_question(q), 0) : NULL;
	if (!question || ldns_rr_get_class(question) != LDNS_RR_CLASS_IN)
		return bare_response(ldns_pkt_id(q), LDNS_PACKET_QUERY, ldns_pkt_rd(q),
				     LDNS_RCODE_FORMERR);
	name = ldns_rdf2str(ldns_rr_owner(question));
	if (!name)
		return NULL;
	e = resolve(userdata, name, (uint16_t)ldns_rr_get_type(question), &a);
	free(name);
	if (e < 0) {
		*ret_err = e;
		return NULL;
	}
	p = bare_response(ldns_pkt_id(q), LDNS_PACKET_QUERY, ldns_pkt_rd(q), (uint8_t)a.rcode);
	if (!p || !(qcopy = ldns_rr_clone(question)) ||
	    !ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, qcopy))
		goto fail;
	qcopy = NULL;
	if (a.type) {
		if (!(rr = answer_rr(question, &a)))
			goto fail;
		if (!ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr)) {
			ldns_rr_free(rr);
			goto fail;
		}
	}
	return p;
fail:
	ldns_rr_free(qcopy);
	ldns_pkt_free(p);
	return NULL;
}

int dns_wire_answer(const uint8_t *query, size_t len, dns_wire_resolve_fn resolve, void *userdata,
		    uint8_t **ret_msg, size_t *ret_len)
{
	uint8_t head[DNS_QUERY_MAX], *wire = NULL;
	ldns_pkt *q = NULL, *p;
	size_t size = 0;
	int e = -ENOMEM;

	if (len < DNS_HDR_LEN || (query[2] & 0x80)) /* too short, or a response: never answered */
		return -EBADMSG;
	/*
	 * ldns reads the question only: the answer, authority and additional
	 * counts are zeroed.  Nothing in those sections is used, and ldns 1.8
	 * leaks a record while reading some of them (a second TSIG record in
	 * the additional section), which a query from an instance controls.
	 */
	len = len < sizeof(head) ? len : sizeof(head);
	memcpy(head, query, len);
	memset(head + 6, 0, 6);
	if (ldns_wire2pkt(&q, head, len) != LDNS_STATUS_OK) {
		/* A header but no readable message: FORMERR to its ID. */
		p = bare_response((uint16_t)(query[0] << 8 | query[1]), LDNS_PACKET_QUERY,
				  query[2] & 0x01, LDNS_RCODE_FORMERR);
	} else {
		p = respond(q, resolve, userdata, &e);
	}
	ldns_pkt_free(q);
	if (!p)
		return e;
	if (ldns_pkt2wire(&wire, p, &size) != LDNS_STATUS_OK) {
		ldns_pkt_free(p);
		return -ENOMEM;
	}
	ldns_pkt_free(p);
	*ret_msg = wire;
	*ret_len = size;
	return 0;
}
