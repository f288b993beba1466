/* Tests for sgcls: being written. */
#include <criterion/criterion.h>
