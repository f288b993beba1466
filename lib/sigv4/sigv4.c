/*
 * sigv4: canonicalisation, key derivation, signing and verification.
 * See sigv4.h for the algorithm.  Strings are built in a small growable
 * buffer (struct sbuf) that records the first allocation failure, so the
 * builders can append freely and check once at the end.
 */
#include "lib/sigv4/sigv4.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include "lib/util/util.h"

struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sbuf_putn(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sbuf_puts(struct sbuf *b, const char *s)
{
	sbuf_putn(b, s, strlen(s));
}

static void sbuf_putc(struct sbuf *b, char c)
{
	sbuf_putn(b, &c, 1);
}

/* Hand the string over (empty string when nothing was appended). */
static int sbuf_finish(struct sbuf *b, char **ret)
{
	if (!b->oom && !b->s)
		sbuf_putn(b, "", 0);
	if (b->oom) {
		free(b->s);
		return -ENOMEM;
	}
	*ret = b->s;
	return 0;
}

static const char hexdigits_lower[] = "0123456789abcdef";
static const char hexdigits_upper[] = "0123456789ABCDEF";

static void hex_encode(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdigits_lower[in[i] >> 4];
		out[2 * i + 1] = hexdigits_lower[in[i] & 15];
	}
	out[2 * n] = '\0';
}

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

static bool is_unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

static void uri_encode_into(struct sbuf *b, const char *src, size_t length, bool keep_slash)
{
	for (size_t i = 0; i < length; i++) {
		unsigned char c = (unsigned char)src[i];

		if (is_unreserved(c) || (keep_slash && c == '/')) {
			sbuf_putc(b, (char)c);
		} else {
			char e[3] = {'%', hexdigits_upper[c >> 4], hexdigits_upper[c & 15]};

			sbuf_putn(b, e, 3);
		}
	}
}

int sigv4_uri_encode(const char *src, size_t length, bool keep_slash, char **ret_encoded)
{
	struct sbuf b = {0};

	uri_encode_into(&b, src, length, keep_slash);
	return sbuf_finish(&b, ret_encoded);
}

/*
 * SHA-256 and HMAC-SHA256 through objects fetched once per process.  With
 * OpenSSL 3, EVP_sha256() and HMAC() look the algorithm up in the provider
 * store on every call: in vpcd up to about 180,000 instructions a look-up
 * (callgrind, the ClientToken hash of CreateNetworkInterface), more than the
 * rest of a request.  The HMAC template holds
 * the digest already set; each call duplicates it (concurrent reads of the
 * template are safe) and keys the copy.  If a fetch fails the one-shot
 * calls are used instead.
 */
static EVP_MD *g_sha256;
static EVP_MAC_CTX *g_hmac_sha256;
static pthread_once_t g_crypto_once = PTHREAD_ONCE_INIT;

static void crypto_fetch(void)
{
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
	    OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac;

	g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return;
	g_hmac_sha256 = EVP_MAC_CTX_new(mac); /* holds its own reference */
	EVP_MAC_free(mac);
	if (g_hmac_sha256 && !EVP_MAC_CTX_set_params(g_hmac_sha256, params)) {
		EVP_MAC_CTX_free(g_hmac_sha256);
		g_hmac_sha256 = NULL;
	}
}

const EVP_MD *sigv4_sha256_md(void)
{
	pthread_once(&g_crypto_once, crypto_fetch);
	return g_sha256 ? g_sha256 : EVP_sha256();
}

static int sha256(const void *data, size_t size, uint8_t out[32])
{
	unsigned int mdlen = 0;

	if (!EVP_Digest(data ? data : "", size, out, &mdlen, sigv4_sha256_md(), NULL) ||
	    mdlen != 32)
		return -EIO;
	return 0;
}

static int sha256_hex(const void *data, size_t size, char out[SIGV4_HEX_LEN])
{
	uint8_t md[32];
	int r = sha256(data, size, md);

	if (r < 0)
		return r;
	hex_encode(md, 32, out);
	return 0;
}

