/* ec2-vpn: (being written) the vpn family of EC2 actions. */
#include "api/api.h"
#include "api/families.h"

API_FAMILY_DEFINE(vpn);
