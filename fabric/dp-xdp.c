/*
 * dp-xdp: load `return XDP_PASS` and link it to a device (see dp-xdp.h).
 */
#include "fabric/dp-xdp.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(__NR_bpf, cmd, attr, sizeof(*attr));

	return r < 0 ? -errno : (int)r;
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
