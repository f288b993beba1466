/*
 * plumb: instances as network namespaces, ENIs as veth pairs, kept in step
 * with the model.
 *
 * What it builds.  For every instance of the model that is pending or
 * running, a named network namespace (netns.h) called ns_prefix + instance ID.
 * For every ENI attached to such an instance, a veth pair:
 *
 *     instance namespace                      fabric namespace (cfg.fabric_ns)
 *   +----------------------------+          +-------------------------------+
 *   | ethN  (N = device index)   |<-------->| <link_prefix><hash of ENI ID> |
 *   |  MAC = the ENI's MAC       |   veth   |  no address, no IPv6 LL       |
 *   |  primary private IP/len    |          |  frames read and written by   |
 *   |  alias = ENI ID            |          |  the data path; alias = ENI ID|
 *   +----------------------------+          +-------------------------------+
 *
 * Inside the instance, as the instance's agent would at boot on AWS: `lo` up,
 * ethN up with MTU cfg.mtu (9001, the MTU of AWS instances inside a VPC) and
 * only the ENI's primary private IPv4 with the subnet's prefix length (the
 * kernel adds the connected subnet route); and, in the main table, when it has
 * no default route yet, `default via <subnet .1> dev eth0 proto dhcp`, as the
 * DHCP client does.  Secondary private IPs and delegated prefixes are not
 * configured on ethN, as on AWS, where the OS does not add them by itself:
 * the fabric routes them to the ENI (they are in the model), so software in
 * the instance may add them to ethN, or use them for pods behind it, and they
 * work.  Unassigning them makes the fabric stop delivering them; plumb never
 * removes an address or a route the instance added.
 *
 * Naming.  IFNAMSIZ is 16 and ENI IDs are longer, so the fabric-side name is
 * link_prefix followed by hex digits of a 64-bit FNV-1a hash of the ENI ID
 * (15 characters in all; on a clash with another link, the next salt is
 * tried).  The ENI ID is stored in IFLA_IFALIAS on both ends: the alias, not
 * the name, is the mapping, so adoption after a restart finds each ENI's pair
 * whatever its name.  Nothing is ever created in the caller's namespace;
 * every netlink request runs on a socket opened inside the namespace it
 * concerns (netns_nl_socket).
 *
 * Ownership of kernel objects.  plumb considers as its own, and may delete:
 * namespaces named ns_prefix + "i-" + hex digits; in the fabric namespace,
 * links whose name starts with link_prefix; inside an instance namespace,
 * links whose alias starts with "eni-".  Anything else (links a CNI plugin
 * creates inside an instance, addresses and routes the instance adds) is left
 * alone.
 *
 * Reconcile.  plumb_reconcile() computes the desired state from the model and
 * changes the kernel to match: it creates what is missing, removes what it
 * owns and the model no longer wants (a terminated or stopped instance, a
 * detached ENI), repairs what drifted (a link down, a missing primary address
 * or default route), and leaves alone what matches.  The counts it returns
 * say which; a second reconcile of the same model reports only "unchanged".
 * An error on one ENI does not stop the others: it is counted, the first one
 * is reported in counts.first_error, and that ENI is missing from the port
 * table.
 *
 * The port table is the data path's view: a pair that had to be created again
 * has a new fabric-side ifindex (and maybe a new name), so the data path
 * compares each new table with the previous one and reopens what changed.
 *
 * Threading: a struct plumb is not thread-safe; vpcd calls it from the thread
 * that owns the model.  Nothing here logs.
 */
#ifndef OPENVPC_FABRIC_PLUMB_H
#define OPENVPC_FABRIC_PLUMB_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/model/model.h"

#define PLUMB_DEFAULT_MTU 9001
/* What vpcd uses unless configured otherwise (tests use their own per-run names). */
#define PLUMB_DEFAULT_LINK_PREFIX "ovp"
#define PLUMB_DEFAULT_FABRIC_NS "openvpc-fabric"
#define PLUMB_LINK_PREFIX_MAX 7 /* leaves at least 8 hex digits of hash */
#define PLUMB_NS_PREFIX_MAX 64

