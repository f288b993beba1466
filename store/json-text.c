/*
 * store/json-text: compact JSON text in one growing buffer (json-text.h), and
 * store_json_text(), the text of a json_t (declared in serialize.h).
 *
 * Byte for byte what jansson's json_dumps(json, JSON_COMPACT) writes: keys in
 * insertion order, "," and ":" without spaces, strings as UTF-8 with only
 * '"', '\\' and the control characters escaped (\b \f \n \r \t, the others
 * \u00XX in upper-case hex), integers in decimal.  It exists because
 * json_dumps spends about 60 instructions per byte (a callback per piece, a
 * UTF-8 decode per character): a third of a small write's CPU.  Here a
 * string is copied in runs between the bytes that need an escape, into one
 * growing buffer.  Strings must be valid UTF-8: jansson only accepts such
 * into a json_t, and serialize.c, which writes model objects here directly,
 * checks every string with store_text_utf8_valid() (jansson's rules).
 * Reals, which the store does not use, are formatted by jansson itself.  The
 * serialize unit tests compare the text with json_dumps on every kind, the
 * stored format with a golden file, and the UTF-8 check with jansson's.
 *
 * Nothing here logs; the only failure is out of memory (NULL).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/util.h"
#include "store/json-text.h"
#include "store/serialize.h"

void store_text_grow(struct store_text *b, size_t more)
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

void store_text_string(struct store_text *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t run = 0, i;

	/* Most strings need no escape: one copy. */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == '"' || c == '\\')
			break;
	}
	if (i == n) {
		store_text_quoted(b, s, n);
		return;
	}
	store_text_char(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];
		size_t len = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		store_text_put(b, s + run, i - run);
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
		store_text_put(b, esc, len);
	}
	store_text_put(b, s + run, n - run);
	store_text_char(b, '"');
}

void store_text_int(struct store_text *b, long long v)
{
	char digits[UTIL_DEC_MAX + 1], *end = digits + sizeof(digits);
	/* Negate in unsigned arithmetic: -LLONG_MIN overflows. */
	char *p = util_dec(v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v, end);

	if (v < 0)
		*--p = '-';
	store_text_put(b, p, (size_t)(end - p));
}

static void jt_value(struct store_text *b, const json_t *json)
{
	switch (json_typeof(json)) {
	case JSON_OBJECT: {
		bool first = true;

		store_text_char(b, '{');
		for (void *it = json_object_iter((json_t *)json); it && !b->oom;
		     it = json_object_iter_next((json_t *)json, it)) {
			if (!first)
				store_text_char(b, ',');
			first = false;
			store_text_string(b, json_object_iter_key(it),
					  json_object_iter_key_len(it));
			store_text_char(b, ':');
			jt_value(b, json_object_iter_value(it));
		}
		store_text_char(b, '}');
		break;
	}
	case JSON_ARRAY:
		store_text_char(b, '[');
		for (size_t i = 0; i < json_array_size(json) && !b->oom; i++) {
			if (i)
				store_text_char(b, ',');
			jt_value(b, json_array_get(json, i));
		}
		store_text_char(b, ']');
		break;
	case JSON_STRING:
		store_text_string(b, json_string_value(json), json_string_length(json));
		break;
	case JSON_INTEGER:
		store_text_int(b, json_integer_value(json));
		break;
	case JSON_TRUE:
		store_text_put(b, "true", 4);
		break;
	case JSON_FALSE:
		store_text_put(b, "false", 5);
		break;
	case JSON_NULL:
		store_text_put(b, "null", 4);
		break;
	case JSON_REAL:
	default: {
		char *t = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);

		if (!t) {
			b->oom = true;
			return;
		}
		store_text_put(b, t, strlen(t));
		free(t);
		break;
	}
	}
}

char *store_text_finish(struct store_text *b, size_t *ret_length)
{
	store_text_grow(b, 0);
	if (b->oom || !b->p) {
		free(b->p);
		*b = (struct store_text){0};
		return NULL;
	}
	b->p[b->n] = '\0';
	if (ret_length)
		*ret_length = b->n;
	return b->p;
}

/*
 * UTF-8 as jansson accepts it into a json_t (its utf8_check): no stray
 * continuation byte, no overlong form, no surrogate, nothing above U+10FFFF.
 */
bool store_text_utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c = u[i];
		uint32_t v;
		size_t len;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
			v = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			v = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			v = c & 0x07;
		} else {
			return false; /* a continuation byte, C0 / C1, or F5..FF */
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((u[i + k] & 0xC0) != 0x80)
				return false;
			v = v << 6 | (u[i + k] & 0x3F);
		}
		if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) || v > 0x10FFFF ||
		    (v >= 0xD800 && v <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

char *store_json_text(const json_t *json)
{
	struct store_text b = {0};

	if (!json)
		return NULL;
	jt_value(&b, json);
	return store_text_finish(&b, NULL);
}
