/*
 * ring: the AF_PACKET port backend on a real veth pair (root; every test
 * runs in a network namespace of its own, made with unshare(), which
 * disappears with the test's process: nothing is left behind and the root
 * namespace is never touched).
 *
 * Frames of mixed sizes go out of end ringa through the backend in each TX
 * mode and must arrive at end ringb whole and in order; frames sent from ringb
 * must come out of the backend's rx().  Test frames carry an experimental
 * ethertype so that the kernel's own traffic (IPv6 neighbour discovery) is
 * ignored.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef AF_XDP
#define AF_XDP 44
#endif
#include <arpa/inet.h>

#include "fabric/ring.h"

#define ETH_TEST 0x88b5 /* IEEE 802 local experimental ethertype */
#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

static int ifindex_a, ifindex_b;

static void setup(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root (a network namespace and a veth pair)");
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare: %s", strerror(errno));
	cr_assert_eq(system("ip link add name ringa type veth peer name ringb && "
			    "ip link set ringa mtu 9001 up && ip link set ringb mtu 9001 up"),
		     0);
	ifindex_a = (int)if_nametoindex("ringa");
	ifindex_b = (int)if_nametoindex("ringb");
	cr_assert(ifindex_a > 0 && ifindex_b > 0);
}

TestSuite(ring, .init = setup, .timeout = 60);

/* A plain packet socket on b: sees every frame arriving there. */
static int b_socket(void)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	int one = 1;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	cr_assert(fd >= 0);
	sll.sll_ifindex = ifindex_b;
	cr_assert_eq(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	cr_assert_eq(setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)), 0);
	return fd;
}

/* Frame number seq of len bytes: to ff:..., ethertype ETH_TEST, a pattern. */
static void fill(uint8_t *f, size_t len, uint32_t seq)
{
	memset(f, 0xff, 6);
	memcpy(f + 6, (const uint8_t[]){0x02, 0, 0, 0, 0, 0xa}, 6);
	f[12] = ETH_TEST >> 8;
	f[13] = ETH_TEST & 0xff;
	memcpy(f + 14, &seq, 4);
	for (size_t i = 18; i < len; i++)
		f[i] = (uint8_t)(seq * 31 + i);
}

/* Next test frame on fd within 2 s, its length in *len; false when none came. */
static bool next_test_frame(int fd, uint8_t *buf, size_t cap, size_t *len)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 2000) != 1)
			return false;
		n = recv(fd, buf, cap, 0);
		cr_assert(n >= 0);
		if (n >= 18 && buf[12] == ETH_TEST >> 8 && buf[13] == (ETH_TEST & 0xff)) {
			*len = (size_t)n;
			return true;
		}
	}
}

static const size_t sizes[] = {60, 1514, 60, 9014, 100, 3000, 64, 2048, 2049, 60, 9014, 9014, 64};
#define N_SIZES (sizeof(sizes) / sizeof(sizes[0]))

/* Send sizes[] (twice over, flushing after every fifth frame), check what b gets. */
static void send_and_check(enum dp_io_tx_mode mode)
{
	struct dp_io_config cfg;
	struct dp_io *io = NULL;
	static uint8_t want[16384], got[16384];
	int fd = b_socket();
	uint32_t seq = 0;

	ring_config_default(&cfg);
	cfg.tx_mode = mode;
	cr_assert_eq(ring_io_ops.open(ifindex_a, &cfg, &io), 0);
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < N_SIZES; i++) {
			size_t cap = 0;
			uint8_t *slot = ring_io_ops.tx_slot(io, &cap);

			cr_assert_not_null(slot, "mode %d frame %u: no TX buffer", mode, seq);
			cr_assert_geq(cap, sizes[i]);
			fill(slot, sizes[i], seq++);
			ring_io_ops.tx_commit(io, sizes[i], NULL);
			if (seq % 5 == 0)
				cr_assert_eq(ring_io_ops.tx_flush(io), 0);
		}
	}
	cr_assert_eq(ring_io_ops.tx_flush(io), 0);
	for (uint32_t s = 0; s < seq; s++) {
		size_t len = 0, n = sizes[s % N_SIZES];

		cr_assert(next_test_frame(fd, got, sizeof(got), &len), "mode %d: frame %u lost", mode,
			  s);
		fill(want, n, s);
		cr_assert_eq(len, n, "mode %d: frame %u is %zu bytes, sent %zu", mode, s, len, n);
		cr_assert_eq(memcmp(got, want, n), 0, "mode %d: frame %u differs (order?)", mode, s);
	}
	ring_io_ops.close(io);
	close(fd);
}

