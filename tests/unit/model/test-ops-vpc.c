/* Tests for ops-vpc: being written. */
#include <criterion/criterion.h>
