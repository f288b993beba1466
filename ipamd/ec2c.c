/*
 * ec2c: see ec2c.h.
 *
 * One request is: the typed call builds a form (ec2c-form.c), request()
 * signs and sends it, retrying as ec2c.h says, and hands the 2xx body to
 * the call's parser (ec2c-xml.c).  Each attempt is signed anew with the
 * clock of that attempt, so a retry after a long backoff is not refused as
 * expired.
 */
#include "ipamd/ec2c.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "ipamd/ec2c-curl.h"
#include "ipamd/ec2c-form.h"
#include "ipamd/ec2c-xml.h"
#include "lib/sigv4/sigv4.h"
#include "lib/util/util.h"

#define CONTENT_TYPE "application/x-www-form-urlencoded; charset=utf-8"

struct ec2c {
	struct ec2c_config cfg;
	struct ec2c_hooks hooks;
	char host[EC2C_URL_MAX]; /* authority of the endpoint: the Host header */
	char path[EC2C_URL_MAX]; /* path of the endpoint, "/" by default */
	char url[EC2C_URL_MAX + 1];
	struct util_rng rng;
	struct ec2c_curl *curl; /* when hooks.send is NULL */
	struct ec2c_stats stats;
};

void ec2c_config_defaults(struct ec2c_config *cfg)
{
	*cfg = (struct ec2c_config){
	    .timeout_ms = 10000,
	    .max_attempts = 10,
	    .backoff_base_ms = 250,
	    .backoff_max_ms = 20000,
	};
	strcpy(cfg->endpoint, EC2C_DEFAULT_ENDPOINT);
	strcpy(cfg->region, EC2C_DEFAULT_REGION);
}

int ec2c_config_from_env(struct ec2c_config *cfg)
{
	static const struct {
		const char *var;
		size_t off, size;
	} vars[] = {
	    {"AWS_ACCESS_KEY_ID", offsetof(struct ec2c_config, access_key), EC2C_KEY_MAX},
	    {"AWS_SECRET_ACCESS_KEY", offsetof(struct ec2c_config, secret_key), EC2C_SECRET_MAX},
	    {"AWS_SESSION_TOKEN", offsetof(struct ec2c_config, session_token), EC2C_TOKEN_MAX},
	    {"AWS_EC2_ENDPOINT", offsetof(struct ec2c_config, endpoint), EC2C_URL_MAX},
	    {"AWS_DEFAULT_REGION", offsetof(struct ec2c_config, region), EC2C_REGION_MAX},
	    {"AWS_REGION", offsetof(struct ec2c_config, region), EC2C_REGION_MAX},
	};
	struct ec2c_config *out;

	/* Check every value first so that cfg is unchanged on failure. */
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
		const char *v = getenv(vars[i].var);

		if (v && *v && strlen(v) >= vars[i].size)
			return -ENAMETOOLONG;
	}
	out = malloc(sizeof(*out));
	if (!out)
		return -ENOMEM;
	*out = *cfg;
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
		const char *v = getenv(vars[i].var);

		if (v && *v)
			strcpy((char *)out + vars[i].off, v);
	}
	*cfg = *out;
	memset(out, 0, sizeof(*out));
	free(out);
	return 0;
}

bool ec2c_error_is(const struct ec2c_error *err, const char *code)
{
	return err && code && strcmp(err->code, code) == 0;
}

/* Split http[s]://authority[/path] into c->host and c->path. */
static int parse_endpoint(struct ec2c *c, const char *url)
{
	const char *auth, *slash;
	size_t alen;

	if (strncmp(url, "http://", 7) == 0)
		auth = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		auth = url + 8;
	else
		return -EINVAL;
	slash = strchr(auth, '/');
	alen = slash ? (size_t)(slash - auth) : strlen(auth);
	if (alen == 0 || alen >= sizeof(c->host))
		return -EINVAL;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '?' || *p == '#' ||
		    (p < auth + alen && *p == '@'))
			return -EINVAL;
	memcpy(c->host, auth, alen);
	c->host[alen] = '\0';
	if (util_strscpy(c->path, slash ? slash : "/", sizeof(c->path)) < 0)
		return -EINVAL;
	snprintf(c->url, sizeof(c->url), "%s%s", url, slash ? "" : "/");
	return 0;
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

