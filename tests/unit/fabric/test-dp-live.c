/*
 * test-dp-live: the data path with real traffic between network namespaces.
 *
 * Needs root (exit 77, "skipped", otherwise).  Everything happens in
 * namespaces this program creates, named with a per-run prefix
 * "ovd<pid>-", removed on exit (also on SIGINT/SIGTERM); nothing is added to
 * the root namespace.  Topology, built from a model made with lib/model ops:
 *
 *   ns A (10.0.1.x, eni A)     ns B (10.0.1.y, eni B)     ns C (10.0.2.z, eni C)
 *        eth0                       eth0                       eth0
 *          |  veth                    |                          |
 *   +------+--------------------------+--------------------------+------+
 *   |  fa                      fb                       fc   fabric ns  |
 *   |              the data path (fabric/dp.c) + the engine             |
 *   +--------------------------------+----------------------------------+
 *                                    | fi  (IGW port)
 *                              ns I "internet": 203.0.113.10 (eth0)
 *   (and fs, the SERVICE port, to ns S: 169.254.169.254 on eth0)
 *
 * Security group "web" on A, B, C: ingress tcp 8080 and icmp from
 * 10.0.0.0/16, egress all.  Subnet 1 (10.0.1.0/24) routes 0.0.0.0/0 to the
 * IGW; A gets an Elastic IP.
 *
 * Checks: ARP for the router and for a neighbour (answered, right MACs),
 * not answered off-subnet, never flooded to another instance; ping and TCP
 * in the subnet and across subnets; a port the SG does not allow is
 * blocked; removing the SG rule and publishing a new generation keeps an
 * established TCP connection and blocks a new one; an instance reaches the
 * internet namespace through the IGW (1:1 NAT to its Elastic IP) and the
 * internet reaches it on its Elastic IP.
 *
 * The instances keep the veth defaults (TSO, GSO, checksum offload on): the
 * data path's XDP GSO guard must make them segment (a 4 MiB echo checks it);
 * --offloads-off turns the offloads off inside the instances, --no-gso-guard
 * leaves the guard out (without --offloads-off the 4 MiB echo then fails:
 * the super-frames are dropped as truncated).
 *
 * With --bench: after the checks, iperf3 TCP and 64-byte UDP between A and
 * B (same subnet) and A and C (across subnets), printed as is.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fabric/arp.h"
#include "fabric/dp.h"
#include "lib/engine/engine.h"
#include "lib/model/model.h"
#include "lib/model/ops-eni.h"
#include "lib/model/ops-instance.h"
#include "lib/model/ops-sg.h"
#include "lib/model/ops-vpc.h"
#include "lib/model/ops.h"
#include "lib/net/pkt.h"
#include "lib/util/util.h"

static char prefix[32];
static int n_pass, n_fail;
/* --offloads-off: TSO/GSO/checksum offload off inside the instances (else the defaults). */
static bool offloads_off;
/* --no-gso-guard: no XDP GSO guard (then only --offloads-off keeps big frames out). */
static bool gso_guard = true;
/* --gso-passthrough: the data path forwards GSO super-frames whole. */
static bool gso_passthrough;

#define CHECK(cond, ...)                                                                       \
	do {                                                                                   \
		if (cond) {                                                                    \
			n_pass++;                                                              \
		} else {                                                                       \
			n_fail++;                                                              \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                   \
			fprintf(stderr, __VA_ARGS__);                                          \
			fputc('\n', stderr);                                                   \
		}                                                                              \
	} while (0)

#define DIE(...)                                                                               \
	do {                                                                                   \
		fprintf(stderr, "setup: " __VA_ARGS__);                                        \
		fputc('\n', stderr);                                                           \
		exit(1);                                                                       \
	} while (0)

/* ---- shell and namespaces ------------------------------------------------------ */

static const char *NS_NAMES[] = {"fab", "a", "b", "c", "inet", "svc"};

