/*
 * dns: the Amazon DNS server's UDP endpoint (see dns.h).
 *
 * The per-ENI limit counts queries in fixed one-second windows in an
 * open-addressing table keyed by ENI ID (DNS_RATE_SLOTS; when it is full, a
 * new ENI is not limited rather than refused).  Only the server thread
 * touches it.
 */
#include "fabric/dns.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fabric/dns-wire.h"
#include "lib/model/dns.h"
#include "lib/util/util.h"

#define DNS_RATE_SLOTS 16384u
#define DNS_MSG_MAX 4096

struct rate_slot {
	char eni_id[MODEL_ID_LEN]; /* "" = free */
	int64_t window;		   /* the second (now_ms / 1000) counted */
	uint32_t count;
};

struct dns_server {
	struct dns_server_config cfg;
	int stop_fd;
	pthread_t thread;
	struct rate_slot *slots;
	uint8_t buf[DNS_MSG_MAX]; /* the datagram being served */
	_Atomic uint64_t answered, dropped_rate, dropped_unknown, dropped_disabled,
	    dropped_malformed;
};

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t id_hash(const char *s)
{
	return (uint32_t)util_hash64(util_fnv1a_str(UTIL_FNV1A_INIT, s));
}

/* Whether one more query of eni_id fits in this second. */
static bool rate_ok(struct dns_server *s, const char *eni_id, int64_t now_ms)
{
	int64_t window = now_ms / 1000;

	for (uint32_t i = 0, h = id_hash(eni_id); i < DNS_RATE_SLOTS; i++) {
		struct rate_slot *r = &s->slots[(h + i) & (DNS_RATE_SLOTS - 1)];

		if (r->eni_id[0] && strcmp(r->eni_id, eni_id) != 0)
			continue;
		if (!r->eni_id[0]) {
			memcpy(r->eni_id, eni_id, MODEL_ID_LEN);
			r->window = window;
			r->count = 0;
		}
		if (r->window != window) {
			r->window = window;
			r->count = 0;
		}
		return ++r->count <= s->cfg.rate;
	}
	return true;
}

/* One query, across the with_model callback. */
struct query {
	const char *eni_id;
	const uint8_t *msg;
	size_t len;
	const struct model *m;
	const char *vpc_id;
	uint8_t *out;
	size_t out_len;
	int err;
};

static int resolve(void *ud, const char *qname, uint16_t qtype, struct model_dns_answer *ret)
{
	struct query *q = ud;

	return model_dns_resolve(q->m, q->vpc_id, qname, qtype, ret);
}

static void answer(void *ud, const struct model *m)
{
	struct query *q = ud;
	const struct model_eni *e = model_find_eni(m, q->eni_id);

	if (!e) {
		q->err = -ENOENT;
		return;
	}
	q->m = m;
	q->vpc_id = e->vpc_id;
	q->err = dns_wire_answer(q->msg, q->len, resolve, q, &q->out, &q->out_len);
}

static void serve_one(struct dns_server *s, const uint8_t *msg, size_t len,
		      const struct sockaddr_in *from, struct in_addr local)
{
	char eni_id[MODEL_ID_LEN];
	struct query q = {.eni_id = eni_id, .msg = msg, .len = len, .err = -ENOENT};

	if (s->cfg.who(s->cfg.userdata, ntohl(from->sin_addr.s_addr), eni_id) < 0) {
		s->dropped_unknown++;
		return;
	}
	if (!rate_ok(s, eni_id, s->cfg.now_ms())) {
		s->dropped_rate++;
		return;
	}
	if (s->cfg.with_model(s->cfg.userdata, answer, &q) < 0 || q.err == -ENOENT) {
		s->dropped_unknown++;
		return;
	}
	if (q.err < 0) {
		if (q.err == -EPERM)
			s->dropped_disabled++;
		else
			s->dropped_malformed++;
		return;
	}
	/* Reply from the address the query was sent to (base + 2 or 169.254.169.253). */
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} c = {0};
	struct iovec iov = {.iov_base = q.out, .iov_len = q.out_len};
	struct msghdr mh = {.msg_name = (void *)from, .msg_namelen = sizeof(*from),
			    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
			    .msg_controllen = sizeof(c.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	struct in_pktinfo pi = {.ipi_spec_dst = local};

	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	if (sendmsg(s->cfg.fd, &mh, MSG_DONTWAIT) >= 0)
		s->answered++;
	free(q.out);
}

static void *run(void *arg)
{
	struct dns_server *s = arg;
	uint8_t *buf = s->buf;
	struct pollfd pfd[2] = {{.fd = s->cfg.fd, .events = POLLIN},
				{.fd = s->stop_fd, .events = POLLIN}};

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		for (int batch = 0; batch < 64; batch++) {
			union {
				char b[CMSG_SPACE(sizeof(struct in_pktinfo))];
				struct cmsghdr align;
			} c;
			struct sockaddr_in from;
			struct iovec iov = {.iov_base = buf, .iov_len = DNS_MSG_MAX};
			struct msghdr mh = {.msg_name = &from, .msg_namelen = sizeof(from),
					    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b,
					    .msg_controllen = sizeof(c.b)};
			struct in_addr local = {0};
			ssize_t n = recvmsg(s->cfg.fd, &mh, MSG_DONTWAIT);

			if (n < 0)
				break;
			for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
				if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
					struct in_pktinfo pi;

					memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
					local = pi.ipi_addr;
				}
			if (mh.msg_flags & MSG_TRUNC || from.sin_family != AF_INET ||
			    local.s_addr == 0) {
				s->dropped_malformed++;
				continue;
			}
			serve_one(s, buf, (size_t)n, &from, local);
		}
	}
	return NULL;
}

int dns_server_start(const struct dns_server_config *cfg, struct dns_server **ret)
{
	struct dns_server *s;
	int one = 1, e;

	if (cfg->fd < 0 || !cfg->who || !cfg->with_model)
		return -EINVAL;
	if (setsockopt(cfg->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0)
		return -errno;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	if (!s->cfg.rate)
		s->cfg.rate = DNS_RATE_DEFAULT;
	if (!s->cfg.now_ms)
		s->cfg.now_ms = monotonic_ms;
	s->slots = calloc(DNS_RATE_SLOTS, sizeof(*s->slots));
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (!s->slots || s->stop_fd < 0) {
		e = s->slots ? -errno : -ENOMEM;
		goto fail;
	}
	if ((e = -pthread_create(&s->thread, NULL, run, s)) < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	free(s->slots);
	free(s);
	return e;
}

void dns_server_stats(struct dns_server *s, struct dns_server_stats *ret)
{
	*ret = (struct dns_server_stats){
	    .answered = s->answered,
	    .dropped_rate = s->dropped_rate,
	    .dropped_unknown = s->dropped_unknown,
	    .dropped_disabled = s->dropped_disabled,
	    .dropped_malformed = s->dropped_malformed,
	};
}

struct dns_server *dns_server_stop(struct dns_server *s)
{
	uint64_t one = 1;

	if (!s)
		return NULL;
	if (write(s->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(s->thread, NULL);
	close(s->stop_fd);
	close(s->cfg.fd);
	free(s->slots);
	free(s);
	return NULL;
}