Test(ring, auto_mode_mixed_sizes_arrive_whole_and_in_order)
{
	send_and_check(DP_IO_TX_AUTO);
}

Test(ring, copy_mode_mixed_sizes_arrive_whole_and_in_order)
{
	send_and_check(DP_IO_TX_COPY);
}

Test(ring, ring_mode_mixed_sizes_arrive_whole_and_in_order)
{
	send_and_check(DP_IO_TX_RING);
}

/*
 * Auto mode sends small frames through AF_XDP (where the kernel has XDP
 * sockets): 1,000 of them, committed with a flush only every 300, so that
 * the queue fills while earlier buffers are still in flight and wraps
 * around several times; all must arrive, whole and in order.
 */
Test(ring, auto_mode_sends_small_frames_through_af_xdp_in_order)
{
	struct dp_io_config cfg;
	struct dp_io *io = NULL;
	static uint8_t want[128], got[16384];
	int fd = b_socket(), big = 16 << 20, probe = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (probe < 0)
		cr_skip_test("no AF_XDP sockets in this kernel (%s)", strerror(errno));
	close(probe);
	cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)), 0);
	ring_config_default(&cfg);
	cr_assert_eq(ring_io_ops.open(ifindex_a, &cfg, &io), 0);
	cr_assert_str_eq(ring_small_tx(io), "af_xdp");
	for (uint32_t seq = 0; seq < 1000; seq++) {
		size_t cap = 0, n = 60 + seq % 40;
		uint8_t *slot = ring_io_ops.tx_slot(io, &cap);

		cr_assert_not_null(slot, "frame %u: no TX buffer", seq);
		fill(slot, n, seq);
		ring_io_ops.tx_commit(io, n, NULL);
		if (seq % 300 == 299)
			cr_assert_eq(ring_io_ops.tx_flush(io), 0);
	}
	cr_assert_eq(ring_io_ops.tx_flush(io), 0);
	for (uint32_t seq = 0; seq < 1000; seq++) {
		size_t len = 0, n = 60 + seq % 40;

		cr_assert(next_test_frame(fd, got, sizeof(got), &len), "frame %u lost", seq);
		fill(want, n, seq);
		cr_assert_eq(len, n, "frame %u is %zu bytes, sent %zu", seq, len, n);
		cr_assert_eq(memcmp(got, want, n), 0, "frame %u differs (order?)", seq);
	}
	ring_io_ops.close(io);
	close(fd);
}

Test(ring, copy_and_ring_modes_do_not_use_af_xdp)
{
	struct dp_io_config cfg;
	struct dp_io *io = NULL;

	ring_config_default(&cfg);
	cfg.tx_mode = DP_IO_TX_COPY;
	cr_assert_eq(ring_io_ops.open(ifindex_a, &cfg, &io), 0);
	cr_assert_str_eq(ring_small_tx(io), "sendmmsg");
	ring_io_ops.close(io);
	cfg.tx_mode = DP_IO_TX_RING;
	cr_assert_eq(ring_io_ops.open(ifindex_a, &cfg, &io), 0);
	cr_assert_str_eq(ring_small_tx(io), "ring");
	ring_io_ops.close(io);
}

