/* Tests for ct: being written. */
#include <criterion/criterion.h>
