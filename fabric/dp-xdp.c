/*
 * dp-xdp: load `return XDP_PASS` and link it to a device (see dp-xdp.h).
 */
#include "fabric/dp-xdp.h"

#include <errno.h>
#include <linux/bpf.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(__NR_bpf, cmd, attr, sizeof(*attr));

	return r < 0 ? -errno : (int)r;
}

/* 1 when ifindex (calling thread's namespace) is a veth, 0 when not, or -errno. */
static int is_veth(int ifindex)
{
	struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
	struct ifreq ifr = {0};
	int fd, r;

	if (!if_indextoname((unsigned)ifindex, ifr.ifr_name))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ifr.ifr_data = (void *)&info;
	r = ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : strcmp(info.driver, "veth") == 0;
	close(fd);
	return r;
}

int dp_xdp_pass_attach(int ifindex)
{
	/* r0 = XDP_PASS; exit */
	struct bpf_insn prog[2] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};
	static const char license[] = "GPL";
	union bpf_attr attr;
	int prog_fd, link_fd;

	if (ifindex <= 0)
		return -EINVAL;
	/* Only veth ends: never a program on any other device. */
	prog_fd = is_veth(ifindex);
	if (prog_fd <= 0)
		return prog_fd < 0 ? prog_fd : -EOPNOTSUPP;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.insns = (uint64_t)(uintptr_t)prog;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t)license;
	attr.prog_flags = BPF_F_XDP_HAS_FRAGS;
	memcpy(attr.prog_name, "ovpc_pass", sizeof("ovpc_pass"));
	prog_fd = bpf(BPF_PROG_LOAD, &attr);
	if (prog_fd < 0)
		return prog_fd;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = (uint32_t)prog_fd;
	attr.link_create.target_ifindex = (uint32_t)ifindex;
	attr.link_create.attach_type = BPF_XDP;
	link_fd = bpf(BPF_LINK_CREATE, &attr);
	close(prog_fd); /* the link holds the program; bpf(2) fds are close-on-exec */
	return link_fd;
}
