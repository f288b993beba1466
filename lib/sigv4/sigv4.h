/*
 * sigv4: AWS Signature Version 4 (AWS4-HMAC-SHA256), one implementation for
 * both sides: vpcd verifies requests with it, vpc-ipamd signs them.
 *
 * What.  The algorithm of the AWS General Reference ("Signature Version 4
 * signing process"):
 *
 *   canonical request = METHOD \n canonical URI \n canonical query \n
 *                       canonical headers \n signed headers \n hex(SHA256(body))
 *   string to sign    = "AWS4-HMAC-SHA256" \n X-Amz-Date \n scope \n
 *                       hex(SHA256(canonical request))
 *   signing key       = HMAC chain "AWS4"+secret -> yyyymmdd -> region -> service
 *                       -> "aws4_request"
 *   signature         = hex(HMAC(signing key, string to sign))
 *
 * The canonical URI is the normalised path with every byte outside the
 * unreserved set and '/' percent-encoded (so an already encoded path is
 * encoded twice, as for every service but S3).  The canonical query sorts the
 * parameters by encoded name, then encoded value, after decoding and
 * re-encoding them.  Header names are lower-cased, values trimmed with inner
 * runs of spaces collapsed, repeated headers joined with ','.
 *
 * Inputs are borrowed; outputs are either caller buffers of documented size
 * or heap strings the caller frees (ret_* written only on success).
 * Nothing here logs, reads the clock or keeps state: thread-safe.
 */
#ifndef OPENVPC_SIGV4_H
#define OPENVPC_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
/* Limits on what a parsed Authorization header may carry (bytes incl. NUL). */
#define SIGV4_KEY_MAX		 129
#define SIGV4_SCOPE_PART_MAX	 64
#define SIGV4_SIGNED_HEADERS_MAX 1024
#define SIGV4_HEX_LEN		 65 /* 64 hex digits + NUL */
#define SIGV4_AMZ_DATE_LEN	 17 /* "20150830T123600Z" + NUL */
/* Headers a request may carry into signing; more is -E2BIG. */
#define SIGV4_MAX_HEADERS 64

struct sigv4_header {
	const char *name;  /* any case */
	const char *value; /* raw, untrimmed */
};

/* A request as signed or verified. */
struct sigv4_request {
	const char *method; /* "GET", "POST" */
	const char *path;   /* raw path as sent, e.g. "/"; NULL means "/" */
	const char *query;  /* raw query string without '?', NULL or "" for none */
	const struct sigv4_header *headers;
	size_t n_headers;
	const void *payload;
	size_t payload_size;
};

/* The parsed Authorization header. */
struct sigv4_auth {
	char access_key[SIGV4_KEY_MAX];
	char date[9]; /* yyyymmdd */
	char region[SIGV4_SCOPE_PART_MAX];
	char service[SIGV4_SCOPE_PART_MAX];
	char signed_headers[SIGV4_SIGNED_HEADERS_MAX]; /* "host;x-amz-date" */
	char signature[SIGV4_HEX_LEN];		       /* 64 lower-case hex */
};

/*
 * Strictly parse "AWS4-HMAC-SHA256 Credential=AKID/yyyymmdd/region/service/
 * aws4_request, SignedHeaders=a;b;c, Signature=<64 hex>".  The three
 * components must appear once each, in any order, separated by ',' and
 * optional spaces; signed header names must be lower-case, sorted, unique.
 * Returns 0, or -EINVAL (malformed) / -E2BIG (a part too long).
 */
int sigv4_parse_authorization(const char *header, struct sigv4_auth *ret_auth);

/*
 * Parse an X-Amz-Date "yyyymmddThhmmssZ" into Unix seconds.  0 or -EINVAL.
 */
int sigv4_parse_amz_date(const char *s, int64_t *ret_epoch);
/* Format Unix seconds as X-Amz-Date into buf (SIGV4_AMZ_DATE_LEN bytes). */
void sigv4_format_amz_date(int64_t epoch, char buf[SIGV4_AMZ_DATE_LEN]);

/*
 * The canonical request over the headers named in signed_headers
 * ("a;b;c", lower-case).  *ret_creq is a heap string.  0, -EINVAL (a signed
 * header is missing from the request, or the request is malformed), -E2BIG
 * or -ENOMEM.
 */
int sigv4_canonical_request(const struct sigv4_request *req, const char *signed_headers,
			    char **ret_creq);

/*
 * The string to sign.  scope = "yyyymmdd/region/service/aws4_request".
 * *ret_sts is a heap string.  0 or -ENOMEM.
 */
int sigv4_string_to_sign(const char *amz_date, const char *scope, const char *canonical_request,
			 char **ret_sts);

/* The derived signing key (32 bytes).  0 or -EINVAL / -EIO (crypto failure). */
int sigv4_signing_key(const char *secret, const char *date, const char *region, const char *service,
		      uint8_t ret_key[32]);

/*
 * The hex signature of req.  amz_date is the request's X-Amz-Date; the
 * scope's date is its first eight characters.  0 or a negative errno.
 */
int sigv4_signature(const struct sigv4_request *req, const char *secret, const char *amz_date,
		    const char *region, const char *service, const char *signed_headers,
		    char ret_signature[SIGV4_HEX_LEN]);

/*
 * Sign: the value of the Authorization header for req, signing every header
 * the request carries (the caller includes Host and X-Amz-Date, and
 * X-Amz-Security-Token when it has one).  *ret_authorization is a heap
 * string.  0 or a negative errno.
 */
int sigv4_sign(const struct sigv4_request *req, const char *access_key, const char *secret,
	       const char *amz_date, const char *region, const char *service,
	       char **ret_authorization);

/*
 * Verify req against its parsed Authorization header and secret.  Returns 0
 * when the signature matches, -EACCES when it does not, -EINVAL when a
 * signed header is absent or amz_date does not match the scope's date,
 * other negative errnos on failure.  The comparison is constant-time.
 */
int sigv4_verify(const struct sigv4_request *req, const struct sigv4_auth *auth, const char *secret,
		 const char *amz_date);

/*
 * URI-encode src (every byte outside A-Z a-z 0-9 - _ . ~ as %XX, upper-case
 * hex; '/' kept when keep_slash) into a heap string.  0 or -ENOMEM.
 */
int sigv4_uri_encode(const char *src, size_t length, bool keep_slash, char **ret_encoded);

/*
 * SHA-256 fetched once per process (OpenSSL 3 looks EVP_sha256() up again on
 * every use): for other hashes of request data, such as the idempotency
 * parameter hash.  Never NULL; owned by the library for the process's life.
 */
const EVP_MD *sigv4_sha256_md(void);

#endif