static void ns_name(char *buf, size_t size, const char *what)
{
	snprintf(buf, size, "%s%s", prefix, what);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void cleanup(void)
{
	char ns[64];

	for (size_t i = 0; i < sizeof(NS_NAMES) / sizeof(NS_NAMES[0]); i++) {
		ns_name(ns, sizeof(ns), NS_NAMES[i]);
		sh("ip netns pids %s 2>/dev/null | xargs -r kill 2>/dev/null; "
		   "ip netns del %s 2>/dev/null",
		   ns, ns);
	}
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

struct ns_call {
	const char *ns;
	int (*fn)(void *arg);
	void *arg;
	int result;
};

static void *ns_thread(void *p)
{
	struct ns_call *c = p;
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", c->ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		c->result = -errno;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	c->result = c->fn(c->arg);
	return NULL;
}

/* Run fn(arg) on a thread inside namespace ns; returns fn's result. */
static int in_ns(const char *ns, int (*fn)(void *), void *arg)
{
	struct ns_call c = {.ns = ns, .fn = fn, .arg = arg, .result = -1};
	pthread_t t;

	if (pthread_create(&t, NULL, ns_thread, &c) != 0)
		return -EAGAIN;
	pthread_join(t, NULL);
	return c.result;
}

struct sock_args {
	int domain, type, proto;
};

static int do_socket(void *p)
{
	struct sock_args *a = p;
	int fd = socket(a->domain, a->type | SOCK_CLOEXEC, a->proto);

	return fd < 0 ? -errno : fd;
}

/* A socket that lives in namespace ns (sockets keep their namespace). */
static int ns_socket(const char *ns, int domain, int type, int proto)
{
	struct sock_args a = {domain, type, proto};

	return in_ns(ns, do_socket, &a);
}

static int do_ifindex(void *p)
{
	unsigned idx = if_nametoindex(p);

	return idx ? (int)idx : -errno;
}

struct mac_args {
	const char *ifname;
	uint8_t mac[6];
};

static int do_getmac(void *p)
{
	struct mac_args *a = p;
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	util_strscpy(ifr.ifr_name, a->ifname, sizeof(ifr.ifr_name));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		r = -errno;
	else
		memcpy(a->mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return r;
}

static int do_no_offload(void *p)
{
	return fabric_dp_link_no_offload(p);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const char *ip_str(uint32_t ip, char buf[NET_IP4_STRLEN])
{
	return net_ip4_format(ip, buf);
}

static void mac_str(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

/* ---- traffic --------------------------------------------------------------------- */

static uint16_t csum(const void *data, size_t n)
{
	const uint8_t *p = data;
	uint32_t s = 0;

	for (; n > 1; n -= 2, p += 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		s += (uint32_t)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

/* One echo request from namespace ns to dst; true when the reply comes back. */
static bool ping(const char *ns, uint32_t dst, int timeout_ms)
{
	static uint16_t seq;
	int fd = ns_socket(ns, AF_INET, SOCK_RAW, IPPROTO_ICMP);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(dst)};
	uint16_t id = (uint16_t)(getpid() ^ 0x5a5a);
	uint64_t deadline = mono_ms() + (uint64_t)timeout_ms, next_send = 0;
	bool ok = false;

	if (fd < 0)
		DIE("raw socket in %s: %s", ns, strerror(-fd));
	while (!ok && mono_ms() < deadline) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint8_t buf[256];

		if (mono_ms() >= next_send) { /* resend every 500 ms (the first waits for ARP) */
			uint8_t pkt[64] = {0};
			struct icmphdr *ic = (struct icmphdr *)pkt;

			ic->type = ICMP_ECHO;
			ic->un.echo.id = htons(id);
			ic->un.echo.sequence = htons(++seq);
			memset(pkt + sizeof(*ic), 0xab, sizeof(pkt) - sizeof(*ic));
			ic->checksum = csum(pkt, sizeof(pkt));
			sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to));
			next_send = mono_ms() + 500;
		}
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 28)
			continue;
		size_t ihl = (size_t)(buf[0] & 0xf) * 4;
		struct icmphdr *r = (struct icmphdr *)(buf + ihl);
		uint32_t src;

		memcpy(&src, buf + 12, 4);
		if ((size_t)n >= ihl + 8 && r->type == ICMP_ECHOREPLY && ntohs(r->un.echo.id) == id &&
		    ntohl(src) == dst)
			ok = true;
	}
	close(fd);
	return ok;
}

/* TCP connect from ns to dst:port within timeout: the fd, or -ETIMEDOUT / -errno. */
static int tcp_connect(const char *ns, uint32_t dst, uint16_t port, int timeout_ms)
{
	int fd = ns_socket(ns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(dst)};
	struct pollfd pfd;
	int err = 0;
	socklen_t l = sizeof(err);

	if (fd < 0)
		DIE("tcp socket in %s: %s", ns, strerror(-fd));
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0 && errno != EINPROGRESS) {
		err = -errno;
		close(fd);
		return err;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, timeout_ms) <= 0) {
		close(fd);
		return -ETIMEDOUT;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
	if (err) {
		close(fd);
		return -err;
	}
	return fd;
}

/* Send msg on fd and expect it echoed back within timeout. */
static bool echo_ok(int fd, const char *msg, int timeout_ms)
{
	char buf[256];
	size_t len = strlen(msg), got = 0;
	uint64_t deadline = mono_ms() + (uint64_t)timeout_ms;

	if (send(fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		return false;
	while (got < len && mono_ms() < deadline) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		ssize_t n = recv(fd, buf + got, sizeof(buf) - got, 0);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return got == len && memcmp(buf, msg, len) == 0;
}

/* Send size bytes of a pattern and read them all back (the peer echoes). */
static bool bulk_ok(int fd, size_t size, int timeout_ms)
{
	uint8_t *out = malloc(size), *in = malloc(size);
	size_t sent_n = 0, got = 0;
	uint64_t deadline = mono_ms() + (uint64_t)timeout_ms;
	bool ok;

	for (size_t i = 0; i < size; i++)
		out[i] = (uint8_t)(i * 131 + (i >> 11));
	while (got < size && mono_ms() < deadline) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN | (sent_n < size ? POLLOUT : 0)};

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((pfd.revents & POLLOUT) && sent_n < size) {
			ssize_t n = send(fd, out + sent_n, size - sent_n, MSG_NOSIGNAL | MSG_DONTWAIT);

			if (n > 0)
				sent_n += (size_t)n;
		}
		if (pfd.revents & POLLIN) {
			ssize_t n = recv(fd, in + got, size - got, MSG_DONTWAIT);

			if (n == 0 || (n < 0 && errno != EAGAIN))
				break;
			if (n > 0)
				got += (size_t)n;
		}
	}
	ok = got == size && memcmp(in, out, size) == 0;
	free(out);
	free(in);
	return ok;
}

static void *echo_conn(void *p)
{
	int fd = (int)(intptr_t)p;
	char buf[4096];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
			break;
	close(fd);
	return NULL;
}

static void *echo_server(void *p)
{
	int lfd = (int)(intptr_t)p;

	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pthread_t t;

		if (c < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (pthread_create(&t, NULL, echo_conn, (void *)(intptr_t)c) == 0)
			pthread_detach(t);
		else
			close(c);
	}
}

/* A TCP echo server on port in namespace ns (all addresses). */
static void start_echo(const char *ns, uint16_t port)
{
	int fd = ns_socket(ns, AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	pthread_t t;

	if (fd < 0)
		DIE("listen socket: %s", strerror(-fd));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0)
		DIE("listen %s:%u: %s", ns, port, strerror(errno));
	if (pthread_create(&t, NULL, echo_server, (void *)(intptr_t)fd) != 0)
		DIE("thread");
	pthread_detach(t);
}

struct arp_probe {
	uint8_t mac[6];
	uint32_t spa, tpa;
	int timeout_ms;
	uint8_t ret_mac[6];
};

static int do_arp_probe(void *p)
{
	struct arp_probe *a = p;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP)};
	uint8_t req[ARP_FRAME_LEN];
	uint64_t deadline = mono_ms() + (uint64_t)a->timeout_ms;
	int r = -ETIMEDOUT;

	if (fd < 0)
		return -errno;
	sll.sll_ifindex = (int)if_nametoindex("eth0");
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		return -errno;
	}
	arp_build_request(a->mac, a->spa, a->tpa, req, sizeof(req));
	if (send(fd, req, sizeof(req), 0) < 0) {
		close(fd);
		return -errno;
	}
	while (mono_ms() < deadline) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint8_t buf[128];
		struct arp_msg m;
		ssize_t n;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n > 0 && arp_parse(buf, (size_t)n, &m) == 0 && m.op == ARP_OP_REPLY &&
		    m.spa == a->tpa && m.tpa == a->spa) {
			memcpy(a->ret_mac, m.sha, 6);
			r = 0;
			break;
		}
	}
	close(fd);
	return r;
}

