/*
 * ops-tags: tags on any resource (CreateTags, DeleteTags, TagSpecifications).
 *
 * What.  Every taggable object carries a struct model_tags; these functions
 * find it by the resource ID's prefix and change it under AWS's rules:
 * keys 1..128 characters, values 0..256, no "aws:" key prefix, at most
 * quotas.tags_per_resource tags per resource.  Changes are all or nothing
 * across every resource named.
 */
#ifndef OPENVPC_MODEL_OPS_TAGS_H
#define OPENVPC_MODEL_OPS_TAGS_H

#include "lib/model/ops.h"

/*
 * The tags of the resource with this ID (vpc-, subnet-, rtb-, sg-, sgr-,
 * acl-, eni-, i-, igw-, eipalloc-, nat-, vgw-, cgw-, vpn-, fl-, pl-), or
 * NULL when it does not exist or is not modelled (dopt-).
 */
struct model_tags *model_find_tags(struct model *m, const char *resource_id);

/*
 * CreateTags: set every tag on every resource.  Unknown resource -> its
 * *.NotFound code (InvalidID for an unknown prefix).
 */
int model_op_create_tags(struct model *m, struct model_ctx *ctx, const char *const *resource_ids,
			 size_t n_resources, const struct model_tag *tags, size_t n_tags,
			 struct model_err *err);

/*
 * DeleteTags: for each tag, remove the key (when value is non-NULL only if
 * the value is equal).  n_tags == 0 removes every tag of the resources.
 */
int model_op_delete_tags(struct model *m, struct model_ctx *ctx, const char *const *resource_ids,
			 size_t n_resources, const struct model_tag *tags, size_t n_tags,
			 struct model_err *err);

/*
 * TagSpecifications on a create action: resource_type ("vpc", "subnet",
 * "security-group", ...) must match the resource's kind, else
 * InvalidParameterValue.
 */
int model_op_apply_tag_specifications(struct model *m, struct model_ctx *ctx,
				      const char *resource_id, const char *resource_type,
				      const struct model_tag *tags, size_t n_tags,
				      struct model_err *err);

#endif
