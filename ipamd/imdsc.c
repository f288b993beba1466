/* imdsc: IMDSv2 client (see imdsc.h). */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipamd/imdsc.h"
#include "lib/util/util.h"

struct buf {
	char *p;
	size_t n, cap;
	bool too_big;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	size_t len = size * nmemb;

	if (b->n + len > IMDSC_BODY_MAX) {
		b->too_big = true;
		return 0;
	}
	if (util_grow((void **)&b->p, &b->cap, b->n + len + 1, 1) < 0)
		return 0;
	memcpy(b->p + b->n, data, len);
	b->n += len;
	b->p[b->n] = '\0';
	return len;
}

static int64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

int imdsc_init(struct imdsc *c, const char *endpoint)
{
	const char *e = endpoint ? endpoint : getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");

	memset(c, 0, sizeof(*c));
	c->timeout_ms = 5000;
	if (util_strscpy(c->endpoint, e && *e ? e : IMDSC_DEFAULT_ENDPOINT, sizeof(c->endpoint)) < 0)
		return -ENAMETOOLONG;
	size_t n = strlen(c->endpoint);
	while (n && c->endpoint[n - 1] == '/')
		c->endpoint[--n] = '\0';
	return 0;
}

/* One request; 0 with the body (any status in c->status) or a transport error. */
static int request(struct imdsc *c, bool put, const char *url, struct buf *b)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	char line[320];
	CURLcode rc;

	if (!h)
		return -ENOMEM;
	if (put) {
		snprintf(line, sizeof(line), "X-aws-ec2-metadata-token-ttl-seconds: %d", IMDSC_TOKEN_TTL);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
	} else {
		snprintf(line, sizeof(line), "X-aws-ec2-metadata-token: %s", c->token);
	}
	hdrs = curl_slist_append(hdrs, line);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	if (b->too_big)
		return -EFBIG;
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return -ETIMEDOUT;
	return rc == CURLE_OK ? 0 : -EIO;
}

static int refresh_token(struct imdsc *c)
{
	char url[320];
	struct buf b = {0};
	int e;

	snprintf(url, sizeof(url), "%s/latest/api/token", c->endpoint);
	e = request(c, true, url, &b);
	if (e == 0 && (c->status != 200 || !b.p || util_strscpy(c->token, b.p, sizeof(c->token)) < 0))
		e = c->status == 403 || c->status == 401 ? -EACCES : -EIO;
	if (e == 0)
		c->token_expiry = mono_s() + IMDSC_TOKEN_TTL - 60;
	free(b.p);
	return e;
}

int imdsc_get(struct imdsc *c, const char *path, char **ret_body)
{
	char url[1024];
	int e;

	snprintf(url, sizeof(url), "%s%s%s", c->endpoint, path[0] == '/' ? "" : "/latest/", path);
	for (int attempt = 0; attempt < 2; attempt++) {
		struct buf b = {0};

		if ((!c->token[0] || mono_s() >= c->token_expiry) && (e = refresh_token(c)) < 0)
			return e;
		e = request(c, false, url, &b);
		if (e == 0 && c->status == 200) {
			*ret_body = b.p ? b.p : strdup("");
			return *ret_body ? 0 : -ENOMEM;
		}
		free(b.p);
		if (e < 0)
			return e;
		if (c->status == 404)
			return -ENOENT;
		if (c->status != 401)
			return c->status == 403 ? -EACCES : -EIO;
		c->token[0] = '\0'; /* expired or foreign: one fresh token, one retry */
	}
	return -EACCES;
}
