/*
 * Unit tests of fabric/dp.c without root: the data path runs its real
 * thread over an in-memory port backend (the dp-io.h interface), so every
 * frame it sends is captured byte for byte.
 *
 *   vpc-1 10.0.0.0/16, igw-1
 *   subnet-pub 10.0.1.0/24 (0.0.0.0/0 -> igw-1): eni-a 10.0.1.10 (public 198.51.100.10),
 *                                                eni-b 10.0.1.11, eni-nat 10.0.1.5
 *   subnet-db  10.0.2.0/24 (main: 0.0.0.0/0 -> nat-1): eni-c 10.0.2.20
 *   sg-web: ingress tcp 8080 from 10.0.0.0/16, tcp 80 from anywhere, tcp 22 from
 *           192.168.0.0/16, egress all
 *   vgw-1: a VPN to 192.168.0.0/16, propagated into the main table
 *
 * Ports (ifindex): 1 eni-a, 2 eni-b, 3 eni-c, 9 igw-1, 7 eni-ghost (not in the model).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../engine/fixture.h"
#include "fabric/arp.h"
#include "fabric/dp-xdp.h"
#include "fabric/dp.h"

/* ---- the in-memory backend ------------------------------------------------------ */

#define MOCK_MAX_PORTS 16
#define MOCK_FRAME 2048
#define MOCK_Q 64

struct mock_frame {
	uint8_t data[MOCK_FRAME];
	size_t len;
	unsigned flags;
	bool has_off;
	struct dp_io_offload off;
};

struct dp_io {
	int ifindex, efd;
	pthread_mutex_t lock;
	struct mock_frame rxq[MOCK_Q];
	size_t rx_n;
	struct mock_frame tx[MOCK_Q];
	size_t tx_n;
	uint8_t slot[MOCK_FRAME];
};

static struct dp_io *mock_ports[MOCK_MAX_PORTS];
static pthread_mutex_t mock_lock = PTHREAD_MUTEX_INITIALIZER;

static int mock_open(int ifindex, const struct dp_io_config *cfg, struct dp_io **ret_io)
{
	struct dp_io *io;

	(void)cfg;
	if (ifindex <= 0 || ifindex >= MOCK_MAX_PORTS)
		return -ENODEV;
	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->ifindex = ifindex;
	io->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&io->lock, NULL);
	pthread_mutex_lock(&mock_lock);
	mock_ports[ifindex] = io;
	pthread_mutex_unlock(&mock_lock);
	*ret_io = io;
	return 0;
}

static void mock_close(struct dp_io *io)
{
	if (!io)
		return;
	pthread_mutex_lock(&mock_lock);
	mock_ports[io->ifindex] = NULL;
	pthread_mutex_unlock(&mock_lock);
	close(io->efd);
	pthread_mutex_destroy(&io->lock);
	free(io);
}

static int mock_fd(const struct dp_io *io)
{
	return io->efd;
}

static size_t mock_rx(struct dp_io *io, size_t budget, dp_io_rx_fn fn, void *userdata)
{
	static struct mock_frame batch[MOCK_Q]; /* only the data-path thread calls rx */
	uint64_t v;
	size_t n;

	(void)budget;
	pthread_mutex_lock(&io->lock);
	n = io->rx_n;
	memcpy(batch, io->rxq, n * sizeof(batch[0]));
	io->rx_n = 0;
	if (read(io->efd, &v, sizeof(v)) < 0) {
		/* not readable: nothing more */
	}
	pthread_mutex_unlock(&io->lock);
	for (size_t i = 0; i < n; i++)
		fn(userdata, batch[i].data, batch[i].len, batch[i].flags,
		   batch[i].has_off ? &batch[i].off : NULL);
	return n;
}

static uint8_t *mock_tx_slot(struct dp_io *io, size_t *ret_cap)
{
	*ret_cap = MOCK_FRAME;
	return io->slot;
}

static void mock_tx_commit(struct dp_io *io, size_t len, const struct dp_io_offload *off)
{
	pthread_mutex_lock(&io->lock);
	if (io->tx_n < MOCK_Q) {
		memcpy(io->tx[io->tx_n].data, io->slot, len);
		io->tx[io->tx_n].len = len;
		io->tx[io->tx_n].has_off = off != NULL;
		if (off)
			io->tx[io->tx_n].off = *off;
		io->tx_n++;
	}
	pthread_mutex_unlock(&io->lock);
}

static int mock_tx_flush(struct dp_io *io)
{
	(void)io;
	return 0;
}

static uint64_t mock_rx_dropped(struct dp_io *io)
{
	(void)io;
	return 0;
}

static const struct dp_io_ops mock_ops = {
	.name = "mock",
	.open = mock_open,
	.close = mock_close,
	.fd = mock_fd,
	.rx = mock_rx,
	.tx_slot = mock_tx_slot,
	.tx_commit = mock_tx_commit,
	.tx_flush = mock_tx_flush,
	.rx_dropped = mock_rx_dropped,
};

static void inject_off(int ifindex, const uint8_t *frame, size_t len, unsigned flags,
		       const struct dp_io_offload *off);

static void inject(int ifindex, const uint8_t *frame, size_t len, unsigned flags)
{
	inject_off(ifindex, frame, len, flags, NULL);
}

static void inject_off(int ifindex, const uint8_t *frame, size_t len, unsigned flags,
		       const struct dp_io_offload *off)
{
	struct dp_io *io;
	uint64_t one = 1;

	pthread_mutex_lock(&mock_lock);
	io = mock_ports[ifindex];
	cr_assert_not_null(io, "port %d not open", ifindex);
	pthread_mutex_lock(&io->lock);
	cr_assert_lt(io->rx_n, MOCK_Q);
	memcpy(io->rxq[io->rx_n].data, frame, len);
	io->rxq[io->rx_n].len = len;
	io->rxq[io->rx_n].flags = flags;
	io->rxq[io->rx_n].has_off = off != NULL;
	if (off)
		io->rxq[io->rx_n].off = *off;
	io->rx_n++;
	pthread_mutex_unlock(&io->lock);
	cr_assert_eq(write(io->efd, &one, sizeof(one)), (ssize_t)sizeof(one));
	pthread_mutex_unlock(&mock_lock);
}

