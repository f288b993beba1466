/* Tests for lpm: being written. */
#include <criterion/criterion.h>
