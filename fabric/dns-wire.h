/*
 * dns-wire: DNS messages of the Amazon DNS server, over ldns.
 *
 * What it is.  dns_wire_answer() turns one query datagram into the response
 * datagram: it parses the query (ldns_wire2pkt), asks the resolve callback
 * for the answer to its one question (the rule is lib/model/dns.h), and
 * writes the response (ldns_pkt2wire) with the query's ID, RD bit and
 * question, RA set (the Amazon DNS server is a recursive resolver), and the
 * record the rule gives with MODEL_DNS_TTL.  It never does I/O.
 *
 * Malformed input: a datagram that is not a DNS message, or is a response,
 * gets no answer (-EBADMSG: the caller drops it); a query with a header but
 * not exactly one IN question gets FORMERR, an opcode other than QUERY
 * NOTIMP.  Only the header and the question section are read: records in
 * the other sections (an EDNS OPT record among them) are ignored, and the
 * response carries none.  The resolve callback returns -EPERM for "send
 * nothing" (a VPC with DNS support disabled).
 *
 * Ownership: *ret_msg is malloc()ed, the caller frees it.
 */
#ifndef OPENVPC_FABRIC_DNS_WIRE_H
#define OPENVPC_FABRIC_DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/model/dns.h"

/* qname: the question's name in text form with its final dot ("ip-10-0-1-5.ec2.internal."). */
typedef int (*dns_wire_resolve_fn)(void *userdata, const char *qname, uint16_t qtype,
				   struct model_dns_answer *ret);

/*
 * The response to query (len bytes).  0 with *ret_msg and *ret_len written;
 * -EBADMSG (not a query: no response), -EPERM (the callback's: no response),
 * -ENOMEM.
 */
int dns_wire_answer(const uint8_t *query, size_t len, dns_wire_resolve_fn resolve, void *userdata,
		    uint8_t **ret_msg, size_t *ret_len);

#endif
