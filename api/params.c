/*
 * params: form decoding and the sorted parameter map (see params.h).
 */
#include "api/params.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "lib/util/util.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Valid UTF-8 (no overlongs, no surrogates) without the control characters
 * XML 1.0 cannot carry (all below 0x20 but tab, LF and CR): whatever is
 * accepted here can later be written into a response.
 */
static bool text_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len;
		uint32_t cp;

		if (c < 0x80) {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				return false;
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
			return false;
		i += len;
	}
	return true;
}

/* Decode [s, s+n) into a new heap string. 0, -EINVAL or -ENOMEM. */
static int form_decode(const char *s, size_t n, char **ret)
{
	char *out = malloc(n + 1);
	size_t k = 0;

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[k++] = ' ';
		} else if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n || (hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0) {
				free(out);
				return -EINVAL;
			}
			out[k++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[k++] = s[i];
		}
	}
	out[k] = '\0';
	if (strlen(out) != k || !text_ok((const unsigned char *)out, k)) {
		free(out);
		return -EINVAL;
	}
	*ret = out;
	return 0;
}

size_t api_params_lower_bound(const struct api_params *p, const char *prefix)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(p->items[mid].name, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const char *api_params_get(const struct api_params *p, const char *name)
{
	size_t i = api_params_lower_bound(p, name);

	if (i < p->n && strcmp(p->items[i].name, name) == 0)
		return p->items[i].value;
	return NULL;
}

static bool name_ok(const char *name)
{
	if (!*name)
		return false;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		if (*c < 0x21 || *c == 0x7f)
			return false;
	return true;
}

int api_params_parse(struct api_params *p, const char *src, size_t size, char **ret_bad_name)
{
	const char *s = src, *end = src + size;
	int r;

	while (s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(s, '=', (size_t)(stop - s));
		struct api_param prm = {0};
		size_t at;

		if (stop == s) { /* empty element ("a=1&&b=2", trailing '&') */
			s = stop + 1;
			continue;
		}
		if (p->n >= API_PARAMS_MAX)
			return -E2BIG;
		if ((size_t)((eq ? eq : stop) - s) > 3 * API_PARAM_NAME_MAX)
			return -E2BIG;
		r = form_decode(s, (size_t)((eq ? eq : stop) - s), &prm.name);
		if (r < 0)
			return r;
		if (strlen(prm.name) > API_PARAM_NAME_MAX) {
			free(prm.name);
			return -E2BIG;
		}
		if (!name_ok(prm.name)) {
			free(prm.name);
			return -EINVAL;
		}
		r = eq ? form_decode(eq + 1, (size_t)(stop - eq - 1), &prm.value)
		       : form_decode("", 0, &prm.value);
		if (r < 0) {
			free(prm.name);
			return r;
		}
		at = api_params_lower_bound(p, prm.name);
		if (at < p->n && strcmp(p->items[at].name, prm.name) == 0) {
			if (ret_bad_name)
				*ret_bad_name = prm.name;
			else
				free(prm.name);
			free(prm.value);
			return -EEXIST;
		}
		r = util_grow((void **)&p->items, &p->cap, p->n + 1, sizeof(*p->items));
		if (r < 0) {
			free(prm.name);
			free(prm.value);
			return r;
		}
		memmove(&p->items[at + 1], &p->items[at], (p->n - at) * sizeof(*p->items));
		p->items[at] = prm;
		p->n++;
		if (!amp)
			break;
		s = amp + 1;
	}
	return 0;
}

struct api_params *api_params_done(struct api_params *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < p->n; i++) {
		free(p->items[i].name);
		free(p->items[i].value);
	}
	free(p->items);
	p->items = NULL;
	p->n = p->cap = 0;
	return NULL;
}

bool api_params_name_matches(const char *pattern, const char *name)
{
	const char *start = pattern;

	while (*pattern && *name) {
		if (pattern[0] == 'N' && (pattern[1] == '.' || pattern[1] == '\0') &&
		    (pattern == start || pattern[-1] == '.')) {
			/* "N" as a whole dotted segment: a 1-based index. */
			long v = 0;
			int digits = 0;

			if (*name < '1' || *name > '9')
				goto literal;
			while (*name >= '0' && *name <= '9' && digits < 5) {
				v = v * 10 + (*name - '0');
				name++;
				digits++;
			}
			if ((*name >= '0' && *name <= '9') || v > API_LIST_MAX)
				return false;
			pattern++;
			continue;
		}
	literal:
		if (*pattern != *name)
			return false;
		pattern++;
		name++;
	}
	return *pattern == '\0' && *name == '\0';
}
