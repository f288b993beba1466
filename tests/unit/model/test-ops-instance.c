/* Tests for ops-instance: being written. */
#include <criterion/criterion.h>