/* Count ARP requests sent by mac seen on eth0 of a namespace, during ms. */
struct arp_watch {
	uint8_t mac[6];
	int ms;
	int seen;
};

static int do_arp_watch(void *p)
{
	struct arp_watch *w = p;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP)};
	uint64_t deadline = mono_ms() + (uint64_t)w->ms;

	if (fd < 0)
		return -errno;
	sll.sll_ifindex = (int)if_nametoindex("eth0");
	bind(fd, (struct sockaddr *)&sll, sizeof(sll));
	while (mono_ms() < deadline) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint8_t buf[128];
		struct arp_msg m;
		ssize_t n;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n > 0 && arp_parse(buf, (size_t)n, &m) == 0 && m.op == ARP_OP_REQUEST &&
		    memcmp(m.sha, w->mac, 6) == 0)
			w->seen++;
	}
	close(fd);
	return 0;
}

static void *arp_watch_thread(void *p)
{
	struct { const char *ns; struct arp_watch w; } *a = p;

	in_ns(a->ns, do_arp_watch, &a->w);
	return NULL;
}

/* ---- the model -------------------------------------------------------------------- */

struct inst {
	const char *tag; /* "a", "b", "c" */
	char ns[64];
	char eni_id[MODEL_ID_LEN];
	uint8_t mac[6];
	uint32_t ip;
	struct net_cidr4 subnet;
	int fab_ifindex;
	char fab_if[16];
};

static struct model_sg_rule_spec tcp_spec(uint16_t port, struct net_cidr4 from)
{
	struct model_sg_rule_spec s = {0};

	s.protocol = PKT_PROTO_TCP;
	s.has_ports = true;
	s.from_port = s.to_port = port;
	s.has_cidr4 = true;
	s.cidr4 = from;
	return s;
}

