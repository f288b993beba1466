/*
 * ec2-model: the EC2 operations of the botocore service model, as a table
 * generated at build time (scripts/gen-ec2-model.py -> ec2-model.c in the
 * build directory) from Debian's python3-botocore
 * botocore/data/ec2/2016-11-15/service-2.json.
 *
 * For each operation: its serialized input parameter names with "N" for a
 * list index (EC2Serializer rules: queryName, else locationName with the
 * first letter upper-cased, else the member name; lists flattened as
 * Name.N), its required top-level parameters, its top-level output element
 * names and whether it takes DryRun.  Sorted by name.  Read-only data.
 */
#ifndef OPENVPC_API_EC2_MODEL_H
#define OPENVPC_API_EC2_MODEL_H

#include <stdbool.h>
#include <stddef.h>

struct ec2_model_op {
	const char *name;
	const char *const *inputs; /* sorted patterns: "Filter.N.Value.N" */
	size_t n_inputs;
	const char *const *required;
	size_t n_required;
	const char *const *outputs; /* "vpcSet", "nextToken" */
	size_t n_outputs;
	bool dry_run;
};

extern const struct ec2_model_op ec2_model_ops[];
extern const size_t ec2_model_n_ops;
extern const char ec2_model_api_version[];

/* The operation called name, or NULL. */
const struct ec2_model_op *ec2_model_find(const char *name);
/* Does op declare the parameter name (matching "N" against indices)? */
bool ec2_model_accepts(const struct ec2_model_op *op, const char *name);

#endif