static int hmac256(const uint8_t *key, size_t key_size, const char *msg, size_t msg_size,
		   uint8_t out[32])
{
	unsigned int outlen = 0;
	EVP_MAC_CTX *ctx;
	size_t len = 0;
	int ok;

	pthread_once(&g_crypto_once, crypto_fetch);
	if (!g_hmac_sha256) {
		if (!HMAC(EVP_sha256(), key, (int)key_size, (const unsigned char *)msg, msg_size,
			  out, &outlen) ||
		    outlen != 32)
			return -EIO;
		return 0;
	}
	ctx = EVP_MAC_CTX_dup(g_hmac_sha256);
	if (!ctx)
		return -ENOMEM;
	ok = EVP_MAC_init(ctx, key, key_size, NULL) &&
	     EVP_MAC_update(ctx, (const unsigned char *)msg, msg_size) &&
	     EVP_MAC_final(ctx, out, &len, 32) && len == 32;
	EVP_MAC_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/* ---- dates --------------------------------------------------------------- */

static int parse_digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int sigv4_parse_amz_date(const char *s, int64_t *ret_epoch)
{
	struct tm tm = { 0 };
	time_t t;
	int mday, sec;

	if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
		return -EINVAL;
	tm.tm_year = parse_digits(s, 4) - 1900;
	tm.tm_mon = parse_digits(s + 4, 2) - 1;
	tm.tm_mday = mday = parse_digits(s + 6, 2);
	tm.tm_hour = parse_digits(s + 9, 2);
	tm.tm_min = parse_digits(s + 11, 2);
	sec = parse_digits(s + 13, 2);
	if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 || mday < 1 || mday > 31 ||
	    tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || sec < 0 ||
	    sec > 60)
		return -EINVAL;
	t = timegm(&tm); /* second 0 of that minute: a leap second 60 is added below */
	/* timegm() normalises 31 April or 29 February 2023 into the next month. */
	if (t == (time_t)-1 || tm.tm_mday != mday)
		return -EINVAL;
	*ret_epoch = (int64_t)t + sec;
	return 0;
}