static void model_setup(struct model *m, struct model_ctx *ctx, struct inst insts[3],
			char sg_id[MODEL_ID_LEN], char eip[NET_IP4_STRLEN], bool bench)
{
	struct model_err err;
	struct model_vpc *vpc;
	struct model_subnet *s1, *s2;
	struct model_sg *sg;
	struct model_igw *igw;
	struct model_eip *e;
	struct net_cidr4 c, vpc_cidr, any;
	struct model_sg_rule_spec specs[4];
	struct model_route_spec rs = {0};
	const char *sg_ids[1];
	char main_rtb[MODEL_ID_LEN] = "";

	net_cidr4_parse("10.0.0.0/16", &vpc_cidr);
	net_cidr4_parse("0.0.0.0/0", &any);
	if (model_op_create_vpc(m, ctx, vpc_cidr, NULL, &vpc, &err) < 0)
		DIE("CreateVpc: %s", err.message);
	net_cidr4_parse("10.0.1.0/24", &c);
	if (model_op_create_subnet(m, ctx, vpc->id, c, NULL, NULL, &s1, &err) < 0)
		DIE("CreateSubnet: %s", err.message);
	net_cidr4_parse("10.0.2.0/24", &c);
	if (model_op_create_subnet(m, ctx, vpc->id, c, NULL, NULL, &s2, &err) < 0)
		DIE("CreateSubnet: %s", err.message);
	if (model_op_create_security_group(m, ctx, vpc->id, "web", "web tier", &sg, &err) < 0)
		DIE("CreateSecurityGroup: %s", err.message);
	util_strscpy(sg_id, sg->id, MODEL_ID_LEN);
	specs[0] = tcp_spec(8080, vpc_cidr);
	specs[1] = (struct model_sg_rule_spec){.protocol = PKT_PROTO_ICMP, .has_ports = true,
					       .from_port = -1, .to_port = -1, .has_cidr4 = true,
					       .cidr4 = vpc_cidr};
	specs[2] = tcp_spec(8081, any); /* reachable from the internet */
	specs[3] = tcp_spec(5201, vpc_cidr);
	if (model_op_authorize_security_group_ingress(m, ctx, sg_id, specs, bench ? 4 : 3, NULL,
						      &err) < 0)
		DIE("AuthorizeSecurityGroupIngress: %s", err.message);
	if (bench) {
		struct model_sg_rule_spec u = specs[3];

		u.protocol = PKT_PROTO_UDP;
		if (model_op_authorize_security_group_ingress(m, ctx, sg_id, &u, 1, NULL, &err) < 0)
			DIE("AuthorizeSecurityGroupIngress udp: %s", err.message);
	}

	/* IGW + default route in the main table (both subnets use it). */
	if (model_op_create_internet_gateway(m, ctx, &igw, &err) < 0 ||
	    model_op_attach_internet_gateway(m, ctx, igw->id, vpc->id, &err) < 0)
		DIE("IGW: %s", err.message);
	for (size_t i = 0; i < m->n_route_tables; i++)
		if (strcmp(m->route_tables[i]->vpc_id, vpc->id) == 0)
			util_strscpy(main_rtb, m->route_tables[i]->id, sizeof(main_rtb));
	rs.has_dest4 = true;
	rs.dest4 = any;
	rs.gateway_id = igw->id;
	if (model_op_create_route(m, ctx, main_rtb, &rs, &err) < 0)
		DIE("CreateRoute: %s", err.message);

	sg_ids[0] = sg_id;
	for (int i = 0; i < 3; i++) {
		struct model_run_instances o = {0};
		struct model_instance *created[1];
		size_t n = 0;
		struct model_eni *eni;
		const struct model_subnet *s = i < 2 ? s1 : s2;

		o.image_id = "ami-0123456789abcdef0";
		o.instance_type = "t3.micro";
		o.min_count = o.max_count = 1;
		o.subnet_id = s->id;
		o.sg_ids = sg_ids;
		o.n_sg_ids = 1;
		o.associate_public_ip = -1;
		if (model_op_run_instances(m, ctx, &o, created, &n, &err) < 0 || n != 1)
			DIE("RunInstances: %s", err.message);
		eni = model_instance_primary_eni(m, created[0]->id);
		if (!eni)
			DIE("no primary ENI");
		util_strscpy(insts[i].eni_id, eni->id, MODEL_ID_LEN);
		if (parse_mac(eni->mac, insts[i].mac) < 0)
			DIE("bad MAC %s", eni->mac);
		insts[i].ip = eni->ips[0].ip;
		insts[i].subnet = s->cidr;
	}
	/* An Elastic IP on A. */
	if (model_op_allocate_address(m, ctx, &e, &err) < 0)
		DIE("AllocateAddress: %s", err.message);
	{
		struct model_eip *ee = e;
		char alloc[MODEL_ID_LEN], assoc[MODEL_ID_LEN];

		util_strscpy(alloc, ee->allocation_id, sizeof(alloc));
		ip_str(ee->public_ip, eip);
		if (model_op_associate_address(m, ctx, alloc, insts[0].eni_id, NULL, 0, false, assoc,
					       &err) < 0)
			DIE("AssociateAddress: %s", err.message);
	}
}

/* ---- main ------------------------------------------------------------------------ */

static struct eng_gen *compile(const struct model *m)
{
	struct eng_gen *g;
	int r = eng_compile(m, &g);

	if (r < 0)
		DIE("eng_compile: %s", strerror(-r));
	return g;
}

