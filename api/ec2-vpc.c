/*
 * ec2-vpc: EC2 actions of this family (being written).
 */
#include "api/families.h"

API_FAMILY_DEFINE(vpc);