/* Frames sent on port ifindex since the last call (copied to out, at most cap). */
static size_t sent(int ifindex, struct mock_frame *out, size_t cap)
{
	struct dp_io *io;
	size_t n = 0;

	pthread_mutex_lock(&mock_lock);
	io = mock_ports[ifindex];
	if (io) {
		pthread_mutex_lock(&io->lock);
		n = io->tx_n < cap ? io->tx_n : cap;
		memcpy(out, io->tx, n * sizeof(*out));
		io->tx_n = 0;
		pthread_mutex_unlock(&io->lock);
	}
	pthread_mutex_unlock(&mock_lock);
	return n;
}

/* ---- frames ----------------------------------------------------------------------- */

static const uint8_t MAC_A[6] = {0x0e, 0, 0, 0, 0, 0x0a};
static const uint8_t MAC_B[6] = {0x0e, 0, 0, 0, 0, 0x0b};
static const uint8_t MAC_C[6] = {0x0e, 0, 0, 0, 0, 0x0c};
static const uint8_t MAC_INET[6] = {0x0e, 0, 0, 0, 0, 0x99};
static const uint8_t ROUTER[6] = {0x02, 0x76, 0x70, 0x63, 0x00, 0x01};

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (; n > 1; n -= 2, p += 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		s += (uint32_t)p[0] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint16_t tcp_sum(const uint8_t *ip)
{
	size_t l4 = (size_t)get16(ip + 2) - 20;
	uint32_t s = sum16(ip + 12, 8, 0) + PKT_PROTO_TCP + (uint32_t)l4;

	return fold(sum16(ip + 20, l4, s));
}

/*
 * Ethernet + IPv4 (20 bytes) + TCP (20 bytes) + payload; valid checksums
 * unless partial (then the TCP field holds garbage, as left to offload).
 */
static size_t tcp_frame(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6],
			const char *src, uint16_t sport, const char *dst, uint16_t dport,
			uint8_t flags, size_t payload, bool partial)
{
	uint8_t *ip = f + 14, *t = ip + 20;
	size_t len = 14 + 20 + 20 + payload;

	memset(f, 0, len);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	put16(f + 12, PKT_ETHERTYPE_IPV4);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + payload));
	put16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = PKT_PROTO_TCP;
	put32(ip + 12, fx_ip(src));
	put32(ip + 16, fx_ip(dst));
	put16(ip + 10, fold(sum16(ip, 20, 0)));
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, 1000);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	for (size_t i = 0; i < payload; i++)
		t[20 + i] = (uint8_t)(i * 7 + 3);
	if (partial)
		put16(t + 16, 0xdead);
	else
		put16(t + 16, tcp_sum(ip));
	return len;
}

static void assert_checksums(const uint8_t *f)
{
	const uint8_t *ip = f + 14;

	cr_assert_eq(fold(sum16(ip, 20, 0)), 0, "IP header checksum");
	cr_assert_eq(tcp_sum(ip), 0, "TCP checksum");
}

/* ---- the fixture ------------------------------------------------------------------- */

static struct model *m;
static _Atomic uint64_t fake_now = 1700000000000ULL;
static struct eng_state *st;
static struct eng_gen *gen;
static struct fabric_dp *dp;

static struct model *build_model(bool with_8080)
{
	struct model *mm = model_new("123456789012", "us-east-1");
	struct model_route_table *main_rt;
	struct model_sg *web;
	struct model_eni *e;

	main_rt = fx_two_tier_base(mm);

	web = fx_sg(mm, "sg-web", "vpc-1");
	if (with_8080)
		fx_rule(web, false, "tcp", 8080, 8080, "10.0.0.0/16");
	fx_rule(web, false, "tcp", 80, 80, "0.0.0.0/0");
	fx_rule(web, false, "tcp", 22, 22, "192.168.0.0/16");
	fx_rule(web, true, "-1", -1, -1, "0.0.0.0/0");

	e = fx_eni(mm, "eni-a", "subnet-pub", "10.0.1.10", "sg-web");
	e->ips[0].public_ip = fx_ip("198.51.100.10");
	fx_eni(mm, "eni-b", "subnet-pub", "10.0.1.11", "sg-web");
	fx_eni(mm, "eni-c", "subnet-db", "10.0.2.20", "sg-web");
	fx_nat_gateway(mm);
	{
		/* vgw-1 with a VPN to 192.168.0.0/16, propagated into the main table. */
		struct model_vgw *vgw = model_add_vgw(mm);
		struct model_vpn_connection *vpn = model_add_vpn(mm);

		util_strscpy(vgw->id, "vgw-1", sizeof(vgw->id));
		model_vgw_add_attachment(vgw, "vpc-1", "attached");
		util_strscpy(vpn->id, "vpn-1", sizeof(vpn->id));
		util_strscpy(vpn->vgw_id, "vgw-1", sizeof(vpn->vgw_id));
		vpn->state = MODEL_STATE_AVAILABLE;
		model_vpn_add_route(vpn, fx_cidr("192.168.0.0/16"), "available");
		model_rtb_add_propagating_vgw(main_rt, "vgw-1");
	}
	{
		/* A flow log on eni-b (only a data path with a flowlog_fn flushes it). */
		struct model_flow_log *fl = model_add_flow_log(mm);

		util_strscpy(fl->id, "fl-b", sizeof(fl->id));
		util_strscpy(fl->resource_id, "eni-b", sizeof(fl->resource_id));
		fl->traffic_type = MODEL_FLOW_ALL;
		fl->max_aggregation_interval = 60;
	}
	return mm;
}

static uint64_t fake_clock(void *userdata)
{
	(void)userdata;
	return fake_now;
}