void sigv4_format_amz_date(int64_t epoch, char buf[SIGV4_AMZ_DATE_LEN])
{
	struct tm tm;

	char tmp[96];

	util_utc(epoch, &tm);
	snprintf(tmp, sizeof(tmp), "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	memcpy(buf, tmp, SIGV4_AMZ_DATE_LEN - 1);
	buf[SIGV4_AMZ_DATE_LEN - 1] = '\0';
}

/* ---- Authorization header -------------------------------------------------- */

static bool is_scope_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static bool is_header_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* Copy [s, s+n) into dst (size dst_size) when it fits and is non-empty. */
static int copy_part(char *dst, size_t dst_size, const char *s, size_t n)
{
	if (n == 0)
		return -EINVAL;
	if (n >= dst_size)
		return -E2BIG;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int parse_credential(const char *v, size_t n, struct sigv4_auth *a)
{
	const char *parts[5];
	size_t lens[5];
	size_t k = 0;
	const char *p = v, *end = v + n;
	int r;

	while (k < 5) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		const char *stop = slash ? slash : end;

		parts[k] = p;
		lens[k] = (size_t)(stop - p);
		k++;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (k != 5 || parts[4] + lens[4] != end)
		return -EINVAL;
	for (size_t i = 0; i < lens[0]; i++) {
		unsigned char c = (unsigned char)parts[0][i];

		if (!isalnum(c))
			return -EINVAL;
	}
	r = copy_part(a->access_key, sizeof(a->access_key), parts[0], lens[0]);
	if (r < 0)
		return r;
	if (lens[1] != 8 || parse_digits(parts[1], 8) < 0)
		return -EINVAL;
	memcpy(a->date, parts[1], 8);
	a->date[8] = '\0';
	for (int i = 2; i <= 3; i++)
		for (size_t j = 0; j < lens[i]; j++)
			if (!is_scope_char((unsigned char)parts[i][j]))
				return -EINVAL;
	r = copy_part(a->region, sizeof(a->region), parts[2], lens[2]);
	if (r < 0)
		return r;
	r = copy_part(a->service, sizeof(a->service), parts[3], lens[3]);
	if (r < 0)
		return r;
	if (lens[4] != strlen("aws4_request") || memcmp(parts[4], "aws4_request", lens[4]) != 0)
		return -EINVAL;
	return 0;
}

static int parse_signed_headers(const char *v, size_t n, struct sigv4_auth *a)
{
	const char *p = v, *end = v + n, *prev = NULL;
	size_t prev_len = 0;
	int r;

	r = copy_part(a->signed_headers, sizeof(a->signed_headers), v, n);
	if (r < 0)
		return r;
	while (p <= end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi ? semi : end;
		size_t len = (size_t)(stop - p);

		if (len == 0)
			return -EINVAL;
		for (size_t i = 0; i < len; i++)
			if (!is_header_name_char((unsigned char)p[i]))
				return -EINVAL;
		if (prev) {
			int c = memcmp(prev, p, UTIL_MIN(prev_len, len));

			if (c > 0 || (c == 0 && prev_len >= len))
				return -EINVAL; /* not sorted, or duplicate */
		}
		prev = p;
		prev_len = len;
		if (!semi)
			break;
		p = semi + 1;
	}
	return 0;
}

int sigv4_parse_authorization(const char *header, struct sigv4_auth *ret_auth)
{
	struct sigv4_auth a = {0};
	const char *p;
	bool have_cred = false, have_sh = false, have_sig = false;
	int r;

	if (!header || !ret_auth)
		return -EINVAL;
	if (strncmp(header, SIGV4_ALGORITHM " ", strlen(SIGV4_ALGORITHM) + 1) != 0)
		return -EINVAL;
	p = header + strlen(SIGV4_ALGORITHM) + 1;
	for (int i = 0; i < 3; i++) {
		const char *eq, *comma, *val;
		size_t name_len, val_len;

		while (*p == ' ')
			p++;
		eq = strchr(p, '=');
		if (!eq)
			return -EINVAL;
		name_len = (size_t)(eq - p);
		val = eq + 1;
		comma = strchr(val, ',');
		val_len = comma ? (size_t)(comma - val) : strlen(val);
		if (i < 2 && !comma)
			return -EINVAL;
		if (i == 2 && comma)
			return -EINVAL;
		if (name_len == 10 && memcmp(p, "Credential", 10) == 0 && !have_cred) {
			r = parse_credential(val, val_len, &a);
			have_cred = true;
		} else if (name_len == 13 && memcmp(p, "SignedHeaders", 13) == 0 && !have_sh) {
			r = parse_signed_headers(val, val_len, &a);
			have_sh = true;
		} else if (name_len == 9 && memcmp(p, "Signature", 9) == 0 && !have_sig) {
			if (val_len != 64)
				return -EINVAL;
			for (size_t j = 0; j < 64; j++)
				if (!isxdigit((unsigned char)val[j]) ||
				    isupper((unsigned char)val[j]))
					return -EINVAL;
			memcpy(a.signature, val, 64);
			a.signature[64] = '\0';
			r = 0;
			have_sig = true;
		} else {
			return -EINVAL;
		}
		if (r < 0)
			return r;
		p = comma ? comma + 1 : val + val_len;
	}
	if (*p != '\0')
		return -EINVAL;
	*ret_auth = a;
	return 0;
}

/* ---- canonical request ----------------------------------------------------- */

/* Normalise a path (remove "." and ".." segments, collapse "//"), then encode it. */
static int canonical_uri(struct sbuf *out, const char *path)
{
	char **segs = NULL;
	size_t n = 0, cap = 0;
	char *copy, *save = NULL, *tok;
	bool trailing;
	int r = 0;

	if (!path || !*path)
		path = "/";
	if (path[0] != '/')
		return -EINVAL;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	trailing = strlen(path) > 1 && path[strlen(path) - 1] == '/';
	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (n > 0)
				n--;
			continue;
		}
		r = VEC_PUSH(segs, n, cap, tok);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		sbuf_putc(out, '/');
		uri_encode_into(out, segs[i], strlen(segs[i]), false);
	}
	if (n == 0 || trailing)
		sbuf_putc(out, '/');
out:
	free(segs);
	free(copy);
	return r;
}

struct qparam {
	char *name;
	char *value;
};

static int qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

/* Percent-decode [s, s+n) (no '+' translation) and re-encode it. */
static int reencode(const char *s, size_t n, char **ret)
{
	char *dec = malloc(n + 1);
	size_t k = 0;
	int r;

	if (!dec)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			dec[k++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			dec[k++] = s[i];
		}
	}
	r = sigv4_uri_encode(dec, k, false, ret);
	free(dec);
	return r;
}

static int canonical_query(struct sbuf *out, const char *query)
{
	struct qparam *ps = NULL;
	size_t n = 0, cap = 0;
	const char *p = query;
	int r = 0;

	if (!query || !*query)
		return 0;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		struct qparam q = {0};

		if (len > 0) {
			size_t nlen = eq ? (size_t)(eq - p) : len;

			r = reencode(p, nlen, &q.name);
			if (r == 0)
				r = eq ? reencode(eq + 1, len - nlen - 1, &q.value)
				       : sigv4_uri_encode("", 0, false, &q.value);
			if (r == 0)
				r = VEC_PUSH(ps, n, cap, q);
			if (r < 0) {
				free(q.name);
				free(q.value);
				goto out;
			}
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	qsort(ps, n, sizeof(*ps), qparam_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i)
			sbuf_putc(out, '&');
		sbuf_puts(out, ps[i].name);
		sbuf_putc(out, '=');
		sbuf_puts(out, ps[i].value);
	}
out:
	for (size_t i = 0; i < n; i++) {
		free(ps[i].name);
		free(ps[i].value);
	}
	free(ps);
	return r;
}

