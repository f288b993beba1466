/*
 * The model the fabric's fuzz targets answer over: the default VPC of
 * us-east-1 with one running t3.small instance (public IP and all), built once.
 */
#ifndef OPENVPC_TESTS_FUZZ_FABRIC_MODEL_H
#define OPENVPC_TESTS_FUZZ_FABRIC_MODEL_H

#include <stdlib.h>

#include "lib/model/ops-instance.h"
#include "lib/model/ops-vpc.h"

static struct model *fuzz_model_new(struct model_vpc **ret_vpc, struct model_instance **ret_inst)
{
	static struct model_ctx ctx;
	static struct util_rng rng;
	struct model_err err = {0};
	struct model_run_instances run = {.image_id = "ami-0abcdef1234567890",
					  .instance_type = "t3.small", .min_count = 1,
					  .max_count = 1, .associate_public_ip = -1};
	struct model *m;
	size_t n;

	util_rng_seed(&rng, 7);
	model_ctx_init(&ctx, "us-east-1", &rng);
	m = model_new("123456789012", "us-east-1");
	if (!m || model_op_create_default_vpc(m, &ctx, ret_vpc, &err) < 0 ||
	    model_op_run_instances(m, &ctx, &run, ret_inst, &n, &err) < 0)
		abort();
	return m;
}

#endif