struct plumb_config {
	/* Instance namespace name = ns_prefix + instance ID.  "" (or NULL) in vpcd. */
	const char *ns_prefix;
	/* First characters of every fabric-side link name, 1..PLUMB_LINK_PREFIX_MAX. */
	const char *link_prefix;
	/* Name of the fabric namespace; created when missing. */
	const char *fabric_ns;
	/* MTU of both ends of every pair; 0 = PLUMB_DEFAULT_MTU. */
	unsigned mtu;
};

/* One ENI as the data path sees it: the port table row. */
struct fabric_port {
	char eni_id[MODEL_ID_LEN];
	char instance_id[MODEL_ID_LEN];
	char subnet_id[MODEL_ID_LEN];
	char vpc_id[MODEL_ID_LEN];
	int device_index;
	int ifindex;		  /* fabric-side end, in the fabric namespace */
	char ifname[IF_NAMESIZE]; /* fabric-side end */
	uint8_t mac[6];		  /* instance-side end: the ENI's MAC */
	uint32_t primary_ip;	  /* host order */
	struct net_cidr4 subnet_cidr; /* the subnet's IPv4 block (its .1 is the router) */
};

struct plumb_counts {
	bool fabric_ns_created;
	unsigned ns_created, ns_removed, ns_unchanged;
	unsigned ports_created, ports_removed, ports_updated, ports_unchanged;
	unsigned ports_skipped; /* ENIs the model cannot plumb (bad MAC, no subnet, ...) */
	unsigned errors;	/* ENIs or namespaces that failed */
	int first_error;	/* negative errno of the first failure, 0 when none */
};

struct plumb;

/*
 * Validate and copy the configuration.  0, -EINVAL (bad prefix or names), or
 * -ENOMEM; *ret written only on success.  Touches no kernel state.
 */
int plumb_new(const struct plumb_config *cfg, struct plumb **ret);
/* Accepts NULL; returns NULL.  Leaves the kernel state as it is. */
struct plumb *plumb_free(struct plumb *p);

/*
 * Make the namespaces and links match the model (see above).  Returns 0 when
 * the reconcile ran (check counts.errors for per-ENI failures) or a negative
 * errno when it could not run at all (the fabric namespace cannot be created
 * or entered, out of memory).  On 0, *ret_counts (optional) is filled and
 * *ret_ports (optional, with *ret_n_ports) receives a heap array of the ENIs
 * plumbed, sorted by ENI ID, owned by the caller (free with fabric_ports_free).
 */
int plumb_reconcile(struct plumb *p, const struct model *m, struct plumb_counts *ret_counts,
		    struct fabric_port **ret_ports, size_t *ret_n_ports);

/*
 * A 64-bit digest of what the model asks of plumb (the namespaces, and per
 * pair: ENI, namespace, ethN, MAC, primary IP, subnet): equal digests mean a
 * reconcile would build the same thing, so vpcd may skip reconciling after a
 * model change that leaves the digest as it was (tags, security groups,
 * routes...).  Drift in the kernel is not seen by it: reconcile now and then
 * regardless.  0 when the model cannot be read (out of memory).
 */
uint64_t plumb_model_digest(const struct plumb *p, const struct model *m);

/*
 * Remove everything plumb owns under this configuration: the fabric-side
 * links, the instance namespaces and the fabric namespace.  0 or the first
 * negative errno (it carries on after a failure); *ret_counts optional.
 */
int plumb_teardown(struct plumb *p, struct plumb_counts *ret_counts);

/* The namespace name of an instance under this configuration.  0 or -ENAMETOOLONG. */
int plumb_instance_ns_name(const struct plumb *p, const char *instance_id, char *buf,
			   size_t size);
/* The fabric namespace's name (borrowed from the plumb). */
const char *plumb_fabric_ns(const struct plumb *p);

/* Accepts NULL. */
void fabric_ports_free(struct fabric_port *ports);

#endif
