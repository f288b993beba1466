/*
 * ec2-secgroup: EC2 actions of this family (being written).
 */
#include "api/families.h"

API_FAMILY_DEFINE(secgroup);
