/*
 * dispatch: the request path of vpcd's EC2 API (server.h) minus the
 * network: parameters, authentication, the action table, Regions, DryRun,
 * persistence, response documents.
 *
 * The action table is built once (api_actions()) from the families'
 * registration arrays, sorted by name and searched with bsearch; a name
 * registered twice or absent from the botocore model is a programming
 * error caught by the unit tests (api_actions_check()).
 */
#include "api/server.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "api/ec2-model.h"
#include "api/families.h"
#include "api/params.h"
#include "api/req-private.h"
#include "api/server-private.h"
#include "api/token-private.h"
#include "lib/util/util.h"

/* ---- the action table ---------------------------------------------------------- */

static const struct {
	const struct api_action *actions;
	const size_t *n;
} api_families[] = {
    {api_actions_region, &api_n_actions_region},
    {api_actions_instance_types, &api_n_actions_instance_types},
    {api_actions_tags, &api_n_actions_tags},
    {api_actions_vpc, &api_n_actions_vpc},
    {api_actions_secgroup, &api_n_actions_secgroup},
    {api_actions_eni, &api_n_actions_eni},
    {api_actions_route, &api_n_actions_route},
    {api_actions_nacl, &api_n_actions_nacl},
    {api_actions_vpn, &api_n_actions_vpn},
    {api_actions_flowlogs, &api_n_actions_flowlogs},
    {api_actions_dhcp, &api_n_actions_dhcp},
};

static struct api_action *action_table;
static size_t n_action_table;
static pthread_once_t action_table_once = PTHREAD_ONCE_INIT;

static int action_cmp(const void *a, const void *b)
{
	return strcmp(((const struct api_action *)a)->name, ((const struct api_action *)b)->name);
}

static void action_table_build(void)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; i < ARRAY_SIZE(api_families); i++)
		n += *api_families[i].n;
	action_table = calloc(n ? n : 1, sizeof(*action_table));
	if (!action_table)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(api_families); i++)
		for (size_t j = 0; j < *api_families[i].n; j++)
			action_table[k++] = api_families[i].actions[j];
	qsort(action_table, n, sizeof(*action_table), action_cmp);
	n_action_table = n;
}

const struct api_action *api_actions(size_t *ret_count)
{
	pthread_once(&action_table_once, action_table_build);
	*ret_count = n_action_table;
	return action_table;
}

const struct api_action *api_action_find(const char *name)
{
	struct api_action key = {.name = name};
	size_t n;
	const struct api_action *t = api_actions(&n);

	return t ? bsearch(&key, t, n, sizeof(*t), action_cmp) : NULL;
}

/* ---- server ------------------------------------------------------------------- */

static int64_t default_now(void)
{
	return (int64_t)time(NULL);
}