static struct fabric_dp_port port(enum fabric_dp_port_kind kind, const char *id, int ifindex,
				  const uint8_t *mac, const char *subnet)
{
	struct fabric_dp_port p = {0};

	p.kind = kind;
	util_strscpy(p.id, id, sizeof(p.id));
	p.ifindex = ifindex;
	if (mac)
		memcpy(p.mac, mac, 6);
	if (subnet)
		p.subnet = fx_cidr(subnet);
	return p;
}

static void setup(void)
{
	struct fabric_dp_config cfg;
	struct fabric_dp_port ports[5];

	m = build_model(true);
	cr_assert_eq(eng_compile(m, &gen), 0);
	st = eng_state_new(NULL);
	cr_assert_not_null(st);
	fabric_dp_config_default(&cfg);
	cfg.io = &mock_ops;
	cfg.gso_guard = false; /* mock ifindexes are not devices: attach nothing anywhere */
	cfg.clock_ms = fake_clock;
	cr_assert_eq(fabric_dp_new(&cfg, st, &dp), 0);
	ports[0] = port(FABRIC_DP_PORT_ENI, "eni-a", 1, MAC_A, "10.0.1.0/24");
	ports[1] = port(FABRIC_DP_PORT_ENI, "eni-b", 2, MAC_B, "10.0.1.0/24");
	ports[2] = port(FABRIC_DP_PORT_ENI, "eni-c", 3, MAC_C, "10.0.2.0/24");
	ports[3] = port(FABRIC_DP_PORT_IGW, "igw-1", 9, NULL, NULL); /* peer MAC learned */
	ports[4] = port(FABRIC_DP_PORT_ENI, "eni-ghost", 7, MAC_C, "10.0.2.0/24");
	cr_assert_eq(fabric_dp_set_ports(dp, ports, 5), 0);
	fabric_dp_publish(dp, gen);
	cr_assert_eq(fabric_dp_start(dp), 0);
}

static void teardown(void)
{
	fabric_dp_free(dp);
	eng_state_free(st);
	eng_gen_unref(gen);
	model_free(m);
}

static struct fabric_dp_stats stats(void)
{
	struct fabric_dp_stats s;

	cr_assert_eq(fabric_dp_stats(dp, &s), 0);
	return s;
}

TestSuite(dp, .init = setup, .fini = teardown, .timeout = 30);

/* ---- tests ------------------------------------------------------------------------- */

Test(dp, ports_open_and_generation_adopted)
{
	struct fabric_dp_stats s = stats();

	cr_assert_eq(s.ports_open, 5);
	cr_assert_eq(s.generations, 1);
}

Test(dp, arp_for_router_answered_on_the_asking_port)
{
	uint8_t req[ARP_FRAME_LEN];
	struct mock_frame out[4];
	struct arp_msg r;

	arp_build_request(MAC_A, fx_ip("10.0.1.10"), fx_ip("10.0.1.1"), req, sizeof(req));
	inject(1, req, sizeof(req), 0);
	stats();
	cr_assert_eq(sent(1, out, 4), 1);
	cr_assert_eq(arp_parse(out[0].data, out[0].len, &r), 0);
	cr_assert_eq(r.op, ARP_OP_REPLY);
	cr_assert_eq(memcmp(r.sha, ROUTER, 6), 0);
	cr_assert_eq(memcmp(out[0].data, MAC_A, 6), 0);
	/* and never flooded */
	cr_assert_eq(sent(2, out, 4), 0);
	cr_assert_eq(sent(3, out, 4), 0);
	/* a neighbour: its own MAC */
	arp_build_request(MAC_A, fx_ip("10.0.1.10"), fx_ip("10.0.1.11"), req, sizeof(req));
	inject(1, req, sizeof(req), 0);
	stats();
	cr_assert_eq(sent(1, out, 4), 1);
	cr_assert_eq(arp_parse(out[0].data, out[0].len, &r), 0);
	cr_assert_eq(memcmp(r.sha, MAC_B, 6), 0);
	/* gratuitous: nothing */
	arp_build_request(MAC_A, fx_ip("10.0.1.10"), fx_ip("10.0.1.10"), req, sizeof(req));
	inject(1, req, sizeof(req), 0);
	cr_assert_eq(stats().arp_replies, 2);
	cr_assert_eq(sent(1, out, 4), 0);
}

Test(dp, same_subnet_keeps_sender_mac_and_bytes)
{
	uint8_t f[200];
	struct mock_frame out[4];
	size_t len = tcp_frame(f, MAC_B, MAC_A, "10.0.1.10", 40000, "10.0.1.11", 8080,
			       PKT_TCP_SYN, 10, false);

	inject(1, f, len, 0);
	cr_assert_eq(stats().delivered, 1);
	cr_assert_eq(sent(2, out, 4), 1);
	cr_assert_eq(out[0].len, len);
	cr_assert_eq(memcmp(out[0].data, MAC_B, 6), 0);
	cr_assert_eq(memcmp(out[0].data + 6, MAC_A, 6), 0, "layer 2 in the subnet: A's MAC");
	cr_assert_eq(memcmp(out[0].data + 12, f + 12, len - 12), 0, "IP bytes unchanged");
	cr_assert_eq(out[0].data[14 + 8], 64, "TTL not decremented");
	{
		uint64_t rx = 0, tx = 0;

		cr_assert_eq(fabric_dp_port_stats(dp, "eni-a", &rx, &tx), 0);
		cr_assert_eq(rx, 1);
		cr_assert_eq(tx, 0);
		cr_assert_eq(fabric_dp_port_stats(dp, "eni-b", &rx, &tx), 0);
		cr_assert_eq(rx, 0);
		cr_assert_eq(tx, 1);
		cr_assert_eq(fabric_dp_port_stats(dp, "eni-nope", &rx, &tx), -ENOENT);
	}
}

