/*
 * ec2-model-find: lookups over the generated operation table (ec2-model.h).
 */
#include "api/ec2-model.h"

#include <stdlib.h>
#include <string.h>

#include "api/params.h"

static int op_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct ec2_model_op *)elem)->name);
}

const struct ec2_model_op *ec2_model_find(const char *name)
{
	return bsearch(name, ec2_model_ops, ec2_model_n_ops, sizeof(ec2_model_ops[0]), op_cmp);
}

bool ec2_model_accepts(const struct ec2_model_op *op, const char *name)
{
	/* Patterns are few per operation (RunInstances has ~100): a linear scan. */
	for (size_t i = 0; i < op->n_inputs; i++)
		if (api_params_name_matches(op->inputs[i], name))
			return true;
	return false;
}
