/*
 * ops-lookup: find an object named in a request, or raise the NotFound
 * error AWS raises for it ("The vpc ID 'vpc-1' does not exist").  See the
 * lookup section of ops.h.  Each returns the object, or NULL with *err set
 * (-ENOENT, or -EINVAL where AWS requires the ID and it is missing); a
 * NULL id is looked up as "".  No I/O.
 */
#include "lib/model/ops.h"

#include <errno.h>
#include <stddef.h>

/* obj, or NULL after raising code with "The <what> ID '<id>' does not exist". */
static void *found(void *obj, struct model_err *err, enum model_errcode code, const char *what,
		   const char *id)
{
	if (!obj)
		model_err_set(err, -ENOENT, code, "The %s ID '%s' does not exist", what,
			      id ? id : "");
	return obj;
}

/* AWS answers MissingParameter, not NotFound, when a required ID is empty. */
static bool given(const char *id, const char *param, struct model_err *err)
{
	if (id && *id)
		return true;
	model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
		      "The request must contain the parameter %s", param);
	return false;
}

struct model_vpc *model_lookup_vpc(const struct model *m, const char *id, struct model_err *err)
{
	return given(id, "VpcId", err)
		   ? found(model_find_vpc(m, id), err, MODEL_ERR_VPC_NOT_FOUND, "vpc", id)
		   : NULL;
}

struct model_subnet *model_lookup_subnet(const struct model *m, const char *id,
					 struct model_err *err)
{
	return given(id, "SubnetId", err) ? found(model_find_subnet(m, id), err,
						  MODEL_ERR_SUBNET_NOT_FOUND, "subnet", id)
					  : NULL;
}

struct model_route_table *model_lookup_route_table(const struct model *m, const char *id,
						   struct model_err *err)
{
	return given(id, "RouteTableId", err) ? found(model_find_route_table(m, id), err,
						      MODEL_ERR_RTB_NOT_FOUND, "routeTable", id)
					      : NULL;
}

struct model_igw *model_lookup_igw(const struct model *m, const char *id, struct model_err *err)
{
	return found(id ? model_find_igw(m, id) : NULL, err, MODEL_ERR_IGW_NOT_FOUND,
		     "internetGateway", id);
}

struct model_vgw *model_lookup_vgw(const struct model *m, const char *id, struct model_err *err)
{
	return found(id ? model_find_vgw(m, id) : NULL, err, MODEL_ERR_VGW_NOT_FOUND, "vpnGateway",
		     id);
}

struct model_eip *model_lookup_eip(const struct model *m, const char *id, struct model_err *err)
{
	return found(id ? model_find_eip(m, id) : NULL, err, MODEL_ERR_ALLOCATION_NOT_FOUND,
		     "allocation", id);
}

struct model_eni *model_lookup_eni(const struct model *m, const char *id, struct model_err *err)
{
	return found(id ? model_find_eni(m, id) : NULL, err, MODEL_ERR_ENI_NOT_FOUND,
		     "networkInterface", id);
}

struct model_instance *model_lookup_instance(const struct model *m, const char *id,
					     struct model_err *err)
{
	return found(id ? model_find_instance(m, id) : NULL, err, MODEL_ERR_INSTANCE_NOT_FOUND,
		     "instance", id);
}

struct model_instance *model_lookup_live_instance(const struct model *m, const char *id,
						  struct model_err *err)
{
	struct model_instance *in = id ? model_find_instance(m, id) : NULL;

	if (in && in->state == MODEL_INSTANCE_TERMINATED)
		in = NULL;
	return found(in, err, MODEL_ERR_INSTANCE_NOT_FOUND, "instance", id);
}

struct model_nat_gateway *model_lookup_nat_gateway(const struct model *m, const char *id,
						   struct model_err *err)
{
	return found(id ? model_find_nat_gateway(m, id) : NULL, err, MODEL_ERR_NAT_NOT_FOUND,
		     "natGateway", id);
}

struct model_vpn_connection *model_lookup_vpn(const struct model *m, const char *id,
					      struct model_err *err)
{
	return found(id ? model_find_vpn(m, id) : NULL, err, MODEL_ERR_VPN_NOT_FOUND,
		     "vpnConnection", id);
}

struct model_nacl *model_lookup_nacl(const struct model *m, const char *id, struct model_err *err)
{
	return found(id ? model_find_nacl(m, id) : NULL, err, MODEL_ERR_NACL_NOT_FOUND,
		     "networkAcl", id);
}

struct model_sg *model_lookup_sg(const struct model *m, const char *id, struct model_err *err)
{
	struct model_sg *sg = id ? model_find_sg(m, id) : NULL;

	/* AWS's wording for security groups has no "ID". */
	if (!sg)
		model_err_set(err, -ENOENT, MODEL_ERR_GROUP_NOT_FOUND,
			      "The security group '%s' does not exist", id ? id : "");
	return sg;
}
