/* Tests for ops-eni: being written. */
#include <criterion/criterion.h>