Test(dp, across_subnets_source_is_the_router)
{
	uint8_t f[200];
	struct mock_frame out[4];
	size_t len = tcp_frame(f, ROUTER, MAC_A, "10.0.1.10", 40000, "10.0.2.20", 8080,
			       PKT_TCP_SYN, 0, false);

	inject(1, f, len, 0);
	stats();
	cr_assert_eq(sent(3, out, 4), 1);
	cr_assert_eq(memcmp(out[0].data, MAC_C, 6), 0);
	cr_assert_eq(memcmp(out[0].data + 6, ROUTER, 6), 0);
	cr_assert_eq(sent(7, out, 4), 0, "the ghost port shares C's MAC but not its ENI");
}

Test(dp, sg_block_is_dropped_and_counted)
{
	uint8_t f[200];
	struct mock_frame out[4];
	size_t len = tcp_frame(f, MAC_B, MAC_A, "10.0.1.10", 40000, "10.0.1.11", 9090,
			       PKT_TCP_SYN, 0, false);
	struct fabric_dp_stats s;

	inject(1, f, len, 0);
	s = stats();
	cr_assert_eq(s.drop_engine, 1, "drop_engine %llu delivered %llu rst %llu no_port %llu", (unsigned long long)s.drop_engine, (unsigned long long)s.delivered, (unsigned long long)s.reply_rst, (unsigned long long)s.drop_no_port);
	cr_assert_eq(s.eng.drops[ENG_DROP_SG_INGRESS], 1);
	cr_assert_eq(sent(2, out, 4), 0);
}

Test(dp, checksum_left_to_offload_is_completed)
{
	uint8_t f[200], good[200];
	struct mock_frame out[4];
	size_t len = tcp_frame(f, MAC_B, MAC_A, "10.0.1.10", 40001, "10.0.1.11", 8080,
			       PKT_TCP_SYN, 33, true);

	tcp_frame(good, MAC_B, MAC_A, "10.0.1.10", 40001, "10.0.1.11", 8080, PKT_TCP_SYN, 33,
		  false);
	inject(1, f, len, DP_IO_CSUM_PARTIAL);
	stats();
	cr_assert_eq(sent(2, out, 4), 1);
	assert_checksums(out[0].data);
	cr_assert_eq(memcmp(out[0].data + 14, good + 14, len - 14), 0);
}

Test(dp, igw_egress_rewrites_source_to_public_ip)
{
	uint8_t f[200];
	struct mock_frame out[4];
	size_t len;

	/* Learn the internet side's MAC from a frame it sends (an ARP for the EIP). */
	arp_build_request(MAC_INET, fx_ip("203.0.113.10"), fx_ip("198.51.100.10"), f, sizeof(f));
	inject(9, f, ARP_FRAME_LEN, 0);
	stats();
	cr_assert_eq(sent(9, out, 4), 1, "gateway port ARP answered");

	len = tcp_frame(f, ROUTER, MAC_A, "10.0.1.10", 40000, "203.0.113.10", 443, PKT_TCP_SYN, 5,
			false);
	inject(1, f, len, 0);
	cr_assert_eq(stats().to_internet, 1);
	cr_assert_eq(sent(9, out, 4), 1);
	cr_assert_eq(memcmp(out[0].data, MAC_INET, 6), 0);
	cr_assert_eq(memcmp(out[0].data + 6, ROUTER, 6), 0);
	cr_assert_eq(get32(out[0].data + 14 + 12), fx_ip("198.51.100.10"));
	cr_assert_eq(get32(out[0].data + 14 + 16), fx_ip("203.0.113.10"));
	assert_checksums(out[0].data);

	/* The reply comes back to the EIP and is delivered to A's private address. */
	len = tcp_frame(f, ROUTER, MAC_INET, "203.0.113.10", 443, "198.51.100.10", 40000,
			PKT_TCP_SYN | PKT_TCP_ACK, 0, false);
	inject(9, f, len, 0);
	stats();
	cr_assert_eq(sent(1, out, 4), 1);
	cr_assert_eq(memcmp(out[0].data, MAC_A, 6), 0);
	cr_assert_eq(memcmp(out[0].data + 6, ROUTER, 6), 0);
	cr_assert_eq(get32(out[0].data + 14 + 16), fx_ip("10.0.1.10"));
	assert_checksums(out[0].data);
}

Test(dp, nat_gateway_translates_both_ways)
{
	uint8_t f[200];
	struct mock_frame out[4];
	size_t len;
	uint16_t nat_port;

	arp_build_request(MAC_INET, fx_ip("203.0.113.10"), fx_ip("198.51.100.5"), f, sizeof(f));
	inject(9, f, ARP_FRAME_LEN, 0);
	stats();
	sent(9, out, 4);

	len = tcp_frame(f, ROUTER, MAC_C, "10.0.2.20", 41000, "203.0.113.10", 443, PKT_TCP_SYN, 0,
			false);
	inject(3, f, len, 0);
	cr_assert_eq(stats().to_internet, 1);
	cr_assert_eq(sent(9, out, 4), 1);
	cr_assert_eq(get32(out[0].data + 14 + 12), fx_ip("198.51.100.5"), "NAT GW public IP");
	nat_port = get16(out[0].data + 14 + 20);
	assert_checksums(out[0].data);

	len = tcp_frame(f, ROUTER, MAC_INET, "203.0.113.10", 443, "198.51.100.5", nat_port,
			PKT_TCP_SYN | PKT_TCP_ACK, 0, false);
	inject(9, f, len, 0);
	stats();
	cr_assert_eq(sent(3, out, 4), 1);
	cr_assert_eq(get32(out[0].data + 14 + 16), fx_ip("10.0.2.20"));
	cr_assert_eq(get16(out[0].data + 14 + 22), 41000);
	assert_checksums(out[0].data);
}

Test(dp, port_unknown_to_the_generation_drops)
{
	uint8_t f[200];
	size_t len = tcp_frame(f, ROUTER, MAC_C, "10.0.2.20", 40000, "10.0.1.11", 8080,
			       PKT_TCP_SYN, 0, false);

	inject(7, f, len, 0);
	cr_assert_eq(stats().drop_no_port, 1);
}