/* Append a header value trimmed, with inner runs of whitespace collapsed to one space. */
static void put_trimmed(struct sbuf *out, const char *v)
{
	const char *end;
	bool space = false;

	while (*v == ' ' || *v == '\t')
		v++;
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (; v < end; v++) {
		if (*v == ' ' || *v == '\t') {
			space = true;
			continue;
		}
		if (space)
			sbuf_putc(out, ' ');
		space = false;
		sbuf_putc(out, *v);
	}
}

int sigv4_canonical_request(const struct sigv4_request *req, const char *signed_headers,
			    char **ret_creq)
{
	struct sbuf b = {0};
	char hash[SIGV4_HEX_LEN];
	const char *p;
	int r;

	if (!req || !req->method || !signed_headers || !*signed_headers)
		return -EINVAL;
	if (req->n_headers > SIGV4_MAX_HEADERS)
		return -E2BIG;
	sbuf_puts(&b, req->method);
	sbuf_putc(&b, '\n');
	r = canonical_uri(&b, req->path);
	if (r < 0)
		goto fail;
	sbuf_putc(&b, '\n');
	r = canonical_query(&b, req->query);
	if (r < 0)
		goto fail;
	sbuf_putc(&b, '\n');
	p = signed_headers;
	while (*p) {
		const char *semi = strchr(p, ';');
		size_t len = semi ? (size_t)(semi - p) : strlen(p);
		bool found = false;

		if (len == 0) {
			r = -EINVAL;
			goto fail;
		}
		sbuf_putn(&b, p, len);
		sbuf_putc(&b, ':');
		for (size_t i = 0; i < req->n_headers; i++) {
			const struct sigv4_header *h = &req->headers[i];

			if (strlen(h->name) != len || strncasecmp(h->name, p, len) != 0)
				continue;
			if (found)
				sbuf_putc(&b, ',');
			put_trimmed(&b, h->value ? h->value : "");
			found = true;
		}
		if (!found) {
			r = -EINVAL;
			goto fail;
		}
		sbuf_putc(&b, '\n');
		if (!semi)
			break;
		p = semi + 1;
	}
	sbuf_putc(&b, '\n');
	sbuf_puts(&b, signed_headers);
	sbuf_putc(&b, '\n');
	r = sha256_hex(req->payload, req->payload_size, hash);
	if (r < 0)
		goto fail;
	sbuf_puts(&b, hash);
	return sbuf_finish(&b, ret_creq);
fail:
	free(b.s);
	return r;
}

int sigv4_string_to_sign(const char *amz_date, const char *scope, const char *canonical_request,
			 char **ret_sts)
{
	struct sbuf b = {0};
	char hash[SIGV4_HEX_LEN];
	int r;

	r = sha256_hex(canonical_request, strlen(canonical_request), hash);
	if (r < 0)
		return r;
	sbuf_puts(&b, SIGV4_ALGORITHM "\n");
	sbuf_puts(&b, amz_date);
	sbuf_putc(&b, '\n');
	sbuf_puts(&b, scope);
	sbuf_putc(&b, '\n');
	sbuf_puts(&b, hash);
	return sbuf_finish(&b, ret_sts);
}

int sigv4_signing_key(const char *secret, const char *date, const char *region, const char *service,
		      uint8_t ret_key[32])
{
	uint8_t k[32];
	char *seed;
	size_t seed_len;
	int r;

	if (!secret || !date || !region || !service)
		return -EINVAL;
	seed_len = strlen(secret) + 4;
	seed = malloc(seed_len + 1);
	if (!seed)
		return -ENOMEM;
	memcpy(seed, "AWS4", 4);
	memcpy(seed + 4, secret, seed_len - 4);
	r = hmac256((const uint8_t *)seed, seed_len, date, strlen(date), k);
	OPENSSL_cleanse(seed, seed_len);
	free(seed);
	if (r == 0)
		r = hmac256(k, 32, region, strlen(region), k);
	if (r == 0)
		r = hmac256(k, 32, service, strlen(service), k);
	if (r == 0)
		r = hmac256(k, 32, "aws4_request", strlen("aws4_request"), k);
	if (r == 0)
		memcpy(ret_key, k, 32);
	OPENSSL_cleanse(k, sizeof(k));
	return r;
}

