/* Tests for model: being written. */
#include <criterion/criterion.h>
