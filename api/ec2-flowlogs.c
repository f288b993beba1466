/* ec2-flowlogs: (being written) the flowlogs family of EC2 actions. */
#include "api/api.h"
#include "api/families.h"

API_FAMILY_DEFINE(flowlogs);