int sigv4_signature(const struct sigv4_request *req, const char *secret, const char *amz_date,
		    const char *region, const char *service, const char *signed_headers,
		    char ret_signature[SIGV4_HEX_LEN])
{
	char *creq = NULL, *sts = NULL;
	char scope[8 + 1 + SIGV4_SCOPE_PART_MAX * 2 + 16];
	char date[9];
	uint8_t key[32], sig[32];
	int r;

	if (!amz_date || strlen(amz_date) < 8 || !region || !service)
		return -EINVAL;
	if (strlen(region) >= SIGV4_SCOPE_PART_MAX || strlen(service) >= SIGV4_SCOPE_PART_MAX)
		return -E2BIG;
	memcpy(date, amz_date, 8);
	date[8] = '\0';
	snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", date, region, service);
	r = sigv4_canonical_request(req, signed_headers, &creq);
	if (r < 0)
		return r;
	r = sigv4_string_to_sign(amz_date, scope, creq, &sts);
	if (r < 0)
		goto out;
	r = sigv4_signing_key(secret, date, region, service, key);
	if (r < 0)
		goto out;
	r = hmac256(key, 32, sts, strlen(sts), sig);
	OPENSSL_cleanse(key, sizeof(key));
	if (r < 0)
		goto out;
	hex_encode(sig, 32, ret_signature);
out:
	free(sts);
	free(creq);
	return r;
}

static int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sigv4_sign(const struct sigv4_request *req, const char *access_key, const char *secret,
	       const char *amz_date, const char *region, const char *service,
	       char **ret_authorization)
{
	char *names[SIGV4_MAX_HEADERS];
	size_t n = 0;
	struct sbuf sh = {0}, out = {0};
	char sig[SIGV4_HEX_LEN];
	int r = 0;

	if (!req || !access_key || !secret || !ret_authorization)
		return -EINVAL;
	if (req->n_headers > SIGV4_MAX_HEADERS)
		return -E2BIG;
	for (size_t i = 0; i < req->n_headers; i++) {
		char *lower = strdup(req->headers[i].name);
		bool dup = false;

		if (!lower) {
			r = -ENOMEM;
			goto out;
		}
		for (char *c = lower; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		for (size_t j = 0; j < n; j++)
			dup = dup || strcmp(names[j], lower) == 0;
		if (dup)
			free(lower);
		else
			names[n++] = lower;
	}
	if (n == 0) {
		r = -EINVAL;
		goto out;
	}
	qsort(names, n, sizeof(names[0]), str_ptr_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i)
			sbuf_putc(&sh, ';');
		sbuf_puts(&sh, names[i]);
	}
	if (sh.oom) {
		r = -ENOMEM;
		goto out;
	}
	r = sigv4_signature(req, secret, amz_date, region, service, sh.s, sig);
	if (r < 0)
		goto out;
	sbuf_puts(&out, SIGV4_ALGORITHM " Credential=");
	sbuf_puts(&out, access_key);
	sbuf_putc(&out, '/');
	sbuf_putn(&out, amz_date, 8);
	sbuf_putc(&out, '/');
	sbuf_puts(&out, region);
	sbuf_putc(&out, '/');
	sbuf_puts(&out, service);
	sbuf_puts(&out, "/aws4_request, SignedHeaders=");
	sbuf_puts(&out, sh.s);
	sbuf_puts(&out, ", Signature=");
	sbuf_puts(&out, sig);
	r = sbuf_finish(&out, ret_authorization);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(sh.s);
	return r;
}

int sigv4_verify(const struct sigv4_request *req, const struct sigv4_auth *auth, const char *secret,
		 const char *amz_date)
{
	char sig[SIGV4_HEX_LEN];
	int r;

	if (!req || !auth || !secret || !amz_date || strlen(amz_date) < 8)
		return -EINVAL;
	if (memcmp(amz_date, auth->date, 8) != 0)
		return -EINVAL;
	r = sigv4_signature(req, secret, amz_date, auth->region, auth->service,
			    auth->signed_headers, sig);
	if (r < 0)
		return r;
	if (CRYPTO_memcmp(sig, auth->signature, 64) != 0)
		return -EACCES;
	return 0;
}
