/*
 * plumb-private: the desired state plumb computes from the model, shared by
 * plumb-desired.c (pure: no kernel access, unit-tested without root) and
 * plumb.c (which makes the kernel match it).
 */
#ifndef OPENVPC_FABRIC_PLUMB_PRIVATE_H
#define OPENVPC_FABRIC_PLUMB_PRIVATE_H

#include <sys/types.h>

#include "fabric/netns.h"
#include "fabric/plumb.h"

struct plumb {
	char ns_prefix[PLUMB_NS_PREFIX_MAX + 1];
	char link_prefix[PLUMB_LINK_PREFIX_MAX + 1];
	char fabric_ns[NETNS_NAME_MAX + 1];
	unsigned mtu;
};

/* A namespace the model wants: one per pending or running instance. */
struct plumb_want_ns {
	char name[NETNS_NAME_MAX + 1];
	const struct model_instance *inst;
	/* Its resolv.conf (the VPC's DHCP options), "" when unknown. */
	char resolv_conf[640];
};

/* A veth pair the model wants: one per ENI attached to a wanted instance. */
struct plumb_want_port {
	size_t ns;		   /* index into plumb_desired.ns */
	const struct model_eni *eni;
	const struct model_subnet *subnet;
	char eth_name[IF_NAMESIZE]; /* "eth" + device index */
	uint8_t mac[6];
	uint32_t ip;		   /* primary private IP, host order */
	uint8_t prefix_len;	   /* the subnet's */
	uint32_t router;	   /* the subnet's .1 */
};

struct plumb_desired {
	struct plumb_want_ns *ns; /* sorted by name */
	size_t n_ns;
	struct plumb_want_port *ports; /* sorted by ENI ID */
	size_t n_ports;
	unsigned skipped;	/* attached ENIs that cannot be plumbed */
};

/* Compute the desired state.  0 or -ENOMEM; free with plumb_desired_done. */
int plumb_desired_compute(const struct plumb *p, const struct model *m, struct plumb_desired *ret);
void plumb_desired_done(struct plumb_desired *d);
/* The wanted port of an ENI, or NULL. */
const struct plumb_want_port *plumb_desired_port(const struct plumb_desired *d, const char *eni_id);
/* Index of the wanted namespace called name, or -1. */
ssize_t plumb_desired_ns(const struct plumb_desired *d, const char *name);

/* "0a:1b:2c:3d:4e:5f" to bytes.  0 or -EINVAL. */
int plumb_mac_parse(const char *s, uint8_t ret_mac[6]);
/*
 * Fabric-side name for an ENI: link_prefix + lowercase hex of the FNV-1a hash
 * of eni_id (and salt, when non-zero), IF_NAMESIZE - 1 characters in all.
 */
void plumb_link_name(const char *link_prefix, const char *eni_id, unsigned salt,
		     char buf[IF_NAMESIZE]);
/* Is name an instance namespace under ns_prefix (ns_prefix + "i-" + hex digits)? */
bool plumb_is_instance_ns(const char *ns_prefix, const char *name);

#endif
