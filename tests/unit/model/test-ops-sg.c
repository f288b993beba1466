/* Tests for ops-sg: being written. */
#include <criterion/criterion.h>