Test(dp, other_ethertypes_truncated_and_runts_dropped)
{
	uint8_t f[200] = {0};
	struct fabric_dp_stats s;
	struct mock_frame out[4];

	memcpy(f, MAC_B, 6);
	memcpy(f + 6, MAC_A, 6);
	put16(f + 12, 0x86dd); /* IPv6 */
	inject(1, f, 80, 0);
	inject(1, f, 10, 0); /* runt */
	tcp_frame(f, MAC_B, MAC_A, "10.0.1.10", 40000, "10.0.1.11", 8080, PKT_TCP_SYN, 0, false);
	inject(1, f, 54, DP_IO_TRUNCATED);
	put16(f + 14 + 2, 4000); /* IP total length larger than the frame */
	inject(1, f, 54, 0);
	s = stats();
	cr_assert_eq(s.drop_other, 1);
	cr_assert_eq(s.drop_malformed, 2);
	cr_assert_eq(s.drop_truncated, 1);
	cr_assert_eq(s.rx_frames, 4);
	cr_assert_eq(sent(2, out, 4), 0);
}

Test(dp, new_generation_keeps_tracked_flow_blocks_new_one)
{
	uint8_t f[200];
	struct mock_frame out[4];
	struct model *m2;
	struct eng_gen *g2;
	size_t len;

	/* A -> B:8080 handshake. */
	len = tcp_frame(f, MAC_B, MAC_A, "10.0.1.10", 40000, "10.0.1.11", 8080, PKT_TCP_SYN, 0,
			false);
	inject(1, f, len, 0);
	stats(); /* one round trip per step: ports are drained in no particular order */
	len = tcp_frame(f, MAC_A, MAC_B, "10.0.1.11", 8080, "10.0.1.10", 40000,
			PKT_TCP_SYN | PKT_TCP_ACK, 0, false);
	inject(2, f, len, 0);
	stats();
	len = tcp_frame(f, MAC_B, MAC_A, "10.0.1.10", 40000, "10.0.1.11", 8080, PKT_TCP_ACK, 0,
			false);
	inject(1, f, len, 0);
	stats();
	cr_assert_eq(sent(2, out, 4), 2);
	cr_assert_eq(sent(1, out, 4), 1);

	/* The rule goes away. */
	m2 = build_model(false);
	cr_assert_eq(eng_compile(m2, &g2), 0);
	fabric_dp_publish(dp, g2);
	eng_gen_unref(g2);
	cr_assert_eq(stats().generations, 2);

	len = tcp_frame(f, MAC_B, MAC_A, "10.0.1.10", 40000, "10.0.1.11", 8080,
			PKT_TCP_ACK | PKT_TCP_PSH, 20, false);
	inject(1, f, len, 0);
	stats();
	cr_assert_eq(sent(2, out, 4), 1, "the tracked flow continues");

	len = tcp_frame(f, MAC_B, MAC_A, "10.0.1.10", 40002, "10.0.1.11", 8080, PKT_TCP_SYN, 0,
			false);
	inject(1, f, len, 0);
	stats();
	cr_assert_eq(sent(2, out, 4), 0, "a new flow is refused");
	model_free(m2);
}

Test(dp, ports_replaced_while_running)
{
	struct fabric_dp_port ports[2];
	uint8_t f[200];
	struct mock_frame out[4];
	size_t len;

	ports[0] = port(FABRIC_DP_PORT_ENI, "eni-a", 1, MAC_A, "10.0.1.0/24");
	ports[1] = port(FABRIC_DP_PORT_ENI, "eni-b", 4, MAC_B, "10.0.1.0/24"); /* B moved */
	cr_assert_eq(fabric_dp_set_ports(dp, ports, 2), 0);
	cr_assert_eq(stats().ports_open, 2);
	pthread_mutex_lock(&mock_lock);
	cr_assert_null(mock_ports[2]);
	cr_assert_not_null(mock_ports[4]);
	pthread_mutex_unlock(&mock_lock);
	len = tcp_frame(f, MAC_B, MAC_A, "10.0.1.10", 40000, "10.0.1.11", 8080, PKT_TCP_SYN, 0,
			false);
	inject(1, f, len, 0);
	stats();
	cr_assert_eq(sent(4, out, 4), 1);
	/* A port that cannot open is reported and left out. */
	ports[1].ifindex = 99;
	cr_assert_eq(fabric_dp_set_ports(dp, ports, 2), -ENODEV);
	cr_assert_eq(stats().ports_open, 1);
}

Test(dp, bad_port_tables_rejected)
{
	struct fabric_dp_port ports[2];

	ports[0] = port(FABRIC_DP_PORT_ENI, "eni-a", 1, MAC_A, "10.0.1.0/24");
	ports[1] = port(FABRIC_DP_PORT_ENI, "eni-b", 1, MAC_B, "10.0.1.0/24");
	cr_assert_eq(fabric_dp_set_ports(dp, ports, 2), -EINVAL, "duplicate ifindex");
	ports[1].ifindex = 2;
	util_strscpy(ports[1].id, "eni-a", sizeof(ports[1].id));
	cr_assert_eq(fabric_dp_set_ports(dp, ports, 2), -EINVAL, "duplicate ID");
	ports[1].ifindex = 0;
	cr_assert_eq(fabric_dp_set_ports(dp, ports, 2), -EINVAL, "ifindex 0");
	cr_assert_eq(stats().ports_open, 5, "nothing changed");
}

Test(dp_xdp, guard_refuses_devices_that_are_not_veth)
{
	/* ifindex 1 is the loopback device of whatever namespace runs this: only
	 * read (ethtool driver query); the guard attaches to veth ends only. */
	cr_assert_lt(dp_xdp_pass_attach(1), 0);
	cr_assert_eq(dp_xdp_pass_attach(0), -EINVAL);
}

