/*
 * dp-xdp: a pass-through XDP program on a fabric-side veth end, so that the
 * instance side stops handing the data path TSO/GSO super-frames.
 *
 * Why.  An instance's TCP stack sends up to 64 KiB per frame through a veth
 * that keeps TSO on (the default); the data path reads frames of at most one
 * ring frame and would drop those.  The veth driver clears the software GSO
 * features of a veth whose peer has an XDP program (veth_xdp_set), so one
 * XDP_PASS program on the fabric-side end makes the instance segment in its
 * own kernel, without entering its namespace or trusting its settings.  The
 * program is loaded with BPF_F_XDP_HAS_FRAGS so that a 9001-byte MTU stays
 * allowed.  It is attached through a BPF link: closing the returned fd
 * detaches it, so its lifetime is the port's.
 *
 * Runs in the calling thread's namespace (the data-path thread, inside the
 * fabric's).  Nothing here logs.
 */
#ifndef OPENVPC_FABRIC_DP_XDP_H
#define OPENVPC_FABRIC_DP_XDP_H

/*
 * Attach the pass-through program to ifindex, which must be a veth (any
 * other device: -EOPNOTSUPP, nothing attached): the link fd (close it to
 * detach), or a negative errno (-EPERM without CAP_BPF/CAP_NET_ADMIN,
 * -EOPNOTSUPP / -EINVAL where XDP or the link type is missing, -EBUSY when
 * another program is attached).
 */
int dp_xdp_pass_attach(int ifindex);

#endif
