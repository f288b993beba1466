/*
 * store/json-text: store_json_text(), the compact text of a JSON value that
 * the store writes as an object's row body (declared in serialize.h).
 *
 * Byte for byte what jansson's json_dumps(json, JSON_COMPACT) writes: keys in
 * insertion order, "," and ":" without spaces, strings as UTF-8 with only
 * '"', '\\' and the control characters escaped (\b \f \n \r \t, the others
 * \u00XX in upper-case hex), integers in decimal.  It exists because
 * json_dumps spends about 60 instructions per byte (a callback per piece, a
 * UTF-8 decode per character): a third of a small write's CPU.  Here a
 * string is copied in runs between the bytes that need an escape (jansson
 * only accepts valid UTF-8 into a json_t, so there is nothing to check), into
 * one growing buffer.  Reals, which the store does not use, are formatted by
 * jansson itself.  The serialize unit test compares the two on every kind.
 *
 * Nothing here logs; the only failure is out of memory (NULL).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/serialize.h"

struct jt_buf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void jt_reserve(struct jt_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->oom || b->n + more + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 512;
	while (cap < b->n + more + 1) {
		if (cap > SIZE_MAX / 2) {
			b->oom = true;
			return;
		}
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void jt_put(struct jt_buf *b, const char *s, size_t n)
{
	jt_reserve(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void jt_char(struct jt_buf *b, char c)
{
	jt_put(b, &c, 1);
}

static void jt_string(struct jt_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t run = 0;

	jt_char(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];
		size_t len = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jt_put(b, s + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			len = 6;
			break;
		}
		jt_put(b, esc, len);
	}
	jt_put(b, s + run, n - run);
	jt_char(b, '"');
}

static void jt_integer(struct jt_buf *b, json_int_t v)
{
	char digits[24];
	size_t i = sizeof(digits);
	/* Negate in unsigned arithmetic: -LLONG_MIN overflows. */
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		digits[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		digits[--i] = '-';
	jt_put(b, digits + i, sizeof(digits) - i);
}

static void jt_value(struct jt_buf *b, const json_t *json)
{
	switch (json_typeof(json)) {
	case JSON_OBJECT: {
		bool first = true;

		jt_char(b, '{');
		for (void *it = json_object_iter((json_t *)json); it && !b->oom;
		     it = json_object_iter_next((json_t *)json, it)) {
			if (!first)
				jt_char(b, ',');
			first = false;
			jt_string(b, json_object_iter_key(it), json_object_iter_key_len(it));
			jt_char(b, ':');
			jt_value(b, json_object_iter_value(it));
		}
		jt_char(b, '}');
		break;
	}
	case JSON_ARRAY:
		jt_char(b, '[');
		for (size_t i = 0; i < json_array_size(json) && !b->oom; i++) {
			if (i)
				jt_char(b, ',');
			jt_value(b, json_array_get(json, i));
		}
		jt_char(b, ']');
		break;
	case JSON_STRING:
		jt_string(b, json_string_value(json), json_string_length(json));
		break;
	case JSON_INTEGER:
		jt_integer(b, json_integer_value(json));
		break;
	case JSON_TRUE:
		jt_put(b, "true", 4);
		break;
	case JSON_FALSE:
		jt_put(b, "false", 5);
		break;
	case JSON_NULL:
		jt_put(b, "null", 4);
		break;
	case JSON_REAL:
	default: {
		char *t = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);

		if (!t) {
			b->oom = true;
			return;
		}
		jt_put(b, t, strlen(t));
		free(t);
		break;
	}
	}
}

char *store_json_text(const json_t *json)
{
	struct jt_buf b = {0};

	if (!json)
		return NULL;
	jt_value(&b, json);
	jt_reserve(&b, 0);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	b.p[b.n] = '\0';
	return b.p;
}