Test(dp, nat_idle_timeout_answers_rst_to_the_instance)
{
	uint8_t f[200];
	struct mock_frame out[4];
	size_t len;
	uint8_t *t;

	arp_build_request(MAC_INET, fx_ip("203.0.113.10"), fx_ip("198.51.100.5"), f, sizeof(f));
	inject(9, f, ARP_FRAME_LEN, 0);
	stats(); /* the IGW port learns the peer's MAC first (ports have no order) */
	len = tcp_frame(f, ROUTER, MAC_C, "10.0.2.20", 41000, "203.0.113.10", 443, PKT_TCP_SYN, 0,
			false);
	inject(3, f, len, 0);
	stats();
	cr_assert_eq(sent(9, out, 4), 2, "ARP reply and the SYN");

	/* 400 s later (NAT idle timeout 350 s), a data segment on the same flow. */
	fake_now += 400000;
	stats(); /* the thread sees the new time and expires the mapping */
	len = tcp_frame(f, ROUTER, MAC_C, "10.0.2.20", 41000, "203.0.113.10", 443,
			PKT_TCP_ACK | PKT_TCP_PSH, 12, false);
	t = f + 14 + 20;
	put32(t + 4, 5000);	  /* seq */
	put32(t + 8, 77777);	  /* ack */
	put16(t + 16, 0);
	put16(t + 16, tcp_sum(f + 14));
	inject(3, f, len, 0);
	cr_assert_eq(stats().reply_rst, 1);
	cr_assert_eq(sent(9, out, 4), 0, "nothing to the internet");
	cr_assert_eq(sent(3, out, 4), 1, "the RST goes back to the instance");
	cr_assert_eq(out[0].len, 54);
	cr_assert_eq(memcmp(out[0].data, MAC_C, 6), 0);
	cr_assert_eq(memcmp(out[0].data + 6, ROUTER, 6), 0);
	assert_checksums(out[0].data);
	t = out[0].data + 14 + 20;
	cr_assert_eq(get32(out[0].data + 14 + 12), fx_ip("203.0.113.10"));
	cr_assert_eq(get32(out[0].data + 14 + 16), fx_ip("10.0.2.20"));
	cr_assert_eq(get16(t), 443);
	cr_assert_eq(get16(t + 2), 41000);
	cr_assert_eq(t[13], PKT_TCP_RST, "RST alone: the segment carried an ACK");
	cr_assert_eq(get32(t + 4), 77777, "seq = the segment's ack");
}

Test(dp, checksum_completion_every_length)
{
	uint8_t f[300], good[300];
	struct mock_frame out[4];

	for (size_t payload = 0; payload <= 70; payload++) {
		size_t len = tcp_frame(f, MAC_B, MAC_A, "10.0.1.10", (uint16_t)(41000 + payload),
				       "10.0.1.11", 8080, PKT_TCP_SYN, payload, true);

		tcp_frame(good, MAC_B, MAC_A, "10.0.1.10", (uint16_t)(41000 + payload), "10.0.1.11",
			  8080, PKT_TCP_SYN, payload, false);
		inject(1, f, len, DP_IO_CSUM_PARTIAL);
		stats();
		cr_assert_eq(sent(2, out, 4), 1, "payload %zu", payload);
		cr_assert_eq(memcmp(out[0].data + 14, good + 14, len - 14), 0, "payload %zu", payload);
	}
}

Test(dp, service_requests_leave_through_the_service_port_and_come_back)
{
	static const uint8_t MAC_SVC[6] = {0x0e, 0, 0, 0, 0, 0x55};
	struct fabric_dp_port ports[4];
	uint8_t f[200];
	struct mock_frame out[4];
	char eni[MODEL_ID_LEN];
	uint32_t ip = 0;
	size_t len;

	ports[0] = port(FABRIC_DP_PORT_ENI, "eni-a", 1, MAC_A, "10.0.1.0/24");
	ports[1] = port(FABRIC_DP_PORT_ENI, "eni-c", 3, MAC_C, "10.0.2.0/24");
	ports[2] = port(FABRIC_DP_PORT_IGW, "igw-1", 9, NULL, NULL);
	ports[3] = port(FABRIC_DP_PORT_SERVICE, "svc", 10, NULL, NULL);
	cr_assert_eq(fabric_dp_set_ports(dp, ports, 4), 0);

	/* Without the service side's MAC yet: dropped. */
	len = tcp_frame(f, ROUTER, MAC_A, "10.0.1.10", 40000, "169.254.169.254", 80, PKT_TCP_SYN,
			0, false);
	inject(1, f, len, 0);
	cr_assert_eq(stats().drop_no_port, 1);

	arp_build_request(MAC_SVC, fx_ip("169.254.169.254"), fx_ip("169.254.0.1"), f, sizeof(f));
	inject(10, f, ARP_FRAME_LEN, 0);
	stats();
	cr_assert_eq(sent(10, out, 4), 1, "the service side's ARP is answered");

	len = tcp_frame(f, ROUTER, MAC_A, "10.0.1.10", 40000, "169.254.169.254", 80, PKT_TCP_SYN,
			0, false);
	inject(1, f, len, 0);
	cr_assert_eq(stats().to_service, 1);
	cr_assert_eq(sent(10, out, 4), 1);
	cr_assert_eq(memcmp(out[0].data, MAC_SVC, 6), 0);
	cr_assert_eq(memcmp(out[0].data + 6, ROUTER, 6), 0);
	cr_assert_eq(get32(out[0].data + 14 + 12), fx_ip("169.254.0.1"), "A's pool address");
	cr_assert_eq(get32(out[0].data + 14 + 16), fx_ip("169.254.169.254"));
	assert_checksums(out[0].data);
	cr_assert_eq(fabric_dp_service_peer(dp, fx_ip("169.254.0.1"), eni, &ip), 0);
	cr_assert_str_eq(eni, "eni-a");
	cr_assert_eq(ip, fx_ip("10.0.1.10"));

	/* Another instance gets another address; the same one keeps its own. */
	len = tcp_frame(f, ROUTER, MAC_C, "10.0.2.20", 40000, "169.254.169.254", 80, PKT_TCP_SYN,
			0, false);
	inject(3, f, len, 0);
	stats();
	cr_assert_eq(sent(10, out, 4), 1);
	cr_assert_eq(get32(out[0].data + 14 + 12), fx_ip("169.254.0.2"));
	len = tcp_frame(f, ROUTER, MAC_A, "10.0.1.10", 40001, "169.254.169.254", 80, PKT_TCP_SYN,
			0, false);
	inject(1, f, len, 0);
	stats();
	cr_assert_eq(sent(10, out, 4), 1);
	cr_assert_eq(get32(out[0].data + 14 + 12), fx_ip("169.254.0.1"));

	/* The reply goes back to A's private address, TTL kept (a hop limit of 1 holds). */
	len = tcp_frame(f, ROUTER, MAC_SVC, "169.254.169.254", 80, "169.254.0.1", 40000,
			PKT_TCP_SYN | PKT_TCP_ACK, 0, false);
	f[14 + 8] = 1;
	f[14 + 10] = f[14 + 11] = 0;
	put16(f + 14 + 10, fold(sum16(f + 14, 20, 0)));
	inject(10, f, len, 0);
	cr_assert_eq(stats().from_service, 1);
	cr_assert_eq(sent(1, out, 4), 1);
	cr_assert_eq(memcmp(out[0].data, MAC_A, 6), 0);
	cr_assert_eq(memcmp(out[0].data + 6, ROUTER, 6), 0);
	cr_assert_eq(get32(out[0].data + 14 + 16), fx_ip("10.0.1.10"));
	cr_assert_eq(out[0].data[14 + 8], 1, "TTL kept");
	assert_checksums(out[0].data);

	/* To a pool address nobody holds: dropped. */
	len = tcp_frame(f, ROUTER, MAC_SVC, "169.254.169.254", 80, "169.254.0.9", 40000,
			PKT_TCP_ACK, 0, false);
	inject(10, f, len, 0);
	cr_assert_eq(stats().drop_no_port, 2);
	cr_assert_eq(fabric_dp_service_peer(dp, fx_ip("169.254.0.9"), eni, &ip), -ENOENT);

	/* A's port goes away: its addresses are released. */
	cr_assert_eq(fabric_dp_set_ports(dp, ports + 1, 3), 0);
	cr_assert_eq(fabric_dp_service_peer(dp, fx_ip("169.254.0.1"), eni, &ip), -ENOENT);
	cr_assert_eq(fabric_dp_service_peer(dp, fx_ip("169.254.0.2"), eni, &ip), 0);
	cr_assert_str_eq(eni, "eni-c");
}