static void plumb_instance(const char *fab, struct inst *in)
{
	char ipb[NET_IP4_STRLEN], gw[NET_IP4_STRLEN], mac[18];
	int r;

	mac_str(in->mac, mac);
	snprintf(in->fab_if, sizeof(in->fab_if), "f%s", in->tag);
	if (sh("ip netns add %s", in->ns) != 0 ||
	    sh("ip -n %s link add %s mtu 9001 type veth peer name eth0 netns %s mtu 9001", fab,
	       in->fab_if, in->ns) != 0 ||
	    sh("ip -n %s link set eth0 address %s", in->ns, mac) != 0 ||
	    sh("ip -n %s addr add %s/%u dev eth0", in->ns, ip_str(in->ip, ipb), in->subnet.len) != 0 ||
	    sh("ip -n %s link set lo up", in->ns) != 0 ||
	    sh("ip -n %s link set eth0 up", in->ns) != 0 ||
	    sh("ip -n %s link set %s up", fab, in->fab_if) != 0 ||
	    sh("ip -n %s route add default via %s", in->ns, ip_str(in->subnet.addr + 1, gw)) != 0)
		DIE("plumbing %s failed", in->tag);
	if (offloads_off) {
		r = in_ns(in->ns, do_no_offload, "eth0");
		if (r < 0)
			DIE("offloads off in %s: %s", in->ns, strerror(-r));
	}
	in->fab_ifindex = in_ns(fab, do_ifindex, in->fab_if);
	if (in->fab_ifindex <= 0)
		DIE("ifindex of %s", in->fab_if);
}

static void run_bench(struct inst *a, struct inst *b, struct inst *c)
{
	char ipb[NET_IP4_STRLEN];
	struct inst *to[2] = {b, c};

	for (int i = 0; i < 2; i++) {
		ip_str(to[i]->ip, ipb);
		printf("== ping RTT %s -> %s, 20 x 50 ms\n", a->tag, to[i]->tag);
		fflush(stdout);
		sh("ip netns exec %s ping -q -c 20 -i 0.05 %s 2>&1 | tail -1", a->ns, ipb);
		printf("== iperf3 TCP %s -> %s (%s subnet), 5 s\n", a->tag, to[i]->tag,
		       i == 0 ? "same" : "other");
		fflush(stdout);
		sh("ip netns exec %s iperf3 -s -1 -D -p 5201 >/dev/null 2>&1; sleep 0.5", to[i]->ns);
		sh("ip netns exec %s iperf3 -c %s -p 5201 -t 5 -f m 2>&1 | grep -E 'sender|receiver'",
		   a->ns, ipb);
		printf("== iperf3 UDP 64-byte %s -> %s, unlimited rate, 5 s\n", a->tag, to[i]->tag);
		fflush(stdout);
		sh("ip netns exec %s iperf3 -s -1 -D -p 5201 >/dev/null 2>&1; sleep 0.5", to[i]->ns);
		sh("ip netns exec %s iperf3 -c %s -p 5201 -u -l 64 -b 0 -t 5 -f m 2>&1 | "
		   "grep -E 'sender|receiver|datagrams'",
		   a->ns, ipb);
	}
}

