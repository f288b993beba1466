/* Tests for dns-wire (the Amazon DNS server's messages) and dns (its UDP loop, on loopback). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fabric/dns-wire.h"
#include "fabric/dns.h"
#include "lib/model/ops-eni.h"
#include "tests/unit/model/opssg-fixture.h"

static struct fx f;
static struct model_vpc *vpc;
static struct model_eni *eni;

static void setup(void)
{
	struct model_eni_create c = {.has_primary_ip = true};

	fx_init(&f);
	vpc = fx_vpc(&f, "10.0.0.0/16", false);
	vpc->enable_dns_support = true;
	vpc->enable_dns_hostnames = true;
	c.subnet_id = fx_subnet(&f, vpc, "10.0.1.0/24", 0)->id;
	c.primary_ip = fx_ip("10.0.1.5");
	FX_OK(f, model_op_create_network_interface(f.m, &f.ctx, &c, &eni, &f.err));
}

static void teardown(void)
{
	fx_fini(&f);
}

TestSuite(dns, .init = setup, .fini = teardown);

/* ---- messages ------------------------------------------------------------------------- */

static int resolve(void *ud, const char *qname, uint16_t qtype, struct model_dns_answer *ret)
{
	return model_dns_resolve(f.m, vpc->id, qname, qtype, ret);
}

/* A query datagram for name/type (ID 0x4242, RD set); free() it. */
static uint8_t *query(const char *name, ldns_rr_type type, size_t *ret_len)
{
	ldns_pkt *q = NULL;
	uint8_t *wire = NULL;

	cr_assert_eq(ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, LDNS_RD),
		     LDNS_STATUS_OK);
	ldns_pkt_set_id(q, 0x4242);
	cr_assert_eq(ldns_pkt2wire(&wire, q, ret_len), LDNS_STATUS_OK);
	ldns_pkt_free(q);
	return wire;
}

/* The parsed response to msg (len bytes), asserting one was written. */
static ldns_pkt *ask_wire(const uint8_t *msg, size_t len)
{
	uint8_t *out = NULL;
	size_t out_len = 0;
	ldns_pkt *p = NULL;

	cr_assert_eq(dns_wire_answer(msg, len, resolve, NULL, &out, &out_len), 0);
	cr_assert_eq(ldns_wire2pkt(&p, out, out_len), LDNS_STATUS_OK);
	free(out);
	cr_assert(ldns_pkt_qr(p) && ldns_pkt_ra(p));
	return p;
}

static ldns_pkt *ask(const char *name, ldns_rr_type type)
{
	size_t len;
	uint8_t *q = query(name, type, &len);
	ldns_pkt *p = ask_wire(q, len);

	free(q);
	cr_assert_eq(ldns_pkt_id(p), 0x4242);
	cr_assert(ldns_pkt_rd(p));
	cr_assert_eq(ldns_pkt_qdcount(p), 1, "the question is echoed");
	return p;
}

static char *rdata_text(const ldns_pkt *p)
{
	const ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(p), 0);

	cr_assert(rr);
	cr_assert_eq(ldns_rr_ttl(rr), MODEL_DNS_TTL);
	return ldns_rdf2str(ldns_rr_rdf(rr, 0));
}

Test(dns, a_record_of_a_private_name)
{
	ldns_pkt *p = ask("ip-10-0-1-5.ec2.internal", LDNS_RR_TYPE_A);
	char *a;

	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	cr_assert_eq(ldns_pkt_ancount(p), 1);
	a = rdata_text(p);
	cr_assert_str_eq(a, "10.0.1.5");
	free(a);
	ldns_pkt_free(p);
}

Test(dns, ptr_record)
{
	ldns_pkt *p = ask("5.1.0.10.in-addr.arpa", LDNS_RR_TYPE_PTR);
	char *name = rdata_text(p);

	cr_assert_str_eq(name, "ip-10-0-1-5.ec2.internal.");
	free(name);
	ldns_pkt_free(p);
}

Test(dns, rcodes_from_the_rule)
{
	static const struct {
		const char *name;
		ldns_rr_type type;
		ldns_pkt_rcode rcode;
	} cases[] = {
	    {"ip-10-0-1-6.ec2.internal", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN},
	    {"example.com", LDNS_RR_TYPE_A, LDNS_RCODE_REFUSED},
	    {"ip-10-0-1-5.ec2.internal", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ldns_pkt *p = ask(cases[i].name, cases[i].type);

		cr_assert_eq(ldns_pkt_get_rcode(p), cases[i].rcode, "%s", cases[i].name);
		cr_assert_eq(ldns_pkt_ancount(p), 0, "%s", cases[i].name);
		ldns_pkt_free(p);
	}
}

Test(dns, malformed_queries)
{
	uint8_t *out = NULL, hdr[12] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01}; /* 1 question, none there */
	size_t len, out_len;
	uint8_t *q = query("ip-10-0-1-5.ec2.internal", LDNS_RR_TYPE_A, &len);
	ldns_pkt *p;

	/* Too short, or a response: no answer at all. */
	cr_assert_eq(dns_wire_answer(q, 11, resolve, NULL, &out, &out_len), -EBADMSG);
	q[2] |= 0x80;
	cr_assert_eq(dns_wire_answer(q, len, resolve, NULL, &out, &out_len), -EBADMSG);
	q[2] &= 0x7f;
	/* A header whose question is missing: FORMERR to its ID. */
	p = ask_wire(hdr, sizeof(hdr));
	cr_assert_eq(ldns_pkt_id(p), 0x1234);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	ldns_pkt_free(p);
	/* Opcode STATUS (2): not implemented. */
	q[2] = (uint8_t)((q[2] & 0x87) | (2 << 3));
	p = ask_wire(q, len);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOTIMPL);
	ldns_pkt_free(p);
	/* No question: FORMERR. */
	hdr[5] = 0;
	p = ask_wire(hdr, sizeof(hdr));
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	ldns_pkt_free(p);
	free(q);
}