int ec2c_new(const struct ec2c_config *cfg, const struct ec2c_hooks *hooks, struct ec2c **ret)
{
	struct ec2c *c;
	uint64_t seed;
	int r;

	if (!cfg || !ret || !terminated(cfg->endpoint, sizeof(cfg->endpoint)) ||
	    !terminated(cfg->region, sizeof(cfg->region)) ||
	    !terminated(cfg->access_key, sizeof(cfg->access_key)) ||
	    !terminated(cfg->secret_key, sizeof(cfg->secret_key)) ||
	    !terminated(cfg->session_token, sizeof(cfg->session_token)) || !cfg->region[0] ||
	    !cfg->access_key[0] || !cfg->secret_key[0] || cfg->max_attempts < 1 ||
	    cfg->timeout_ms <= 0 || cfg->backoff_base_ms < 0 ||
	    cfg->backoff_max_ms < cfg->backoff_base_ms)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = *cfg;
	if (hooks)
		c->hooks = *hooks;
	r = parse_endpoint(c, cfg->endpoint);
	if (r < 0)
		goto err;
	if (!c->hooks.send) {
		r = ec2c_curl_new(&c->curl);
		if (r < 0)
			goto err;
	}
	seed = c->hooks.seed;
	if (seed == 0 && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	util_rng_seed(&c->rng, seed);
	*ret = c;
	return 0;
err:
	ec2c_free(c);
	return r;
}

struct ec2c *ec2c_free(struct ec2c *c)
{
	if (!c)
		return NULL;
	ec2c_curl_free(c->curl);
	memset(&c->cfg, 0, sizeof(c->cfg)); /* the secret */
	free(c);
	return NULL;
}

static int64_t now_s(struct ec2c *c)
{
	return c->hooks.now ? c->hooks.now(c->hooks.userdata) : (int64_t)time(NULL);
}

static void do_sleep(struct ec2c *c, long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	if (c->hooks.sleep) {
		c->hooks.sleep(c->hooks.userdata, ms);
		return;
	}
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The wait after failed attempt n (1-based). */
static long backoff_ms(struct ec2c *c, int n)
{
	long cap = c->cfg.backoff_base_ms;

	for (int i = 1; i < n && cap < c->cfg.backoff_max_ms; i++)
		cap *= 2;
	if (cap > c->cfg.backoff_max_ms)
		cap = c->cfg.backoff_max_ms;
	return cap / 2 + (long)util_rng_below(&c->rng, (uint64_t)(cap / 2) + 1);
}

static bool retryable_code(const char *code)
{
	static const char *const codes[] = {
	    "RequestLimitExceeded",  "Throttling",	 "ThrottlingException",
	    "EC2ThrottledException", "RequestThrottled", "RequestThrottledException",
	    "InternalError",	     "InternalFailure",	 "ServiceUnavailable",
	    "Unavailable",
	};

	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (strcmp(code, codes[i]) == 0)
			return true;
	return false;
}

static int map_code(const char *code)
{
	static const char *const denied[] = {
	    "AuthFailure",	    "UnauthorizedOperation", "SignatureDoesNotMatch",
	    "InvalidClientTokenId", "OptInRequired",	     "Blocked",
	    "RequestExpired",	    "ExpiredToken",
	};
	size_t n = strlen(code);

	if (n >= 8 && strcmp(code + n - 8, "NotFound") == 0)
		return -ENOENT;
	for (size_t i = 0; i < ARRAY_SIZE(denied); i++)
		if (strcmp(code, denied[i]) == 0)
			return -EACCES;
	return -EREMOTEIO;
}

/* Sign and send body once.  0 with *resp, or the transport's negative errno. */
static int send_once(struct ec2c *c, const char *body, size_t size, struct ec2c_http_response *resp)
{
	char amz_date[SIGV4_AMZ_DATE_LEN];
	char *auth = NULL, *lines[6] = {0};
	const bool token = c->cfg.session_token[0] != '\0';
	struct sigv4_header h[4] = {
	    {"content-type", CONTENT_TYPE},
	    {"host", c->host},
	    {"x-amz-date", amz_date},
	    {"x-amz-security-token", c->cfg.session_token},
	};
	struct sigv4_request sreq = {
	    .method = "POST",
	    .path = c->path,
	    .headers = h,
	    .n_headers = token ? 4 : 3,
	    .payload = body,
	    .payload_size = size,
	};
	struct ec2c_http_request req;
	size_t n = 0;
	int r;

	sigv4_format_amz_date(now_s(c), amz_date);
	r = sigv4_sign(&sreq, c->cfg.access_key, c->cfg.secret_key, amz_date, c->cfg.region, "ec2",
		       &auth);
	if (r < 0)
		return r;
	if (asprintf(&lines[n++], "Content-Type: %s", CONTENT_TYPE) < 0 ||
	    asprintf(&lines[n++], "Host: %s", c->host) < 0 ||
	    asprintf(&lines[n++], "X-Amz-Date: %s", amz_date) < 0 ||
	    (token &&
	     asprintf(&lines[n++], "X-Amz-Security-Token: %s", c->cfg.session_token) < 0) ||
	    asprintf(&lines[n++], "Authorization: %s", auth) < 0) {
		lines[n - 1] = NULL; /* asprintf leaves it undefined on failure */
		r = -ENOMEM;
		goto out;
	}
	req = (struct ec2c_http_request){
	    .url = c->url,
	    .headers = (const char *const *)lines,
	    .n_headers = n,
	    .body = body,
	    .body_size = size,
	    .timeout_ms = c->cfg.timeout_ms,
	};
	*resp = (struct ec2c_http_response){0};
	if (c->hooks.send)
		r = c->hooks.send(c->hooks.userdata, &req, resp);
	else
		r = ec2c_curl_send(c->curl, &req, resp);
	if (r == 0 && !resp->body) {
		resp->body = calloc(1, 1);
		resp->body_size = 0;
		if (!resp->body)
			r = -ENOMEM;
	}
out:
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		free(lines[i]);
	free(auth);
	return r;
}

/*
 * Send the form, retrying; on 2xx hand back the body (heap, caller frees).
 * err is always filled on failure.
 */
static int request_retrying(struct ec2c *c, struct ec2c_form *form, char **ret_body,
			    size_t *ret_size, struct ec2c_error *err)
{
	const char *body;
	size_t size;
	int r;

	memset(err, 0, sizeof(*err));
	r = ec2c_form_finish(form, &body, &size);
	if (r < 0) {
		snprintf(err->message, sizeof(err->message), "cannot build the request: %s",
			 strerror(-r));
		return r;
	}
	for (int attempt = 1;; attempt++) {
		struct ec2c_http_response resp;
		bool retry;

		err->attempts = attempt;
		r = send_once(c, body, size, &resp);
		if (r < 0) {
			memset(err->code, 0, sizeof(err->code));
			err->http_status = 0;
			err->request_id[0] = '\0';
			snprintf(err->message, sizeof(err->message), "%s", strerror(-r));
			retry = r != -ENOMEM && r != -EINVAL && r != -E2BIG && r != -EFBIG;
		} else if (resp.status >= 200 && resp.status < 300) {
			*ret_body = resp.body;
			*ret_size = resp.body_size;
			memset(err, 0, sizeof(*err));
			err->attempts = attempt;
			return 0;
		} else {
			struct ec2c_error parsed = {0};

			err->http_status = resp.status;
			if (ec2c_xml_parse_error(resp.body, resp.body_size, &parsed) == 0) {
				memcpy(err->code, parsed.code, sizeof(err->code));
				memcpy(err->message, parsed.message, sizeof(err->message));
				memcpy(err->request_id, parsed.request_id, sizeof(err->request_id));
			} else {
				err->code[0] = '\0';
				err->request_id[0] = '\0';
				snprintf(err->message, sizeof(err->message),
					 "HTTP %ld without an EC2 error document", resp.status);
			}
			free(resp.body);
			if (retryable_code(err->code))
				c->stats.throttled++;
			retry = resp.status >= 500 || retryable_code(err->code);
			r = retry ? -EAGAIN : err->code[0] ? map_code(err->code) : -EREMOTEIO;
		}
		if (!retry || attempt >= c->cfg.max_attempts)
			return r;
		do_sleep(c, backoff_ms(c, attempt));
	}
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* request_retrying(), counted in c->stats and reported to hooks.on_request. */
static int request(struct ec2c *c, const char *action, struct ec2c_form *form, char **ret_body,
		   size_t *ret_size, struct ec2c_error *err)
{
	int64_t start = monotonic_ms();
	int r = request_retrying(c, form, ret_body, ret_size, err);

	c->stats.requests++;
	c->stats.attempts += (uint64_t)err->attempts;
	if (err->attempts > 1)
		c->stats.retries += (uint64_t)err->attempts - 1;
	if (r < 0 && err->http_status != 0)
		c->stats.api_errors++;
	else if (r < 0 && err->attempts > 0)
		c->stats.transport_errors++;
	if (c->hooks.on_request)
		c->hooks.on_request(c->hooks.userdata, action, r, err,
				    (long)(monotonic_ms() - start));
	return r;
}

void ec2c_get_stats(const struct ec2c *c, struct ec2c_stats *ret_stats)
{
	*ret_stats = c->stats;
}

/* request() then parse: the common tail of the simple calls. */
static int call(struct ec2c *c, struct ec2c_form *form, struct ec2c_error *ret_err,
		int (*parse)(const char *body, size_t size, void *out, const char *action),
		void *out, const char *action)
{
	struct ec2c_error local, *err = ret_err ? ret_err : &local;
	char *body = NULL;
	size_t size = 0;
	int r;

	r = request(c, action, form, &body, &size, err);
	ec2c_form_done(form);
	if (r < 0)
		return r;
	r = parse(body, size, out, action);
	if (r < 0) {
		snprintf(err->message, sizeof(err->message), "unexpected %s answer: %s", action,
			 strerror(-r));
		err->http_status = 200;
	}
	free(body);
	return r;
}

static int parse_ok(const char *body, size_t size, void *out, const char *action)
{
	(void)out;
	return ec2c_xml_parse_ok(body, size, action);
}
static int parse_create_eni(const char *body, size_t size, void *out, const char *action)
{
	(void)action;
	return ec2c_xml_parse_create_eni(body, size, out);
}
static int parse_attach(const char *body, size_t size, void *out, const char *action)
{
	(void)action;
	return ec2c_xml_parse_attach(body, size, out);
}
static int parse_assign(const char *body, size_t size, void *out, const char *action)
{
	(void)action;
	return ec2c_xml_parse_assign(body, size, out);
}
static int parse_instance(const char *body, size_t size, void *out, const char *action)
{
	(void)action;
	return ec2c_xml_parse_instance(body, size, out);
}
static int parse_run(const char *body, size_t size, void *out, const char *action)
{
	(void)action;
	return ec2c_xml_parse_run(body, size, out);
}

/* Arguments refused before anything is sent. */
static int bad_args(struct ec2c_error *ret_err, const char *what)
{
	if (ret_err) {
		memset(ret_err, 0, sizeof(*ret_err));
		snprintf(ret_err->message, sizeof(ret_err->message), "invalid argument: %s", what);
	}
	return -EINVAL;
}

static bool nonempty(const char *s)
{
	return s && *s;
}

/* 32 hex digits, fresh per call and kept across its retries. */
static void client_token(struct ec2c *c, char buf[33])
{
	snprintf(buf, 33, "%016llx%016llx", (unsigned long long)util_rng_next(&c->rng),
		 (unsigned long long)util_rng_next(&c->rng));
}

int ec2c_create_network_interface(struct ec2c *c, const struct ec2c_create_eni *in,
				  struct ec2c_eni *ret_eni, struct ec2c_error *ret_err)
{
	struct ec2c_form f;
	char token[33];

	if (!c || !in || !ret_eni || !nonempty(in->subnet_id))
		return bad_args(ret_err, "SubnetId");
	if (in->secondary_ip_count < 0 || in->prefix_count < 0 ||
	    (in->secondary_ip_count > 0 && in->prefix_count > 0))
		return bad_args(ret_err, "SecondaryPrivateIpAddressCount with Ipv4PrefixCount");
	if (in->n_group_ids > EC2C_ENI_GROUPS_MAX || in->n_tags > EC2C_TAGS_MAX ||
	    (in->n_group_ids && !in->group_ids) || (in->n_tags && !in->tags))
		return bad_args(ret_err, "SecurityGroupId or tags");
	ec2c_form_init(&f, "CreateNetworkInterface");
	ec2c_form_add(&f, "SubnetId", in->subnet_id);
	if (in->description)
		ec2c_form_add(&f, "Description", in->description);
	for (size_t i = 0; i < in->n_group_ids; i++)
		ec2c_form_addf(&f, in->group_ids[i], "SecurityGroupId.%zu", i + 1);
	if (in->secondary_ip_count > 0)
		ec2c_form_add_long(&f, "SecondaryPrivateIpAddressCount", in->secondary_ip_count);
	if (in->prefix_count > 0)
		ec2c_form_add_long(&f, "Ipv4PrefixCount", in->prefix_count);
	if (in->n_tags > 0) {
		ec2c_form_add(&f, "TagSpecification.1.ResourceType", "network-interface");
		for (size_t i = 0; i < in->n_tags; i++) {
			ec2c_form_addf(&f, in->tags[i].key, "TagSpecification.1.Tag.%zu.Key",
				       i + 1);
			ec2c_form_addf(&f, in->tags[i].value ? in->tags[i].value : "",
				       "TagSpecification.1.Tag.%zu.Value", i + 1);
		}
	}
	client_token(c, token);
	ec2c_form_add(&f, "ClientToken", token);
	return call(c, &f, ret_err, parse_create_eni, ret_eni, "CreateNetworkInterface");
}

int ec2c_attach_network_interface(struct ec2c *c, const char *eni_id, const char *instance_id,
				  int device_index, char ret_attachment_id[EC2C_ID_MAX],
				  struct ec2c_error *ret_err)
{
	struct ec2c_form f;

	if (!c || !nonempty(eni_id) || !nonempty(instance_id) || device_index < 0 ||
	    !ret_attachment_id)
		return bad_args(ret_err, "NetworkInterfaceId, InstanceId or DeviceIndex");
	ec2c_form_init(&f, "AttachNetworkInterface");
	ec2c_form_add(&f, "NetworkInterfaceId", eni_id);
	ec2c_form_add(&f, "InstanceId", instance_id);
	ec2c_form_add_long(&f, "DeviceIndex", device_index);
	ec2c_form_add(&f, "NetworkCardIndex", "0");
	return call(c, &f, ret_err, parse_attach, ret_attachment_id, "AttachNetworkInterface");
}

int ec2c_set_delete_on_termination(struct ec2c *c, const char *eni_id, const char *attachment_id,
				   struct ec2c_error *ret_err)
{
	struct ec2c_form f;

	if (!c || !nonempty(eni_id) || !nonempty(attachment_id))
		return bad_args(ret_err, "NetworkInterfaceId or AttachmentId");
	ec2c_form_init(&f, "ModifyNetworkInterfaceAttribute");
	ec2c_form_add(&f, "NetworkInterfaceId", eni_id);
	ec2c_form_add(&f, "Attachment.AttachmentId", attachment_id);
	ec2c_form_add(&f, "Attachment.DeleteOnTermination", "true");
	return call(c, &f, ret_err, parse_ok, NULL, "ModifyNetworkInterfaceAttribute");
}

int ec2c_detach_network_interface(struct ec2c *c, const char *attachment_id, bool force,
				  struct ec2c_error *ret_err)
{
	struct ec2c_form f;

	if (!c || !nonempty(attachment_id))
		return bad_args(ret_err, "AttachmentId");
	ec2c_form_init(&f, "DetachNetworkInterface");
	ec2c_form_add(&f, "AttachmentId", attachment_id);
	ec2c_form_add(&f, "Force", force ? "true" : "false");
	return call(c, &f, ret_err, parse_ok, NULL, "DetachNetworkInterface");
}

int ec2c_delete_network_interface(struct ec2c *c, const char *eni_id, struct ec2c_error *ret_err)
{
	struct ec2c_form f;

	if (!c || !nonempty(eni_id))
		return bad_args(ret_err, "NetworkInterfaceId");
	ec2c_form_init(&f, "DeleteNetworkInterface");
	ec2c_form_add(&f, "NetworkInterfaceId", eni_id);
	return call(c, &f, ret_err, parse_ok, NULL, "DeleteNetworkInterface");
}

int ec2c_assign_private_ips(struct ec2c *c, const char *eni_id, int ip_count, int prefix_count,
			    struct ec2c_assigned *ret_assigned, struct ec2c_error *ret_err)
{
	struct ec2c_form f;

	if (!c || !nonempty(eni_id) || !ret_assigned)
		return bad_args(ret_err, "NetworkInterfaceId");
	if (ip_count < 0 || prefix_count < 0 || (ip_count > 0) == (prefix_count > 0))
		return bad_args(ret_err, "exactly one of SecondaryPrivateIpAddressCount and "
					 "Ipv4PrefixCount");
	ec2c_form_init(&f, "AssignPrivateIpAddresses");
	ec2c_form_add(&f, "NetworkInterfaceId", eni_id);
	if (ip_count > 0)
		ec2c_form_add_long(&f, "SecondaryPrivateIpAddressCount", ip_count);
	else
		ec2c_form_add_long(&f, "Ipv4PrefixCount", prefix_count);
	return call(c, &f, ret_err, parse_assign, ret_assigned, "AssignPrivateIpAddresses");
}

int ec2c_unassign_private_ips(struct ec2c *c, const char *eni_id, const uint32_t *ips, size_t n_ips,
			      const struct net_cidr4 *prefixes, size_t n_prefixes,
			      struct ec2c_error *ret_err)
{
	char buf[NET_CIDR4_STRLEN];
	struct ec2c_form f;

	if (!c || !nonempty(eni_id) || n_ips + n_prefixes == 0 || n_ips > EC2C_IN_LIST_MAX ||
	    n_prefixes > EC2C_IN_LIST_MAX || (n_ips && !ips) || (n_prefixes && !prefixes))
		return bad_args(ret_err, "NetworkInterfaceId, PrivateIpAddress.N or Ipv4Prefix.N");
	ec2c_form_init(&f, "UnassignPrivateIpAddresses");
	ec2c_form_add(&f, "NetworkInterfaceId", eni_id);
	for (size_t i = 0; i < n_ips; i++)
		ec2c_form_addf(&f, net_ip4_format(ips[i], buf), "PrivateIpAddress.%zu", i + 1);
	for (size_t i = 0; i < n_prefixes; i++)
		ec2c_form_addf(&f, net_cidr4_format(prefixes[i], buf), "Ipv4Prefix.%zu", i + 1);
	return call(c, &f, ret_err, parse_ok, NULL, "UnassignPrivateIpAddresses");
}

int ec2c_describe_instance(struct ec2c *c, const char *instance_id,
			   struct ec2c_instance *ret_instance, struct ec2c_error *ret_err)
{
	struct ec2c_form f;

	if (!c || !nonempty(instance_id) || !ret_instance)
		return bad_args(ret_err, "InstanceId");
	ec2c_form_init(&f, "DescribeInstances");
	ec2c_form_add(&f, "InstanceId.1", instance_id);
	return call(c, &f, ret_err, parse_instance, ret_instance, "DescribeInstances");
}

static int describe_check(const struct ec2c_describe *q)
{
	if (!q)
		return 0;
	if (q->n_ids > EC2C_IN_LIST_MAX || q->n_filters > EC2C_IN_LIST_MAX ||
	    (q->n_ids && !q->ids) || (q->n_filters && !q->filters) || q->max_results < 0)
		return -EINVAL;
	for (size_t i = 0; i < q->n_ids; i++)
		if (!nonempty(q->ids[i]))
			return -EINVAL;
	for (size_t i = 0; i < q->n_filters; i++) {
		const struct ec2c_filter *flt = &q->filters[i];

		if (!nonempty(flt->name) || flt->n_values == 0 ||
		    flt->n_values > EC2C_IN_LIST_MAX || !flt->values)
			return -EINVAL;
		for (size_t j = 0; j < flt->n_values; j++)
			if (!flt->values[j])
				return -EINVAL;
	}
	return 0;
}

static void describe_form(struct ec2c_form *f, const char *action, const char *id_name,
			  const struct ec2c_describe *q, const char *next_token)
{
	ec2c_form_init(f, action);
	if (q) {
		for (size_t i = 0; i < q->n_ids; i++)
			ec2c_form_addf(f, q->ids[i], "%s.%zu", id_name, i + 1);
		for (size_t i = 0; i < q->n_filters; i++) {
			ec2c_form_addf(f, q->filters[i].name, "Filter.%zu.Name", i + 1);
			for (size_t j = 0; j < q->filters[i].n_values; j++)
				ec2c_form_addf(f, q->filters[i].values[j], "Filter.%zu.Value.%zu",
					       i + 1, j + 1);
		}
		if (q->max_results > 0 && q->n_ids == 0)
			ec2c_form_add_long(f, "MaxResults", q->max_results);
	}
	if (next_token[0])
		ec2c_form_add(f, "NextToken", next_token);
}

/*
 * Follow the pages of a Describe.  parse_page appends one page to list and
 * sets the next token; done frees list.
 */
static int describe_all(struct ec2c *c, const char *action, const char *id_name,
			const struct ec2c_describe *q, void *list,
			int (*parse_page)(const char *, size_t, void *, char *),
			struct ec2c_error *ret_err)
{
	struct ec2c_error local, *err = ret_err ? ret_err : &local;
	char *token;
	int r;

	if (describe_check(q) < 0)
		return bad_args(ret_err, "ids or filters");
	token = calloc(2, EC2C_NEXT_TOKEN_MAX);
	if (!token)
		return -ENOMEM;
	for (int page = 0;; page++) {
		struct ec2c_form f;
		char *body = NULL;
		size_t size = 0;

		if (page == EC2C_PAGES_MAX) {
			memset(err, 0, sizeof(*err));
			snprintf(err->message, sizeof(err->message), "%s: more than %d pages",
				 action, EC2C_PAGES_MAX);
			r = -E2BIG;
			break;
		}
		describe_form(&f, action, id_name, q, token);
		r = request(c, action, &f, &body, &size, err);
		ec2c_form_done(&f);
		if (r < 0)
			break;
		r = parse_page(body, size, list, token + EC2C_NEXT_TOKEN_MAX);
		free(body);
		if (r < 0) {
			snprintf(err->message, sizeof(err->message), "unexpected %s answer: %s",
				 action, strerror(-r));
			err->http_status = 200;
			break;
		}
		memcpy(token, token + EC2C_NEXT_TOKEN_MAX, EC2C_NEXT_TOKEN_MAX);
		if (!token[0])
			break;
	}
	free(token);
	return r;
}

static int eni_page(const char *body, size_t size, void *list, char *token)
{
	return ec2c_xml_parse_eni_page(body, size, list, token);
}

static int subnet_page(const char *body, size_t size, void *list, char *token)
{
	return ec2c_xml_parse_subnet_page(body, size, list, token);
}

int ec2c_describe_network_interfaces(struct ec2c *c, const struct ec2c_describe *q,
				     struct ec2c_eni_list *ret_list, struct ec2c_error *ret_err)
{
	struct ec2c_eni_list list = {0};
	int r;

	if (!c || !ret_list)
		return bad_args(ret_err, "client or result");
	r = describe_all(c, "DescribeNetworkInterfaces", "NetworkInterfaceId", q, &list, eni_page,
			 ret_err);
	if (r < 0) {
		ec2c_eni_list_done(&list);
		return r;
	}
	*ret_list = list;
	return 0;
}

int ec2c_describe_subnets(struct ec2c *c, const struct ec2c_describe *q,
			  struct ec2c_subnet_list *ret_list, struct ec2c_error *ret_err)
{
	struct ec2c_subnet_list list = {0};
	int r;

	if (!c || !ret_list)
		return bad_args(ret_err, "client or result");
	r = describe_all(c, "DescribeSubnets", "SubnetId", q, &list, subnet_page, ret_err);
	if (r < 0) {
		ec2c_subnet_list_done(&list);
		return r;
	}
	*ret_list = list;
	return 0;
}

int ec2c_create_tags(struct ec2c *c, const char *const *resource_ids, size_t n_resource_ids,
		     const struct ec2c_kv *tags, size_t n_tags, struct ec2c_error *ret_err)
{
	struct ec2c_form f;

	if (!c || !resource_ids || n_resource_ids == 0 || n_resource_ids > EC2C_IN_LIST_MAX ||
	    !tags || n_tags == 0 || n_tags > EC2C_TAGS_MAX)
		return bad_args(ret_err, "ResourceId.N or Tag.N");
	ec2c_form_init(&f, "CreateTags");
	for (size_t i = 0; i < n_resource_ids; i++)
		ec2c_form_addf(&f, resource_ids[i], "ResourceId.%zu", i + 1);
	for (size_t i = 0; i < n_tags; i++) {
		ec2c_form_addf(&f, tags[i].key, "Tag.%zu.Key", i + 1);
		ec2c_form_addf(&f, tags[i].value ? tags[i].value : "", "Tag.%zu.Value", i + 1);
	}
	return call(c, &f, ret_err, parse_ok, NULL, "CreateTags");
}

int ec2c_run_instance(struct ec2c *c, const char *image_id, const char *instance_type,
		      const char *subnet_id, char ret_instance_id[EC2C_ID_MAX],
		      struct ec2c_error *ret_err)
{
	struct ec2c_form f;
	char token[33];

	if (!c || !nonempty(image_id) || !nonempty(instance_type) || !ret_instance_id)
		return bad_args(ret_err, "ImageId or InstanceType");
	ec2c_form_init(&f, "RunInstances");
	ec2c_form_add(&f, "ImageId", image_id);
	ec2c_form_add(&f, "InstanceType", instance_type);
	ec2c_form_add(&f, "MinCount", "1");
	ec2c_form_add(&f, "MaxCount", "1");
	if (nonempty(subnet_id))
		ec2c_form_add(&f, "SubnetId", subnet_id);
	client_token(c, token);
	ec2c_form_add(&f, "ClientToken", token);
	return call(c, &f, ret_err, parse_run, ret_instance_id, "RunInstances");
}

int ec2c_terminate_instance(struct ec2c *c, const char *instance_id, struct ec2c_error *ret_err)
{
	struct ec2c_form f;

	if (!c || !nonempty(instance_id))
		return bad_args(ret_err, "InstanceId");
	ec2c_form_init(&f, "TerminateInstances");
	ec2c_form_add(&f, "InstanceId.1", instance_id);
	return call(c, &f, ret_err, parse_ok, NULL, "TerminateInstances");
}