Test(ring, copy_queue_full_lends_nothing_until_flushed)
{
	struct dp_io_config cfg;
	struct dp_io *io = NULL;
	size_t cap;

	ring_config_default(&cfg);
	cfg.tx_mode = DP_IO_TX_COPY;
	cfg.tx_frame_nr = 4;
	cr_assert_eq(ring_io_ops.open(ifindex_a, &cfg, &io), 0);
	for (uint32_t i = 0; i < 4; i++) {
		uint8_t *slot = ring_io_ops.tx_slot(io, &cap);

		cr_assert_not_null(slot);
		fill(slot, 60, i);
		ring_io_ops.tx_commit(io, 60, NULL);
	}
	cr_assert_null(ring_io_ops.tx_slot(io, &cap));
	cr_assert_eq(ring_io_ops.tx_flush(io), 0);
	cr_assert_not_null(ring_io_ops.tx_slot(io, &cap));
	ring_io_ops.close(io);
}

Test(ring, copy_mode_with_offload_is_refused)
{
	struct dp_io_config cfg;
	struct dp_io *io = NULL;

	ring_config_default(&cfg);
	cfg.tx_mode = DP_IO_TX_COPY;
	cfg.offload = true;
	cr_assert_eq(ring_io_ops.open(ifindex_a, &cfg, &io), -EINVAL);
	cr_assert_null(io);
}

struct seen {
	uint32_t n;
	size_t len[64];
};

static void on_rx(void *userdata, uint8_t *frame, size_t len, unsigned flags,
		  const struct dp_io_offload *off)
{
	struct seen *s = userdata;
	uint8_t want[9014];
	uint32_t seq;

	(void)flags;
	cr_assert_null(off);
	if (len < 18 || frame[12] != ETH_TEST >> 8 || frame[13] != (ETH_TEST & 0xff))
		return;
	memcpy(&seq, frame + 14, 4);
	cr_assert_eq(seq, s->n, "received frame %u, expected %u", seq, s->n);
	cr_assert_leq(len, sizeof(want));
	fill(want, len, seq);
	cr_assert_eq(memcmp(frame, want, len), 0);
	s->len[s->n++] = len;
}

Test(ring, frames_from_the_peer_come_out_of_rx_and_own_frames_do_not)
{
	struct dp_io_config cfg;
	struct dp_io *io = NULL;
	struct seen s = {0};
	static uint8_t f[9014];
	int fd = b_socket();

	ring_config_default(&cfg);
	cr_assert_eq(ring_io_ops.open(ifindex_a, &cfg, &io), 0);
	/* Our own frames (copy queue and ring) must not come back in. */
	for (uint32_t i = 0; i < 2; i++) {
		size_t cap, n = i ? 9014 : 60;
		uint8_t *slot = ring_io_ops.tx_slot(io, &cap);

		cr_assert_not_null(slot);
		fill(slot, n, 1000 + i);
		ring_io_ops.tx_commit(io, n, NULL);
		cr_assert_eq(ring_io_ops.tx_flush(io), 0);
	}
	for (uint32_t i = 0; i < N_SIZES; i++) {
		fill(f, sizes[i], i);
		cr_assert_eq(send(fd, f, sizes[i], 0), (ssize_t)sizes[i]);
	}
	for (int tries = 0; tries < 200 && s.n < N_SIZES; tries++) {
		struct pollfd p = {.fd = ring_io_ops.fd(io), .events = POLLIN};

		poll(&p, 1, 10);
		ring_io_ops.rx(io, 1024, on_rx, &s);
	}
	cr_assert_eq(s.n, N_SIZES, "received %u of %zu frames", s.n, N_SIZES);
	for (uint32_t i = 0; i < N_SIZES; i++)
		cr_assert_eq(s.len[i], sizes[i]);
	cr_assert_eq(ring_io_ops.rx_dropped(io), 0);
	ring_io_ops.close(io);
	close(fd);
}
