/*
 * store/json-text: compact JSON text written into one growing buffer, for
 * the store's row bodies (json-text.c; the format is json_dumps(JSON_COMPACT)'s,
 * see there).  serialize.c writes model objects with it directly, without a
 * json_t tree; store_json_text() (serialize.h) writes a json_t with it.
 *
 * Errors.  Out of memory sets oom and later calls do nothing;
 * store_text_finish() then frees the buffer and returns NULL.  The caller
 * checks what the text may hold: store_text_string() escapes any bytes but
 * must only be given valid UTF-8 (store_text_utf8_valid()).
 */
#ifndef OPENVPC_STORE_JSON_TEXT_H
#define OPENVPC_STORE_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct store_text {
	char *p;
	size_t n, cap;
	bool oom;
};

/* Room for more bytes and the NUL, growing the buffer; false once out of memory. */
void store_text_grow(struct store_text *b, size_t more);
static inline bool store_text_reserve(struct store_text *b, size_t more)
{
	if (!b->oom && b->n + more + 1 <= b->cap)
		return true;
	store_text_grow(b, more);
	return !b->oom;
}

static inline void store_text_put(struct store_text *b, const char *s, size_t n)
{
	if (!store_text_reserve(b, n))
		return;
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static inline void store_text_char(struct store_text *b, char c)
{
	if (store_text_reserve(b, 1))
		b->p[b->n++] = c;
}

/* s[0..n) between quotes as it is: only for bytes that need no escape. */
static inline void store_text_quoted(struct store_text *b, const char *s, size_t n)
{
	if (!store_text_reserve(b, n + 2))
		return;
	b->p[b->n++] = '"';
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n++] = '"';
}

/* s[0..n) as a JSON string, quoted and escaped as jansson does. */
void store_text_string(struct store_text *b, const char *s, size_t n);
void store_text_int(struct store_text *b, long long v);
/* The NUL-terminated text (owned by the caller) and its length, or NULL (OOM). */
char *store_text_finish(struct store_text *b, size_t *ret_length);
/* Whether jansson would accept s[0..n) as a string (valid UTF-8, no surrogates). */
bool store_text_utf8_valid(const char *s, size_t n);

#endif
