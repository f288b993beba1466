/*
 * ec2c-form: the application/x-www-form-urlencoded body of one EC2 Query
 * request, built parameter by parameter in order.
 *
 * Names and values are percent-encoded as botocore does (every byte outside
 * A-Z a-z 0-9 - _ . ~ as %XX, upper-case hex; a space is %20).  Errors are
 * sticky: the first failure (-ENOMEM, -EINVAL for a NULL value, -E2BIG past
 * EC2C_FORM_MAX) is remembered, later additions do nothing, and
 * ec2c_form_finish() reports it, so callers add everything and check once.
 * The form owns its buffer; ec2c_form_done() frees it (NULL accepted).
 */
#ifndef OPENVPC_EC2C_FORM_H
#define OPENVPC_EC2C_FORM_H

#include <stddef.h>

#define EC2C_FORM_MAX (1u << 20) /* bytes of one request body */

struct ec2c_form {
	char *buf;
	size_t size, cap;
	int error;
};

/* Start a form with Action=action&Version=2016-11-15. */
void ec2c_form_init(struct ec2c_form *f, const char *action);
/* name=value. */
void ec2c_form_add(struct ec2c_form *f, const char *name, const char *value);
/* name formatted with printf arguments, value as is. */
void ec2c_form_addf(struct ec2c_form *f, const char *value, const char *name_fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ec2c_form_add_long(struct ec2c_form *f, const char *name, long value);
/* The body (NUL-terminated) and its size, or the first error. */
int ec2c_form_finish(struct ec2c_form *f, const char **ret_body, size_t *ret_size);
void ec2c_form_done(struct ec2c_form *f);

#endif
