/* ec2-route: (being written) the route family of EC2 actions. */
#include "api/api.h"
#include "api/families.h"

API_FAMILY_DEFINE(route);