static bool region_valid(const char *r)
{
	size_t n = strlen(r);

	if (n < 4 || n >= MODEL_AZ_LEN - 4 || !strchr(r, '-'))
		return false;
	for (const char *c = r; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
			return false;
	return true;
}

static bool account_valid(const char *a)
{
	if (strlen(a) != 12)
		return false;
	for (const char *c = a; *c; c++)
		if (*c < '0' || *c > '9')
			return false;
	return true;
}

int api_server_new(const struct api_config *config, struct api_server **ret_server)
{
	struct api_server *s;
	uint64_t seed = config->seed;

	if (config->account_id && !account_valid(config->account_id))
		return -EINVAL;
	if (config->default_region && !region_valid(config->default_region))
		return -EINVAL;
	if (config->n_credentials > API_CREDENTIALS_MAX)
		return -E2BIG;
	if (seed == 0) {
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		ssize_t got;

		if (fd < 0)
			return -EIO;
		got = read(fd, &seed, sizeof(seed));
		close(fd);
		if (got != (ssize_t)sizeof(seed))
			return -EIO;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	util_strscpy(s->account_id, config->account_id ? config->account_id : API_DEFAULT_ACCOUNT,
		     sizeof(s->account_id));
	util_strscpy(s->default_region,
		     config->default_region ? config->default_region : API_DEFAULT_REGION,
		     sizeof(s->default_region));
	if (config->n_credentials) {
		s->creds = calloc(config->n_credentials, sizeof(*s->creds));
		if (!s->creds) {
			free(s);
			return -ENOMEM;
		}
		memcpy(s->creds, config->credentials, config->n_credentials * sizeof(*s->creds));
		s->n_creds = config->n_credentials;
	}
	s->persist = config->persist;
	s->now = config->now ? config->now : default_now;
	s->public_pool = config->public_pool;
	if (config->quotas)
		s->quotas = *config->quotas;
	else
		model_quotas_default(&s->quotas);
	util_rng_seed(&s->rng, seed);
	api_page_set_key(util_rng_next(&s->rng));
	pthread_mutex_init(&s->lock, NULL);
	*ret_server = s;
	return 0;
}

struct api_server *api_server_free(struct api_server *s)
{
	if (!s)
		return NULL;
	if (s->stop)
		s->stop(s);
	for (size_t i = 0; i < s->n_regions; i++) {
		model_free(s->regions[i].model);
		free(s->regions[i].avail);
	}
	free(s->regions);
	if (s->creds)
		memset(s->creds, 0, s->n_creds * sizeof(*s->creds));
	free(s->creds);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return NULL;
}

void api_set_change_callback(struct api_server *s, api_change_fn fn, void *userdata)
{
	pthread_mutex_lock(&s->lock);
	s->change_fn = fn;
	s->change_userdata = userdata;
	pthread_mutex_unlock(&s->lock);
}

void api_set_log_callback(struct api_server *s, api_log_fn fn, void *userdata)
{
	s->log_fn = fn;
	s->log_userdata = userdata;
}

void api_set_log_flush(struct api_server *s, api_log_flush_fn fn)
{
	s->log_flush = fn;
}

void api_server_log_flush(struct api_server *s)
{
	if (s->log_flush)
		s->log_flush(s->log_userdata);
}

int api_credentials_parse(const char *text, struct api_credential **ret_creds, size_t *ret_n)
{
	struct api_credential *c = NULL;
	size_t n = 0, cap = 0;
	const char *line = text;
	int r = 0;

	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[512], key[SIGV4_KEY_MAX], secret[256], extra[2];
		int got;

		if (len >= sizeof(buf)) {
			r = -E2BIG;
			goto fail;
		}
		memcpy(buf, line, len);
		buf[len] = '\0';
		got = sscanf(buf, "%128s %255s %1s", key, secret, extra);
		if (got == EOF || (got >= 1 && key[0] == '#')) {
			/* blank or comment */
		} else if (got != 2) {
			r = -EINVAL;
			goto fail;
		} else {
			struct api_credential cr = {0};

			for (const char *k = key; *k; k++)
				if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
				      (*k >= '0' && *k <= '9'))) {
					r = -EINVAL;
					goto fail;
				}
			if (n >= API_CREDENTIALS_MAX) {
				r = -E2BIG;
				goto fail;
			}
			util_strscpy(cr.access_key, key, sizeof(cr.access_key));
			util_strscpy(cr.secret, secret, sizeof(cr.secret));
			r = VEC_PUSH(c, n, cap, cr);
			if (r < 0)
				goto fail;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	*ret_creds = c;
	*ret_n = n;
	return 0;
fail:
	free(c);
	return r;
}

/* ---- Regions ------------------------------------------------------------------- */

static struct api_region *region_find(struct api_server *s, const char *name)
{
	for (size_t i = 0; i < s->n_regions; i++)
		if (strcmp(s->regions[i].name, name) == 0)
			return &s->regions[i];
	return NULL;
}

static int region_load(struct api_server *s, const char *name, struct model **ret, bool *ret_fresh)
{
	if (s->persist.load)
		return s->persist.load(s->persist.userdata, s->account_id, name, ret, ret_fresh);
	*ret = model_new(s->account_id, name);
	*ret_fresh = true;
	return *ret ? 0 : -ENOMEM;
}

const uint32_t *api_subnets_available_ips(struct api_req *r)
{
	struct api_region *rg = r->rg;
	size_t n = r->model->n_subnets;
	uint32_t *avail;

	if (rg && rg->avail_valid && rg->n_avail == n)
		return rg->avail;
	avail = rg ? malloc((n + 1) * sizeof(*avail)) : api_alloc(r, (n + 1) * sizeof(*avail));
	if (!avail || model_subnets_available_ips(r->model, avail) < 0) {
		if (rg)
			free(avail);
		return NULL;
	}
	if (rg) {
		free(rg->avail);
		rg->avail = avail;
		rg->n_avail = n;
		rg->avail_valid = true;
	}
	return avail;
}

/* Replace the in-memory model of a Region with the stored one (after a failed save). */
static void region_reload(struct api_server *s, struct api_region *rg)
{
	struct model *m = NULL;
	bool fresh;

	rg->avail_valid = false;
	if (!s->persist.load)
		return;
	if (s->persist.load(s->persist.userdata, s->account_id, rg->name, &m, &fresh) == 0) {
		model_free(rg->model);
		rg->model = m;
	}
}

static int region_get(struct api_server *s, struct api_req *r, const char *name,
		      struct api_region **ret)
{
	struct api_region *rg = region_find(s, name);
	struct model *m = NULL;
	bool fresh = false;
	int e;

	if (rg) {
		*ret = rg;
		return 0;
	}
	if (s->n_regions >= API_REGIONS_MAX)
		return api_fail(r, 400, "InvalidParameterValue",
				"This endpoint serves at most %d Regions", API_REGIONS_MAX);
	e = util_grow((void **)&s->regions, &s->cap_regions, s->n_regions + 1, sizeof(*s->regions));
	if (e < 0)
		return api_fail(r, 500, "InternalError", "Out of memory");
	e = region_load(s, name, &m, &fresh);
	if (e < 0)
		return api_fail(r, 500, "InternalError", "Could not load Region %s", name);
	if (fresh && s->persist.region_init) {
		struct model_ctx ctx;
		struct model_err err = {0};

		model_ctx_init(&ctx, name, &s->rng);
		ctx.quotas = s->quotas;
		if (s->public_pool.len)
			ctx.public_pool = s->public_pool;
		ctx.now = s->now();
		e = s->persist.region_init(s->persist.userdata, m, &ctx, &err);
		if (e < 0) {
			model_free(m);
			return api_fail_model(r, e, &err);
		}
	}
	if (fresh && s->persist.save) {
		e = s->persist.save(s->persist.userdata, m);
		if (e < 0) {
			model_free(m);
			return api_fail(r, 500, "InternalError", "Could not save Region %s", name);
		}
	}
	rg = &s->regions[s->n_regions++];
	memset(rg, 0, sizeof(*rg));
	util_strscpy(rg->name, name, sizeof(rg->name));
	rg->model = m;
	*ret = rg;
	return 0;
}

int api_server_with_model(struct api_server *s, const char *region,
			  void (*fn)(void *userdata, const struct model *m), void *userdata)
{
	struct api_region *rg;
	struct model *m = NULL;
	bool fresh = false;
	int e = 0;

	pthread_mutex_lock(&s->lock);
	rg = region_find(s, region);
	if (rg) {
		fn(userdata, rg->model);
		goto out;
	}
	/* Not loaded yet (no request since start): load it, keep it when stored. */
	e = region_load(s, region, &m, &fresh);
	if (e < 0)
		goto out;
	if (fresh || s->n_regions >= API_REGIONS_MAX ||
	    util_grow((void **)&s->regions, &s->cap_regions, s->n_regions + 1, sizeof(*s->regions)) < 0) {
		fn(userdata, m);
		model_free(m);
		goto out;
	}
	rg = &s->regions[s->n_regions++];
	memset(rg, 0, sizeof(*rg));
	util_strscpy(rg->name, region, sizeof(rg->name));
	rg->model = m;
	fn(userdata, m);
out:
	pthread_mutex_unlock(&s->lock);
	return e;
}

/* ---- authentication ---------------------------------------------------------------- */

static const char *header_get(const struct api_http_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_headers; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

/* Authenticate; on success copy the Region of the scope (or the default) into region. */
static int authenticate(struct api_server *s, struct api_req *r, const struct api_http_request *req,
			char region[MODEL_AZ_LEN])
{
	const char *authz = header_get(req, "Authorization");
	const char *date = header_get(req, "X-Amz-Date");
	const struct api_credential *cred = NULL;
	struct sigv4_auth a;
	struct sigv4_request sreq;
	int64_t t;
	int e;

	if (!authz) {
		if (s->n_creds)
			return api_fail(r, 403, "MissingAuthenticationToken",
					"The request must contain either a valid (registered) AWS "
					"access key ID or X.509 certificate.");
		util_strscpy(region, s->default_region, MODEL_AZ_LEN);
		return 0;
	}
	e = sigv4_parse_authorization(authz, &a);
	if (e < 0)
		return api_fail(r, 400, "IncompleteSignature",
				"The request signature does not conform to AWS standards.");
	if (!region_valid(a.region))
		return api_fail(r, 400, "IncompleteSignature",
				"Credential should be scoped to a valid Region.");
	util_strscpy(region, a.region, MODEL_AZ_LEN);
	if (!s->n_creds)
		return 0;
	for (size_t i = 0; i < s->n_creds && !cred; i++)
		if (strcmp(s->creds[i].access_key, a.access_key) == 0)
			cred = &s->creds[i];
	if (!cred)
		return api_fail(r, 401, "AuthFailure",
				"AWS was not able to validate the provided access credentials");
	if (!date || sigv4_parse_amz_date(date, &t) < 0)
		return api_fail(r, 400, "IncompleteSignature",
				"Authorization header requires existence of either a 'X-Amz-Date' "
				"or a 'Date' header.");
	if (t > s->now() + API_CLOCK_SKEW_MAX || t < s->now() - API_CLOCK_SKEW_MAX)
		return api_fail(r, 400, "RequestExpired",
				"Request has expired. Timestamp date is %s", date);
	sreq = (struct sigv4_request){
	    .method = req->method,
	    .path = req->path,
	    .query = req->query,
	    .headers = req->headers,
	    .n_headers = req->n_headers,
	    .payload = req->body,
	    .payload_size = req->body_size,
	};
	e = sigv4_verify(&sreq, &a, cred->secret, date);
	if (e < 0)
		return api_fail(r, 403, "SignatureDoesNotMatch",
				"The request signature we calculated does not match the "
				"signature you provided. Check your AWS Secret Access Key and "
				"signing method.");
	return 0;
}

/* ---- the request path ----------------------------------------------------------- */

static void new_request_id(struct api_server *s, char buf[37])
{
	uint64_t a = util_rng_next(&s->rng), b = util_rng_next(&s->rng);

	static const char hex[] = "0123456789abcdef";
	char *p = buf;

	a = (a & ~0xf000ULL) | 0x4000ULL;	/* version 4 */
	b = (b & ~(3ULL << 62)) | (2ULL << 62); /* variant 10 */
	/* 8-4-4-4-12 lower-case hex digits (snprintf was 2% of a small write). */
	for (int i = 60; i >= 0; i -= 4) {
		*p++ = hex[(a >> i) & 15];
		if (i == 32 || i == 16)
			*p++ = '-';
	}
	*p++ = '-';
	for (int i = 60; i >= 0; i -= 4) {
		*p++ = hex[(b >> i) & 15];
		if (i == 48)
			*p++ = '-';
	}
	*p = '\0';
}

static bool is_form(const struct api_http_request *req)
{
	const char *ct = header_get(req, "Content-Type");

	return !ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
}

static int parse_params(struct api_req *r, const struct api_http_request *req, struct api_params *p)
{
	char *bad = NULL;
	int e = 0;

	if (req->body_size > API_BODY_MAX)
		return api_fail(r, 413, "RequestEntityTooLarge", "Request body exceeds %d bytes",
				API_BODY_MAX);
	if (req->query && *req->query)
		e = api_params_parse(p, req->query, strlen(req->query), &bad);
	if (e == 0 && req->body_size && is_form(req))
		e = api_params_parse(p, req->body, req->body_size, &bad);
	if (e == -EEXIST) {
		api_fail(r, 400, "InvalidParameterValue",
			 "The parameter %.128s was specified more than once", bad ? bad : "?");
		free(bad);
		return -EINVAL;
	}
	if (e == -E2BIG)
		return api_fail(r, 400, "InvalidParameterValue",
				"Too many parameters, or a parameter name longer than %d bytes "
				"(limit %d parameters)",
				API_PARAM_NAME_MAX, API_PARAMS_MAX);
	if (e == -ENOMEM)
		return api_fail(r, 500, "InternalError", "Out of memory");
	if (e < 0)
		return api_fail(r, 400, "MalformedQueryString",
				"The request is not valid application/x-www-form-urlencoded");
	return 0;
}

static bool param_present_under(const struct api_params *p, const char *name)
{
	size_t i;
	size_t len = strlen(name);

	if (api_params_get(p, name))
		return true;
	i = api_params_lower_bound(p, name);
	return i < p->n && strncmp(p->items[i].name, name, len) == 0 &&
	       p->items[i].name[len] == '.';
}

/*
 * Newer SDKs add ClientToken to mutating actions (CreateRouteTable, ... in
 * 2023 botocore models) that the model this build was generated from lacks;
 * every mutating action accepts it, and idempotency applies to all of them.
 */
static bool takes_client_token(const struct api_req *r, const struct ec2_model_op *op)
{
	return ec2_model_accepts(op, "ClientToken") || (r->action->flags & API_MUTATING);
}

static int check_declared(struct api_req *r, const struct ec2_model_op *op)
{
	const struct api_params *p = r->params;

	for (size_t i = 0; i < p->n; i++) {
		const char *n = p->items[i].name;

		if (strcmp(n, "Action") == 0 || strcmp(n, "Version") == 0)
			continue;
		if (strcmp(n, "ClientToken") == 0 && takes_client_token(r, op))
			continue;
		if (!ec2_model_accepts(op, n))
			return api_fail(r, 400, "UnknownParameter",
					"The parameter %.128s is not recognized", n);
	}
	for (size_t i = 0; i < op->n_required; i++)
		if (!param_present_under(p, op->required[i]))
			return api_fail_missing(r, op->required[i]);
	return 0;
}

/* Everything up to and including the handler; returns the outcome in r / body. */
static int run(struct api_server *s, struct api_req *r, const struct api_http_request *req,
	       struct api_params *params, char **ret_body, size_t *ret_size,
	       struct api_http_response *resp)
{
	char region[MODEL_AZ_LEN];
	const char *action, *version;
	const struct ec2_model_op *op;
	struct api_region *rg = NULL;
	const char *token = NULL;
	char token_hash[65];
	struct model_ctx ctx;
	int e;

	e = parse_params(r, req, params);
	if (e < 0)
		return e;
	r->params = params;
	e = authenticate(s, r, req, region);
	if (e < 0)
		return e;
	action = api_params_get(params, "Action");
	if (!action || !*action)
		return api_fail(r, 400, "MissingAction",
				"The request must contain the parameter "
				"Action");
	util_strscpy(resp->action, action, sizeof(resp->action));
	version = api_params_get(params, "Version");
	if (!version)
		return api_fail_missing(r, "Version");
	op = ec2_model_find(action);
	r->action = api_action_find(action);
	if (!r->action || !op)
		return api_fail(r, 400, "InvalidAction",
				op ? "The action %.64s is not implemented by openvpc yet."
				   : "The action %.64s is not valid for this web service.",
				action);
	if (strcmp(version, API_VERSION) != 0)
		return api_fail(r, 400, "InvalidParameterValue",
				"Unsupported Version '%.32s' (this endpoint speaks %s)", version,
				API_VERSION);
	e = check_declared(r, op);
	if (e < 0)
		return e;
	e = api_get_bool(r, &r->dry_run, API_OPTIONAL, "DryRun");
	if (e < 0)
		return e;
	e = region_get(s, r, region, &rg);
	if (e < 0)
		return e;
	e = api_client_token_check(&s->persist, r, takes_client_token(r, op), rg->name,
				   &token, token_hash, ret_body);
	if (e < 0)
		return e;
	if (e > 0) {
		*ret_size = strlen(*ret_body);
		return 0;
	}
	model_ctx_init(&ctx, rg->name, &s->rng);
	ctx.quotas = s->quotas;
	if (s->public_pool.len)
		ctx.public_pool = s->public_pool;
	ctx.now = s->now();
	r->model = rg->model;
	r->rg = rg;
	if (r->action->flags & API_MUTATING)
		rg->avail_valid = false; /* whatever the handler changes */
	r->mctx = &ctx;
	r->region = rg->name;
	r->account_id = s->account_id;
	if (api_xml_begin(r) < 0)
		return api_fail(r, 500, "InternalError", "Out of memory");
	e = r->action->handler(r);
	if (e == 0 && r->dry_run) {
		/* A handler that did not stop at api_dry_run_check(): undo, then answer 412. */
		if (r->action->flags & API_MUTATING) {
			region_reload(s, rg);
			rg->unsaved = true; /* should the reload have failed */
		}
		api_dry_run_check(r);
		e = -EALREADY;
	}
	if (e < 0) {
		if (r->action->flags & API_MUTATING)
			rg->unsaved = true;
		if (!r->error.code)
			api_fail(r, 500, "InternalError", "Internal error");
		return e;
	}
	if (r->action->flags & API_MUTATING) {
		if (r->n_touched && !rg->unsaved && s->persist.save_hint)
			e = s->persist.save_hint(s->persist.userdata, rg->model, r->touched,
						 r->n_touched);
		else if (s->persist.save)
			e = s->persist.save(s->persist.userdata, rg->model);
		if (e < 0) {
			region_reload(s, rg);
			rg->unsaved = true; /* should the reload have failed */
			return api_fail(r, 500, "InternalError",
					"The change could not be saved; nothing was changed.");
		}
		rg->unsaved = false;
		if (s->change_fn)
			s->change_fn(s->change_userdata, rg->name, rg->model);
	}
	if (api_xml_finish(r, ret_body, ret_size) < 0)
		return api_fail(r, 500, "InternalError", "Could not render the response");
	/*
	 * The change is already durable; a failure to remember the token only
	 * means a retry with it would run again, as without a token.
	 */
	if (token && s->persist.token_put)
		(void)s->persist.token_put(s->persist.userdata, rg->name, token, token_hash,
					   *ret_body);
	return 0;
}

int api_server_commit_locked(struct api_server *s)
{
	int e;

	if (!s->persist.commit)
		return 0;
	e = s->persist.commit(s->persist.userdata);
	if (e < 0)
		/* Nothing of the batch is stored: the models must be the file again. */
		for (size_t i = 0; i < s->n_regions; i++) {
			region_reload(s, &s->regions[i]);
			s->regions[i].unsaved = true; /* should the reload have failed */
			if (s->change_fn)
				s->change_fn(s->change_userdata, s->regions[i].name,
					     s->regions[i].model);
		}
	return e;
}

int api_server_commit_sync(struct api_server *s)
{
	int e = 0;

	if (s->persist.commit) {
		pthread_mutex_lock(&s->lock);
		e = api_server_commit_locked(s);
		pthread_mutex_unlock(&s->lock);
	}
	if (e == 0 && s->persist.sync)
		e = s->persist.sync(s->persist.userdata);
	return e;
}

int api_server_begin(struct api_server *s, const struct api_http_request *req,
		     struct api_http_response *ret, bool *ret_sync,
		     bool (*wait)(struct api_server *s, void *arg, const struct api_http_response *resp),
		     void *arg, bool *ret_waiting)
{
	struct api_http_response resp = {.status = 200};
	struct api_params params = {0};
	struct api_req r = {0};
	bool sync, waiting = false;
	int e;

	clock_gettime(CLOCK_MONOTONIC, &resp.start);
	util_strscpy(resp.action, "-", sizeof(resp.action));
	/*
	 * All of it under the mutex: a request that must wait for the commit
	 * is queued before the next commit can run (api_server_commit_locked),
	 * so the commit that covers its save always answers it.
	 */
	pthread_mutex_lock(&s->lock);
	new_request_id(s, resp.request_id);
	r.request_id = resp.request_id;
	e = run(s, &r, req, &params, &resp.body, &resp.body_size, &resp);
	api_xml_abort(&r);
	if (e < 0) {
		resp.failed = true;
		resp.status = r.error.status ? r.error.status : 500;
		util_strscpy(resp.code, r.error.code ? r.error.code : "InternalError",
			     sizeof(resp.code));
		if (api_xml_error_document(resp.code, r.error.message, resp.request_id, &resp.body,
					   &resp.body_size) < 0 &&
		    api_xml_error_document(resp.code, "(message not representable)",
					   resp.request_id, &resp.body, &resp.body_size) < 0) {
			pthread_mutex_unlock(&s->lock);
			api_req_arena_free(&r);
			api_params_done(&params);
			return -ENOMEM;
		}
	}
	/*
	 * Nothing is acknowledged before it is durable.  Reads wait too when
	 * others' changes are still uncommitted or unsynced, so nobody is shown
	 * a change that a crash could take back.
	 */
	sync = (s->persist.sync || s->persist.commit) &&
	       (!s->persist.unsynced || s->persist.unsynced(s->persist.userdata) != 0);
	*ret = resp;
	if (sync && wait)
		waiting = wait(s, arg, ret);
	pthread_mutex_unlock(&s->lock);
	api_req_arena_free(&r);
	api_params_done(&params);
	*ret_sync = sync;
	if (ret_waiting)
		*ret_waiting = waiting;
	return 0;
}

int api_server_handle_begin(struct api_server *s, const struct api_http_request *req,
			    struct api_http_response *ret, bool *ret_sync)
{
	return api_server_begin(s, req, ret, ret_sync, NULL, NULL, NULL);
}

void api_server_end(struct api_server *s, struct api_http_response *resp, int sync_result)
{
	struct timespec t1;

	if (sync_result < 0 && !resp->failed) {
		char *body = NULL;
		size_t size = 0;

		/* Out of memory for the error document: an empty 500, never the success body. */
		(void)api_xml_error_document("InternalError",
					     "The change could not be made durable; it may be lost "
					     "on a crash.",
					     resp->request_id, &body, &size);
		free(resp->body);
		resp->body = body;
		resp->body_size = body ? size : 0;
		resp->failed = true;
		resp->status = 500;
		util_strscpy(resp->code, "InternalError", sizeof(resp->code));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (s->log_fn)
		s->log_fn(s->log_userdata, resp->action, resp->status, resp->code,
			  (double)(t1.tv_sec - resp->start.tv_sec) * 1e3 +
			      (double)(t1.tv_nsec - resp->start.tv_nsec) / 1e6);
}

void api_server_handle_end(struct api_server *s, struct api_http_response *resp, int sync_result)
{
	api_server_end(s, resp, sync_result);
	api_server_log_flush(s);
}

int api_server_handle(struct api_server *s, const struct api_http_request *req,
		      struct api_http_response *ret)
{
	struct api_http_response resp;
	bool sync;
	int e;

	e = api_server_handle_begin(s, req, &resp, &sync);
	if (e < 0)
		return e;
	api_server_handle_end(s, &resp, sync ? api_server_commit_sync(s) : 0);
	*ret = resp;
	return 0;
}

void api_http_response_done(struct api_http_response *resp)
{
	if (!resp)
		return;
	free(resp->body);
	resp->body = NULL;
	resp->body_size = 0;
}
