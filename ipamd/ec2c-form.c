/* ec2c-form: see ec2c-form.h. */
#include "ipamd/ec2c-form.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipamd/ec2c.h"

static bool unreserved(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_' || ch == '.' || ch == '~';
}

static int reserve(struct ec2c_form *f, size_t more)
{
	size_t need, cap;
	char *p;

	if (more > EC2C_FORM_MAX || f->size + more + 1 > EC2C_FORM_MAX)
		return -E2BIG;
	need = f->size + more + 1;
	if (need <= f->cap)
		return 0;
	cap = f->cap ? f->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(f->buf, cap);
	if (!p)
		return -ENOMEM;
	f->buf = p;
	f->cap = cap;
	return 0;
}

static void put_encoded(struct ec2c_form *f, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	int r;

	if (n > EC2C_FORM_MAX / 3) {
		f->error = -E2BIG;
		return;
	}
	r = reserve(f, 3 * n);
	if (r < 0) {
		f->error = r;
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (unreserved(*p)) {
			f->buf[f->size++] = (char)*p;
		} else {
			f->buf[f->size++] = '%';
			f->buf[f->size++] = hex[*p >> 4];
			f->buf[f->size++] = hex[*p & 15];
		}
	}
	f->buf[f->size] = '\0';
}

static void put_char(struct ec2c_form *f, char ch)
{
	int r = reserve(f, 1);

	if (r < 0) {
		f->error = r;
		return;
	}
	f->buf[f->size++] = ch;
	f->buf[f->size] = '\0';
}

void ec2c_form_init(struct ec2c_form *f, const char *action)
{
	*f = (struct ec2c_form){0};
	if (!action || !*action) {
		f->error = -EINVAL;
		return;
	}
	ec2c_form_add(f, "Action", action);
	ec2c_form_add(f, "Version", EC2C_API_VERSION);
}

void ec2c_form_add(struct ec2c_form *f, const char *name, const char *value)
{
	if (f->error)
		return;
	if (!name || !*name || !value) {
		f->error = -EINVAL;
		return;
	}
	if (f->size > 0)
		put_char(f, '&');
	if (!f->error)
		put_encoded(f, name);
	if (!f->error)
		put_char(f, '=');
	if (!f->error)
		put_encoded(f, value);
}

void ec2c_form_addf(struct ec2c_form *f, const char *value, const char *name_fmt, ...)
{
	char name[256];
	va_list ap;
	int n;

	if (f->error)
		return;
	va_start(ap, name_fmt);
	n = vsnprintf(name, sizeof(name), name_fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(name)) {
		f->error = -E2BIG;
		return;
	}
	ec2c_form_add(f, name, value);
}

void ec2c_form_add_long(struct ec2c_form *f, const char *name, long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", value);
	ec2c_form_add(f, name, buf);
}

int ec2c_form_finish(struct ec2c_form *f, const char **ret_body, size_t *ret_size)
{
	if (f->error)
		return f->error;
	if (!f->buf)
		return -EINVAL;
	*ret_body = f->buf;
	*ret_size = f->size;
	return 0;
}

void ec2c_form_done(struct ec2c_form *f)
{
	if (!f)
		return;
	free(f->buf);
	*f = (struct ec2c_form){0};
}
