/* ec2-nacl: (being written) the nacl family of EC2 actions. */
#include "api/api.h"
#include "api/families.h"

API_FAMILY_DEFINE(nacl);