Test(dp, stop_and_start_again_reopens_the_ports)
{
	uint8_t f[200];
	struct mock_frame out[4];
	size_t len;

	fabric_dp_stop(dp);
	pthread_mutex_lock(&mock_lock);
	cr_assert_null(mock_ports[1], "ports closed on stop");
	pthread_mutex_unlock(&mock_lock);
	fabric_dp_stop(dp); /* idempotent */
	cr_assert_eq(fabric_dp_start(dp), 0);
	cr_assert_eq(stats().ports_open, 5);
	len = tcp_frame(f, MAC_B, MAC_A, "10.0.1.10", 40000, "10.0.1.11", 8080, PKT_TCP_SYN, 0,
			false);
	inject(1, f, len, 0);
	stats();
	cr_assert_eq(sent(2, out, 4), 1, "forwarding again after the restart");
}

Test(dp, vpn_gateway_port_both_ways)
{
	static const uint8_t MAC_ONPREM[6] = {0x0e, 0, 0, 0, 0, 0x77};
	struct fabric_dp_port ports[2];
	uint8_t f[200];
	struct mock_frame out[4];
	size_t len;

	ports[0] = port(FABRIC_DP_PORT_ENI, "eni-c", 3, MAC_C, "10.0.2.0/24");
	ports[1] = port(FABRIC_DP_PORT_VGW, "vgw-1", 11, MAC_ONPREM, NULL); /* configured MAC */
	cr_assert_eq(fabric_dp_set_ports(dp, ports, 2), 0);

	len = tcp_frame(f, ROUTER, MAC_ONPREM, "192.168.5.5", 50000, "10.0.2.20", 22, PKT_TCP_SYN,
			0, false);
	inject(11, f, len, 0);
	cr_assert_eq(stats().delivered, 1);
	cr_assert_eq(sent(3, out, 4), 1);
	cr_assert_eq(memcmp(out[0].data, MAC_C, 6), 0);
	cr_assert_eq(memcmp(out[0].data + 6, ROUTER, 6), 0);
	cr_assert_eq(memcmp(out[0].data + 12, f + 12, len - 12), 0, "no translation on the VPN");

	len = tcp_frame(f, ROUTER, MAC_C, "10.0.2.20", 22, "192.168.5.5", 50000,
			PKT_TCP_SYN | PKT_TCP_ACK, 0, false);
	inject(3, f, len, 0);
	cr_assert_eq(stats().to_vpn, 1);
	cr_assert_eq(sent(11, out, 4), 1);
	cr_assert_eq(memcmp(out[0].data, MAC_ONPREM, 6), 0);
	cr_assert_eq(memcmp(out[0].data + 6, ROUTER, 6), 0);
	cr_assert_eq(memcmp(out[0].data + 12, f + 12, len - 12), 0);

	/* To an address of the VPC no ENI holds: the VGW refuses it. */
	len = tcp_frame(f, ROUTER, MAC_ONPREM, "192.168.5.5", 50000, "10.0.2.99", 22, PKT_TCP_SYN,
			0, false);
	inject(11, f, len, 0);
	cr_assert_eq(stats().eng.drops[ENG_DROP_VGW_ADDRESS], 1);
	cr_assert_eq(sent(3, out, 4), 0);
}

/* ---- flow logs: flushed on the data-path thread ------------------------------------- */

struct fl_seen {
	pthread_mutex_t lock;
	int n, accept, reject, on_dp_thread;
	uint16_t ports[8];
};

