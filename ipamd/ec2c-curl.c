/* ec2c-curl: see ec2c-curl.h. */
#include "ipamd/ec2c-curl.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

struct ec2c_curl {
	CURL *easy;
};

struct sink {
	char *buf;
	size_t size, cap;
	bool too_big;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int ec2c_curl_new(struct ec2c_curl **ret)
{
	struct ec2c_curl *t;

	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return -EIO;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->easy = curl_easy_init();
	if (!t->easy) {
		free(t);
		return -ENOMEM;
	}
	*ret = t;
	return 0;
}

struct ec2c_curl *ec2c_curl_free(struct ec2c_curl *t)
{
	if (!t)
		return NULL;
	curl_easy_cleanup(t->easy);
	free(t);
	return NULL;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb;

	if (n > EC2C_RESPONSE_MAX - s->size) {
		s->too_big = true;
		return 0;
	}
	if (s->size + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *p;

		while (cap < s->size + n + 1)
			cap *= 2;
		p = realloc(s->buf, cap);
		if (!p)
			return 0;
		s->buf = p;
		s->cap = cap;
	}
	memcpy(s->buf + s->size, ptr, n);
	s->size += n;
	s->buf[s->size] = '\0';
	return n;
}

static int map_curl(CURLcode rc, const struct sink *s)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return -ECONNRESET;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_WRITE_ERROR:
		return s->too_big ? -EFBIG : -ENOMEM;
	default:
		return -EIO;
	}
}

int ec2c_curl_send(void *userdata, const struct ec2c_http_request *req,
		   struct ec2c_http_response *ret_resp)
{
	struct ec2c_curl *t = userdata;
	struct curl_slist *hdrs = NULL, *tmp;
	struct sink s = {0};
	CURL *e = t->easy;
	long status = 0;
	CURLcode rc;
	int r;

	for (size_t i = 0; i < req->n_headers; i++) {
		tmp = curl_slist_append(hdrs, req->headers[i]);
		if (!tmp)
			goto err_nomem;
		hdrs = tmp;
	}
	/* No "Expect: 100-continue" round trip for larger bodies. */
	tmp = curl_slist_append(hdrs, "Expect:");
	if (!tmp)
		goto err_nomem;
	hdrs = tmp;
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_size);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "openvpc-ipamd/0.1");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, req->timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &s);
	rc = curl_easy_perform(e);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		r = map_curl(rc, &s);
		free(s.buf);
		return r;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (!s.buf) {
		s.buf = calloc(1, 1);
		if (!s.buf)
			return -ENOMEM;
	}
	ret_resp->status = status;
	ret_resp->body = s.buf;
	ret_resp->body_size = s.size;
	return 0;
err_nomem:
	curl_slist_free_all(hdrs);
	return -ENOMEM;
}
