/* Tests for nat: being written. */
#include <criterion/criterion.h>