int main(int argc, char **argv)
{
	bool bench = false;
	struct inst insts[3] = {{.tag = "a"}, {.tag = "b"}, {.tag = "c"}};
	struct inst *A = &insts[0], *B = &insts[1], *C = &insts[2];
	char fab[64], inet[64], svc[64], path[128], sg_id[MODEL_ID_LEN], eip_s[NET_IP4_STRLEN];
	char ipb[NET_IP4_STRLEN], mac[18];
	struct model *m;
	struct model_ctx ctx;
	struct util_rng rng;
	struct eng_gen *gen;
	struct eng_state *st;
	struct fabric_dp_config cfg;
	struct fabric_dp *dp;
	struct fabric_dp_port ports[5];
	struct fabric_dp_stats s0, s1;
	uint32_t eip, inet_ip;
	uint8_t inet_mac[6];
	int nsfd, r, fd, fd_keep;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--bench") == 0)
			bench = true;
		else if (strcmp(argv[i], "--offloads-off") == 0)
			offloads_off = true;
		else if (strcmp(argv[i], "--no-gso-guard") == 0)
			gso_guard = false;
		else if (strcmp(argv[i], "--gso-passthrough") == 0)
			gso_passthrough = true, gso_guard = false;
		else
			DIE("usage: %s [--bench] [--offloads-off] [--no-gso-guard] [--gso-passthrough]",
			    argv[0]);
	}
	if (geteuid() != 0) {
		fprintf(stderr, "test-dp-live: needs root (network namespaces); skipped\n");
		return 77;
	}
	snprintf(prefix, sizeof(prefix), "ovd%d-", (int)getpid());
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	util_rng_seed(&rng, 42);
	model_ctx_init(&ctx, "us-east-1", &rng);
	ctx.now = 1700000000;
	m = model_new("123456789012", "us-east-1");
	if (!m)
		DIE("model_new");
	model_setup(m, &ctx, insts, sg_id, eip_s, bench);
	net_ip4_parse(eip_s, &eip);
	net_ip4_parse("203.0.113.10", &inet_ip);

	ns_name(fab, sizeof(fab), "fab");
	ns_name(inet, sizeof(inet), "inet");
	if (sh("ip netns add %s", fab) != 0)
		DIE("ip netns add %s", fab);
	for (int i = 0; i < 3; i++) {
		ns_name(insts[i].ns, sizeof(insts[i].ns), insts[i].tag);
		plumb_instance(fab, &insts[i]);
	}
	/* The internet namespace: 203.0.113.10/24, routes to the public pool via the fabric. */
	if (sh("ip netns add %s", inet) != 0 ||
	    sh("ip -n %s link add fi type veth peer name eth0 netns %s", fab, inet) != 0 ||
	    sh("ip -n %s addr add 203.0.113.10/24 dev eth0", inet) != 0 ||
	    sh("ip -n %s link set eth0 up", inet) != 0 || sh("ip -n %s link set lo up", inet) != 0 ||
	    sh("ip -n %s link set fi up", fab) != 0 ||
	    sh("ip -n %s route add 198.51.100.0/24 via 203.0.113.1 dev eth0", inet) != 0)
		DIE("internet namespace");
	if (offloads_off && in_ns(inet, do_no_offload, "eth0") < 0)
		DIE("offloads off in %s", inet);
	/* The service namespace: IMDS's address, the service pool on-link. */
	ns_name(svc, sizeof(svc), "svc");
	if (sh("ip netns add %s", svc) != 0 ||
	    sh("ip -n %s link add fs type veth peer name eth0 netns %s", fab, svc) != 0 ||
	    sh("ip -n %s addr add 169.254.169.254/32 dev eth0", svc) != 0 ||
	    sh("ip -n %s link set eth0 up", svc) != 0 || sh("ip -n %s link set lo up", svc) != 0 ||
	    sh("ip -n %s link set fs up", fab) != 0 ||
	    sh("ip -n %s route add 169.254.0.0/17 dev eth0", svc) != 0)
		DIE("service namespace");

	/* The engine and the data path. */
	gen = compile(m);
	st = eng_state_new(NULL);
	if (!st)
		DIE("eng_state_new");
	fabric_dp_config_default(&cfg);
	snprintf(path, sizeof(path), "/run/netns/%s", fab);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		DIE("open %s", path);
	cfg.netns_fd = nsfd;
	cfg.gso_guard = gso_guard;
	cfg.gso_passthrough = gso_passthrough;
	if (fabric_dp_new(&cfg, st, &dp) < 0)
		DIE("fabric_dp_new");
	memset(ports, 0, sizeof(ports));
	for (int i = 0; i < 3; i++) {
		ports[i].kind = FABRIC_DP_PORT_ENI;
		util_strscpy(ports[i].id, insts[i].eni_id, MODEL_ID_LEN);
		ports[i].ifindex = insts[i].fab_ifindex;
		memcpy(ports[i].mac, insts[i].mac, 6);
		ports[i].subnet = insts[i].subnet;
	}
	ports[3].kind = FABRIC_DP_PORT_IGW;
	util_strscpy(ports[3].id, eng_gen_igw_id(gen, 0), MODEL_ID_LEN);
	ports[3].ifindex = in_ns(fab, do_ifindex, "fi");
	/* ports[3].mac left zero: learned from the internet side */
	ports[4].kind = FABRIC_DP_PORT_SERVICE;
	util_strscpy(ports[4].id, "svc", MODEL_ID_LEN);
	ports[4].ifindex = in_ns(fab, do_ifindex, "fs");
	{
		struct mac_args ma = {.ifname = "eth0"};

		if (in_ns(svc, do_getmac, &ma) < 0)
			DIE("service MAC");
		memcpy(ports[4].mac, ma.mac, 6); /* configured, not learned */
	}
	CHECK(fabric_dp_set_ports(dp, ports, 5) == 0, "set_ports before start");
	fabric_dp_publish(dp, gen);
	r = fabric_dp_start(dp);
	if (r < 0)
		DIE("fabric_dp_start: %s", strerror(-r));
	close(nsfd);
	CHECK(fabric_dp_stats(dp, &s0) == 0 && s0.ports_open == 5 && s0.generations == 1,
	      "5 ports open, 1 generation (got %zu, %llu)", s0.ports_open,
	      (unsigned long long)s0.generations);
	CHECK(s0.ports_gso_guarded == (gso_guard ? 5u : 0u), "XDP GSO guard on every port (%zu)",
	      s0.ports_gso_guarded);
	CHECK(fabric_dp_set_ports(dp, ports, 5) == 0, "set_ports again (no change) while running");
	{
		struct fabric_dp_port dup[2] = {ports[0], ports[0]};

		CHECK(fabric_dp_set_ports(dp, dup, 2) == -EINVAL, "duplicate port rejected");
	}

	/* ---- ARP ---- */
	{
		struct arp_probe p = {.spa = A->ip, .tpa = A->subnet.addr + 1, .timeout_ms = 2000};
		struct { const char *ns; struct arp_watch w; } watch = {.ns = B->ns, .w = {.ms = 1500}};
		pthread_t wt;
		static const uint8_t router[6] = {0x02, 0x76, 0x70, 0x63, 0x00, 0x01};

		memcpy(watch.w.mac, A->mac, 6);
		pthread_create(&wt, NULL, arp_watch_thread, &watch);
		usleep(200 * 1000);
		memcpy(p.mac, A->mac, 6);
		r = in_ns(A->ns, do_arp_probe, &p);
		CHECK(r == 0, "ARP for the router answered (%s)", strerror(-r));
		mac_str(p.ret_mac, mac);
		CHECK(r == 0 && memcmp(p.ret_mac, router, 6) == 0, "router MAC %s", mac);
		p.tpa = B->ip;
		r = in_ns(A->ns, do_arp_probe, &p);
		CHECK(r == 0 && memcmp(p.ret_mac, B->mac, 6) == 0,
		      "ARP for a neighbour ENI answered with its MAC (%d)", r);
		p.tpa = A->subnet.addr + 77;
		r = in_ns(A->ns, do_arp_probe, &p);
		CHECK(r == 0 && memcmp(p.ret_mac, router, 6) == 0,
		      "ARP for an unused address of the subnet answered by the router (%d)", r);
		p.tpa = C->ip; /* other subnet: the instance would never ask; not answered */
		p.timeout_ms = 500;
		r = in_ns(A->ns, do_arp_probe, &p);
		CHECK(r == -ETIMEDOUT, "ARP for an off-subnet address not answered (%d)", r);
		pthread_join(wt, NULL);
		CHECK(watch.w.seen == 0, "A's ARP requests never reach B (%d seen)", watch.w.seen);
	}

	/* ---- ping and TCP ---- */
	start_echo(B->ns, 8080);
	start_echo(B->ns, 9090);
	start_echo(C->ns, 8080);
	start_echo(A->ns, 8081);
	CHECK(ping(A->ns, B->ip, 3000), "ping A -> B (same subnet)");
	CHECK(ping(A->ns, C->ip, 3000), "ping A -> C (across subnets)");
	CHECK(ping(C->ns, B->ip, 3000), "ping C -> B (across subnets)");
	CHECK(ping(A->ns, A->subnet.addr + 1, 1000) == false, "the router does not answer ping");

	fd = tcp_connect(A->ns, B->ip, 8080, 3000);
	CHECK(fd >= 0 && echo_ok(fd, "hello B", 2000), "TCP A -> B:8080 (%d)", fd);
	if (fd >= 0)
		close(fd);
	fd = tcp_connect(A->ns, C->ip, 8080, 3000);
	CHECK(fd >= 0 && echo_ok(fd, "hello C", 2000), "TCP A -> C:8080 across subnets (%d)", fd);
	CHECK(fd >= 0 && bulk_ok(fd, 4 << 20, 10000), "4 MiB echoed A -> C -> A intact");
	if (fd >= 0)
		close(fd);
	fabric_dp_stats(dp, &s0);
	fd = tcp_connect(A->ns, B->ip, 9090, 1500);
	CHECK(fd == -ETIMEDOUT, "TCP A -> B:9090 blocked by the SG (%d)", fd);
	if (fd >= 0)
		close(fd);
	fabric_dp_stats(dp, &s1);
	CHECK(s1.eng.drops[ENG_DROP_SG_INGRESS] > s0.eng.drops[ENG_DROP_SG_INGRESS],
	      "the SYN to 9090 counted as an SG ingress drop");

	/* A learnt B's own MAC (layer 2 in the subnet), not the router's. */
	mac_str(B->mac, mac);
	CHECK(sh("ip -n %s neigh show %s | grep -q %s", A->ns, ip_str(B->ip, ipb), mac) == 0,
	      "A's neighbour entry for B holds B's MAC %s", mac);

	/* ---- internet through the IGW ---- */
	fd = tcp_connect(inet, eip, 8081, 3000);
	CHECK(fd >= 0 && echo_ok(fd, "from the internet", 2000),
	      "TCP internet -> A's Elastic IP %s:8081 (%d)", eip_s, fd);
	if (fd >= 0)
		close(fd);
	start_echo(inet, 7000);
	fd = tcp_connect(A->ns, inet_ip, 7000, 3000);
	CHECK(fd >= 0 && echo_ok(fd, "to the internet", 2000), "TCP A -> internet 203.0.113.10 (%d)",
	      fd);
	if (fd >= 0)
		close(fd);
	fd = tcp_connect(inet, eip, 8080, 1500);
	CHECK(fd == -ETIMEDOUT, "internet -> EIP:8080 blocked (SG allows 8080 from the VPC only)");
	if (fd >= 0)
		close(fd);
	(void)inet_mac;

	/* ---- the service namespace answers IMDS's address, knowing who asks ---- */
	{
		int lfd = ns_socket(svc, AF_INET, SOCK_STREAM, 0), one = 1, cfd = -1;
		struct sockaddr_in la = {.sin_family = AF_INET, .sin_port = htons(80)}, peer;
		socklen_t pl = sizeof(peer);
		char eni[MODEL_ID_LEN] = "", buf[16] = "";
		uint32_t who = 0, imds;
		struct pollfd pfd;

		net_ip4_parse("169.254.169.254", &imds);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&la, sizeof(la)) < 0 || listen(lfd, 4) < 0)
			DIE("service listen");
		fd = tcp_connect(A->ns, imds, 80, 3000);
		CHECK(fd >= 0, "TCP A -> 169.254.169.254:80 reaches the service namespace (%d)", fd);
		pfd.fd = lfd;
		pfd.events = POLLIN;
		if (fd >= 0 && poll(&pfd, 1, 2000) == 1)
			cfd = accept(lfd, (struct sockaddr *)&peer, &pl);
		CHECK(cfd >= 0, "service accepted");
		if (cfd >= 0) {
			r = fabric_dp_service_peer(dp, ntohl(peer.sin_addr.s_addr), eni, &who);
			CHECK(r == 0 && strcmp(eni, A->eni_id) == 0 && who == A->ip,
			      "the service knows the request came from A's ENI and address (%d %s)", r,
			      eni);
			CHECK(send(fd, "meta", 4, 0) == 4 && recv(cfd, buf, sizeof(buf), 0) == 4 &&
				      send(cfd, "data", 4, 0) == 4,
			      "request reaches the service");
			pfd.fd = fd;
			memset(buf, 0, sizeof(buf));
			CHECK(poll(&pfd, 1, 2000) == 1 && recv(fd, buf, sizeof(buf), 0) == 4 &&
				      memcmp(buf, "data", 4) == 0,
			      "the answer comes back to A");
			close(cfd);
		}
		if (fd >= 0)
			close(fd);
		close(lfd);
	}

	/* ---- a new generation keeps established flows ---- */
	fd_keep = tcp_connect(A->ns, B->ip, 8080, 3000);
	CHECK(fd_keep >= 0 && echo_ok(fd_keep, "before", 2000), "established A -> B:8080");
	{
		struct model_sg_rule_spec spec;
		struct net_cidr4 vpc_cidr;
		struct model_err err;
		struct eng_gen *g2;

		net_cidr4_parse("10.0.0.0/16", &vpc_cidr);
		spec = tcp_spec(8080, vpc_cidr);
		r = model_op_revoke_security_group_ingress(m, &ctx, sg_id, &spec, 1, NULL, 0, NULL, NULL,
							   &err);
		CHECK(r == 0, "revoke tcp 8080: %s", r ? err.message : "");
		g2 = compile(m);
		fabric_dp_publish(dp, g2);
		eng_gen_unref(g2);
		fabric_dp_stats(dp, &s1);
		CHECK(s1.generations == 2, "second generation adopted (%llu)",
		      (unsigned long long)s1.generations);
	}
	CHECK(fd_keep >= 0 && echo_ok(fd_keep, "after the change", 2000),
	      "established connection survives the new generation");
	fd = tcp_connect(A->ns, B->ip, 8080, 1500);
	CHECK(fd == -ETIMEDOUT, "a new connection to 8080 is blocked (%d)", fd);
	if (fd >= 0)
		close(fd);
	CHECK(fd_keep >= 0 && echo_ok(fd_keep, "still there", 2000),
	      "established connection still works");
	if (fd_keep >= 0)
		close(fd_keep);
	CHECK(ping(A->ns, C->ip, 3000), "ping still allowed after the change");

	/* Stop and start again: same namespace (the caller's fd is long closed), same ports. */
	fabric_dp_stop(dp);
	CHECK(ping(A->ns, C->ip, 1000) == false, "nothing forwards while stopped");
	r = fabric_dp_start(dp);
	CHECK(r == 0, "restart (%d)", r);
	CHECK(fabric_dp_stats(dp, &s1) == 0 && s1.ports_open == 5, "5 ports open after restart");
	CHECK(ping(A->ns, C->ip, 3000), "ping after the restart");

	fabric_dp_stats(dp, &s1);
	printf("data path: rx %llu tx %llu arp %llu/%llu delivered %llu internet %llu "
	       "drops engine %llu no_port %llu other %llu truncated %llu tx_full %llu\n",
	       (unsigned long long)s1.rx_frames, (unsigned long long)s1.tx_frames,
	       (unsigned long long)s1.arp_replies, (unsigned long long)s1.arp_requests,
	       (unsigned long long)s1.delivered, (unsigned long long)s1.to_internet,
	       (unsigned long long)s1.drop_engine, (unsigned long long)s1.drop_no_port,
	       (unsigned long long)s1.drop_other, (unsigned long long)s1.drop_truncated,
	       (unsigned long long)s1.drop_tx_full);
	CHECK(s1.drop_truncated == 0, "no truncated frames");

	if (bench) {
		struct model_err err;
		struct model_sg_rule_spec spec;
		struct net_cidr4 vpc_cidr;
		struct eng_gen *g3;

		net_cidr4_parse("10.0.0.0/16", &vpc_cidr);
		spec = tcp_spec(8080, vpc_cidr);
		model_op_authorize_security_group_ingress(m, &ctx, sg_id, &spec, 1, NULL, &err);
		g3 = compile(m);
		fabric_dp_publish(dp, g3);
		eng_gen_unref(g3);
		run_bench(A, B, C);
		fabric_dp_stats(dp, &s1);
		printf("after bench: rx %llu tx %llu drops engine %llu truncated %llu tx_full %llu "
		       "rx_ring %llu\n",
		       (unsigned long long)s1.rx_frames, (unsigned long long)s1.tx_frames,
		       (unsigned long long)s1.drop_engine, (unsigned long long)s1.drop_truncated,
		       (unsigned long long)s1.drop_tx_full, (unsigned long long)s1.drop_rx_ring);
	}

	fabric_dp_free(dp);
	eng_state_free(st);
	eng_gen_unref(gen);
	model_free(m);
	printf("test-dp-live: %d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
