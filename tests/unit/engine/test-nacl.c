/* Tests for nacl: being written. */
#include <criterion/criterion.h>
