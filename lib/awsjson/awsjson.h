/*
 * awsjson: import the JSON that `aws ec2 describe-*` prints into a model.
 *
 * What it does.  Someone debugging a real VPC offline saves the output of
 * describe-vpcs, describe-subnets, describe-route-tables, ... into files and
 * points openvpc at them.  This module reads those documents (PascalCase keys,
 * exactly as the AWS CLI prints them) and fills a struct model with every
 * field the engine decides on: CIDRs, routes and their targets, security
 * group rules, NACL entries, ENIs and their addresses, instances, gateways,
 * Elastic IPs, VPN connections and prefix lists.  Fields that do not matter
 * to reachability (descriptions, timestamps, ...) and unknown keys are
 * ignored, so newer CLI versions keep working.
 *
 * Invariants.  A document is merged in full or the load fails: a malformed
 * value (a CIDR that does not parse, an ID with the wrong prefix, a string
 * where a list belongs) stops the load with an error naming the file, the
 * JSON path of the field ("RouteTables[2].Routes[0].DestinationCidrBlock")
 * and what is wrong with it.  Nothing here crashes on hostile input: sizes
 * are bounded (a file holds at most AWSJSON_FILE_MAX bytes, every object kind
 * and every list inside an object has a limit derived from the AWS quotas
 * with a wide margin) and IDs are unique per kind.
 *
 * Cross references are resolved whatever the order of the documents: an ENI
 * listed by describe-network-interfaces replaces the one an instance's
 * NetworkInterfaces or a NAT gateway implied, and Elastic IP associations
 * (describe-addresses) are applied to the ENI addresses they name after
 * every document.
 *
 * Ownership.  awsjson_load_path() returns a new model owned by the caller
 * (free it with model_free()).  awsjson_load_buffer() merges into a model the
 * caller owns; on failure the model may hold part of the document and should
 * be freed.  Nothing here logs or keeps state between calls; the only I/O is
 * reading the files named by awsjson_load_path().
 */
#ifndef OPENVPC_AWSJSON_H
#define OPENVPC_AWSJSON_H

#include <stddef.h>

#include "lib/model/model.h"

/* Largest file or buffer accepted, in bytes. */
#define AWSJSON_FILE_MAX (64u * 1024 * 1024)
/* Most *.json files read from one directory. */
#define AWSJSON_DIR_FILES_MAX 256

struct awsjson_error {
	char file[256];	   /* file (base name) or buffer name */
	char field[256];   /* JSON path, e.g. "RouteTables[2].Routes[0].DestinationCidrBlock" */
	char message[256]; /* what is wrong, e.g. "\"10.0.1.0/33\" is not an IPv4 CIDR" */
};

/*
 * Load a directory (every *.json file in it, any names, sorted by name) or a
 * single file holding one or more of the top-level keys Vpcs, Subnets,
 * RouteTables, SecurityGroups, NetworkAcls, NetworkInterfaces,
 * InternetGateways, NatGateways, Reservations, Addresses, VpnGateways,
 * VpnConnections, CustomerGateways, PrefixLists, ManagedPrefixLists.  Other
 * top-level keys (NextToken, SecurityGroupRules, ...) are ignored.
 *
 * Returns 0 and a new model in *ret_model, -ENOENT (path missing, or a
 * directory without *.json files), -EINVAL (bad JSON or a bad field: *err
 * names the file and the field), -EFBIG (file over AWSJSON_FILE_MAX), -E2BIG
 * (more objects than the limits), -ENOMEM, or another negative errno from
 * reading.  *err is filled on every failure (err may be NULL).
 */
int awsjson_load_path(const char *path, struct model **ret_model, struct awsjson_error *err);

/*
 * Merge one JSON document (data, size bytes, not necessarily NUL-terminated)
 * into m.  name is used in error messages.  The model's account and Region
 * are taken from the first OwnerId and AvailabilityZone seen when m has none.
 * 0, -EINVAL, -EFBIG, -E2BIG or -ENOMEM, with *err filled on failure.
 */
int awsjson_load_buffer(const char *name, const char *data, size_t size, struct model *m,
			struct awsjson_error *err);

/* "file: field: message" (or the parts that are set) into buf; returns buf. */
char *awsjson_error_format(const struct awsjson_error *err, char *buf, size_t size);

#endif
