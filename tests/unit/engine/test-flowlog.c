/* Tests for flowlog: being written. */
#include <criterion/criterion.h>
