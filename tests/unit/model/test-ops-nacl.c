/* Tests for ops-nacl: being written. */
#include <criterion/criterion.h>
