/* Tests for behaviour: being written. */
#include <criterion/criterion.h>