static void fl_collect(const struct eng_flow_record *rec, void *userdata)
{
	struct fl_seen *c = userdata;
	char name[16] = "";

	pthread_getname_np(pthread_self(), name, sizeof(name));
	pthread_mutex_lock(&c->lock);
	if (strcmp(rec->interface_id, "eni-b") == 0 && rec->log_status == ENG_FLOW_OK) {
		if (c->n < 8)
			c->ports[c->n] = rec->dstport;
		c->n++;
		c->accept += rec->action == ENG_FLOW_ACCEPT;
		c->reject += rec->action == ENG_FLOW_REJECT;
		c->on_dp_thread += strcmp(name, "vpcd-dp") == 0;
	}
	pthread_mutex_unlock(&c->lock);
}

Test(dp_flowlog, records_reach_flowlog_fn_on_the_data_path_thread, .timeout = 30)
{
	struct fl_seen c = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct fabric_dp_config cfg;
	struct fabric_dp_port ports[2];
	struct fabric_dp_stats s;
	uint8_t f[200];
	size_t len;

	m = build_model(true);
	cr_assert_eq(eng_compile(m, &gen), 0);
	st = eng_state_new(NULL);
	fabric_dp_config_default(&cfg);
	cfg.io = &mock_ops;
	cfg.gso_guard = false;
	cfg.clock_ms = fake_clock;
	cfg.flowlog_fn = fl_collect;
	cfg.flowlog_userdata = &c;
	cr_assert_eq(fabric_dp_new(&cfg, st, &dp), 0);
	ports[0] = port(FABRIC_DP_PORT_ENI, "eni-a", 1, MAC_A, "10.0.1.0/24");
	ports[1] = port(FABRIC_DP_PORT_ENI, "eni-b", 2, MAC_B, "10.0.1.0/24");
	cr_assert_eq(fabric_dp_set_ports(dp, ports, 2), 0);
	fabric_dp_publish(dp, gen);
	cr_assert_eq(fabric_dp_start(dp), 0);

	len = tcp_frame(f, MAC_B, MAC_A, "10.0.1.10", 40000, "10.0.1.11", 8080, PKT_TCP_SYN, 0,
			false);
	inject(1, f, len, 0);
	len = tcp_frame(f, MAC_B, MAC_A, "10.0.1.10", 40001, "10.0.1.11", 9090, PKT_TCP_SYN, 0,
			false);
	inject(1, f, len, 0);
	cr_assert_eq(fabric_dp_stats(dp, &s), 0);
	pthread_mutex_lock(&c.lock);
	cr_assert_eq(c.n, 0, "nothing before the interval ends");
	pthread_mutex_unlock(&c.lock);

	fake_now += 61000;
	cr_assert_eq(fabric_dp_stats(dp, &s), 0); /* wakes the thread: the interval has ended */
	fake_now += 1000;
	cr_assert_eq(fabric_dp_stats(dp, &s), 0);
	pthread_mutex_lock(&c.lock);
	cr_assert_eq(c.n, 2, "one record per flow (%d)", c.n);
	cr_assert_eq(c.accept, 1);
	cr_assert_eq(c.reject, 1);
	cr_assert_eq(c.on_dp_thread, 2);
	pthread_mutex_unlock(&c.lock);

	fabric_dp_free(dp);
	eng_state_free(st);
	eng_gen_unref(gen);
	model_free(m);
}

/* Pseudo-header sum as the kernel leaves it for offload: folded, not complemented. */
static uint16_t pseudo(const uint8_t *ip)
{
	uint32_t s = sum16(ip + 12, 8, 0) + ip[9] + (uint32_t)(get16(ip + 2) - 20);

	return (uint16_t)~fold(s);
}

Test(dp, offload_metadata_kept_and_partial_checksum_follows_nat)
{
	uint8_t f[200];
	struct mock_frame out[4];
	struct dp_io_offload off = {.flags = DP_IO_OFF_NEEDS_CSUM, .gso_type = 1, .hdr_len = 54,
				    .gso_size = 8949, .csum_start = 34, .csum_offset = 16};
	size_t len;

	arp_build_request(MAC_INET, fx_ip("203.0.113.10"), fx_ip("198.51.100.10"), f, sizeof(f));
	inject(9, f, ARP_FRAME_LEN, 0);
	stats();
	sent(9, out, 4);

	/* A super-frame left to offload: the TCP field holds the pseudo-header sum. */
	len = tcp_frame(f, ROUTER, MAC_A, "10.0.1.10", 40000, "203.0.113.10", 443, PKT_TCP_ACK, 100,
			false);
	put16(f + 14 + 20 + 16, pseudo(f + 14));
	inject_off(1, f, len, DP_IO_CSUM_PARTIAL, &off);
	stats();
	cr_assert_eq(sent(9, out, 4), 1);
	cr_assert(out[0].has_off, "offload metadata goes out with the frame");
	cr_assert_eq(memcmp(&out[0].off, &off, sizeof(off)), 0);
	cr_assert_eq(get32(out[0].data + 14 + 12), fx_ip("198.51.100.10"));
	cr_assert_eq(fold(sum16(out[0].data + 14, 20, 0)), 0, "IP checksum complete");
	cr_assert_eq(get16(out[0].data + 14 + 20 + 16), pseudo(out[0].data + 14),
		     "the partial checksum is over the translated addresses");

	/* Same subnet, no translation: left as it was, still partial. */
	len = tcp_frame(f, MAC_B, MAC_A, "10.0.1.10", 40000, "10.0.1.11", 8080, PKT_TCP_SYN, 0,
			false);
	put16(f + 14 + 20 + 16, pseudo(f + 14));
	inject_off(1, f, len, DP_IO_CSUM_PARTIAL, &off);
	stats();
	cr_assert_eq(sent(2, out, 4), 1);
	cr_assert_eq(memcmp(out[0].data + 12, f + 12, len - 12), 0);
	cr_assert(out[0].has_off);
}