Test(dns, records_after_the_question_are_ignored)
{
	/* Two TSIG records (root owner, type 250, class ANY, TTL 0, no data) and an OPT. */
	static const uint8_t rr[][11] = {
	    {0, 0x00, 0xfa, 0x00, 0xff, 0, 0, 0, 0, 0, 0},
	    {0, 0x00, 0xfa, 0x00, 0xff, 0, 0, 0, 0, 0, 0},
	    {0, 0x00, 0x29, 0x10, 0x00, 0, 0, 0, 0, 0, 0},
	};
	size_t len;
	uint8_t *q = query("ip-10-0-1-5.ec2.internal", LDNS_RR_TYPE_A, &len), *m;
	ldns_pkt *p;
	char *a;

	m = malloc(len + sizeof(rr));
	cr_assert(m);
	memcpy(m, q, len);
	memcpy(m + len, rr, sizeof(rr));
	m[11] = 3; /* ARCOUNT */
	p = ask_wire(m, len + sizeof(rr));
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	cr_assert_eq(ldns_pkt_ancount(p), 1);
	cr_assert_eq(ldns_pkt_arcount(p), 0, "no additional records in the response");
	a = rdata_text(p);
	cr_assert_str_eq(a, "10.0.1.5");
	free(a);
	ldns_pkt_free(p);
	free(m);
	free(q);
}

Test(dns, disabled_vpc_gets_nothing)
{
	uint8_t *out = NULL;
	size_t len, out_len;
	uint8_t *q = query("ip-10-0-1-5.ec2.internal", LDNS_RR_TYPE_A, &len);

	vpc->enable_dns_support = false;
	cr_assert_eq(dns_wire_answer(q, len, resolve, NULL, &out, &out_len), -EPERM);
	free(q);
}

/* ---- the UDP loop, on loopback ------------------------------------------------------------ */

static int64_t fixed_now(void)
{
	return 5000; /* one rate window for the whole test */
}

static int who(void *ud, uint32_t ip, char ret_eni_id[MODEL_ID_LEN])
{
	if (ip != INADDR_LOOPBACK)
		return -ENOENT;
	memcpy(ret_eni_id, eni->id, MODEL_ID_LEN);
	return 0;
}

static int with_model(void *ud, void (*fn)(void *, const struct model *), void *fn_ud)
{
	fn(fn_ud, f.m);
	return 0;
}

static int udp_on(uint16_t port, uint16_t *ret_port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert(fd >= 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*ret_port = ntohs(sa.sin_port);
	return fd;
}

/* Send a query to port; 1 when an answer came back (from 127.0.0.1:port) within 300 ms. */
static int exchange(int client, uint16_t port)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)},
			   from;
	socklen_t fl = sizeof(from);
	struct pollfd pfd = {.fd = client, .events = POLLIN};
	uint8_t buf[512];
	size_t len;
	uint8_t *q = query("ip-10-0-1-5.ec2.internal", LDNS_RR_TYPE_A, &len);
	ldns_pkt *p = NULL;
	ssize_t n;

	cr_assert_eq(sendto(client, q, len, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)len);
	free(q);
	if (poll(&pfd, 1, 300) != 1)
		return 0;
	n = recvfrom(client, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	cr_assert(n > 0);
	cr_assert_eq(ntohs(from.sin_port), port, "the answer comes from the address asked");
	cr_assert_eq(ldns_wire2pkt(&p, buf, (size_t)n), LDNS_STATUS_OK);
	cr_assert_eq(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	return 1;
}

Test(dns, server_answers_limits_and_stays_silent_when_disabled)
{
	struct dns_server_config c = {.who = who, .with_model = with_model, .rate = 3,
				      .now_ms = fixed_now};
	struct dns_server *s = NULL;
	struct dns_server_stats st;
	uint16_t port, cport;
	int client = udp_on(0, &cport), answers = 0;

	c.fd = udp_on(0, &port);
	cr_assert_eq(dns_server_start(&c, &s), 0);
	for (int i = 0; i < 5; i++)
		answers += exchange(client, port);
	cr_assert_eq(answers, 3, "3 queries per second per ENI, the rest dropped");
	dns_server_stats(s, &st);
	cr_assert_eq(st.answered, 3);
	cr_assert_eq(st.dropped_rate, 2);
	s = dns_server_stop(s);

	c.fd = udp_on(0, &port);
	c.rate = 0; /* AWS's 1,024 */
	cr_assert_eq(dns_server_start(&c, &s), 0);
	vpc->enable_dns_support = false;
	cr_assert_eq(exchange(client, port), 0);
	dns_server_stats(s, &st);
	cr_assert_eq(st.dropped_disabled, 1);
	vpc->enable_dns_support = true;
	cr_assert_eq(exchange(client, port), 1);
	s = dns_server_stop(s);
	close(client);
}
