/*
 * api: the handler interface of vpcd's EC2 Query API.
 *
 * What.  One EC2 action = one handler function plus one line in its family's
 * registration array (api/ec2-<family>.c).  The framework (api/dispatch.c)
 * has already done, before a handler runs:
 *
 *   - parsed the form body or query string into a parameter map (percent-
 *     decoded, duplicate names rejected, size limits enforced);
 *   - authenticated the request (SigV4) and taken the Region from the
 *     credential scope (default us-east-1);
 *   - found the action (unknown Action -> InvalidAction, no Version ->
 *     MissingParameter) and rejected every parameter the botocore model does
 *     not declare for it (UnknownParameter) and every missing required one
 *     (MissingParameter);
 *   - taken the daemon's mutex and fetched the Region's model (creating the
 *     Region, and its default VPC, on first use);
 *   - opened the XML response <{Action}Response xmlns=...> with <requestId>.
 *
 * A handler then reads parameters with the api_get_* accessors, validates,
 * honours DryRun with api_dry_run_check(), calls one model operation and
 * writes its result with the api_xml_* helpers.  It returns 0, or a negative
 * errno after setting the error with api_fail() / api_fail_model() (the
 * accessors set it themselves).  After a mutating action returns 0 the
 * framework saves the Region to the store before the response goes out; if
 * the save fails it reloads the Region and answers InternalError (500).  A
 * DryRun request of a mutating action is never saved, and if the handler
 * forgot to stop at api_dry_run_check() the framework reloads the Region, so
 * DryRun never has side effects.
 *
 * A whole read-only action:
 *
 *	static int describe_things(struct api_req *r)
 *	{
 *		struct api_filters f;
 *		int e = api_filters_parse(r, &thing_filters, &f);
 *		if (e < 0)
 *			return e;
 *		if ((e = api_dry_run_check(r)) < 0)
 *			return e;
 *		api_xml_start(r, "thingSet");
 *		for (...) if (api_filters_match(&f, thing)) { api_xml_start(r, "item"); ... }
 *		api_xml_end(r);
 *		return 0;
 *	}
 *	const struct api_action api_actions_thing[] = {
 *		{"DescribeThings", describe_things, API_READ},
 *	};
 *
 * Ownership.  Everything a handler gets from the request (parameter
 * strings, parsed lists, filters) lives until the request ends; api_alloc()
 * gives memory with the same lifetime.  The model belongs to the server; the
 * handler may change it only through lib/model ops.  Handlers never log and
 * never do I/O.
 *
 * Threading.  Handlers run one at a time under the server mutex.
 */
#ifndef OPENVPC_API_H
#define OPENVPC_API_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/model/model.h"
#include "lib/model/ops.h"

struct api_params;
struct api_req;
struct api_region;
struct api_server;

/* ---- limits ------------------------------------------------------------- */

#define API_BODY_MAX	      (1 << 20) /* bytes of a request body (413 above) */
#define API_PARAMS_MAX	      8192	/* parameters per request */
#define API_PARAM_NAME_MAX    256	/* bytes of one parameter name */
#define API_LIST_MAX	      1000	/* elements of one flattened list (Name.N) */
#define API_FILTERS_MAX	      200	/* Filter.N */
#define API_FILTER_VALUES_MAX 200	/* Filter.N.Value.M */
#define API_TAGS_MAX	      50	/* tags per TagSpecification / CreateTags */
#define API_TAG_KEY_MAX	      128	/* characters, AWS */
#define API_TAG_VALUE_MAX     256	/* characters, AWS */
#define API_PAGE_ID_MAX	      400	/* bytes of the position a NextToken encodes */
#define API_NAMESPACE	      "http://ec2.amazonaws.com/doc/2016-11-15/"
#define API_VERSION	      "2016-11-15"

/* ---- actions -------------------------------------------------------------- */

enum api_action_flags {
	API_READ = 0,		  /* changes nothing */
	API_MUTATING = 1u << 0,	  /* changes the model: saved before the answer */
	API_NO_DRY_RUN = 1u << 1, /* the action has no DryRun parameter */
};

typedef int (*api_handler_fn)(struct api_req *r);

struct api_action {
	const char *name; /* "DescribeVpcs" */
	api_handler_fn handler;
	unsigned flags; /* enum api_action_flags */
};

/* ---- the request a handler sees ----------------------------------------- */

struct api_error {
	const char *code; /* static string: "InvalidParameterValue" */
	int status;	  /* HTTP status */
	char message[512];
};

struct api_req {
	const struct api_action *action;
	const struct api_params *params;
	struct model *model;	/* the Region's model */
	struct model_ctx *mctx; /* now (wall clock), rng, quotas, the Region's AZs */
	const char *region;	/* "us-east-1" */
	const char *account_id; /* "123456789012" */
	const char *request_id; /* UUID */
	bool dry_run;		/* DryRun=true was sent */
	struct api_error error; /* set by api_fail*() */
	/* Framework internals below: handlers use the functions. */
	void *xml; /* xmlTextWriterPtr */
	bool xml_failed;
	bool dry_run_checked;
	struct api_arena_block *arena;
	const char *const *touched; /* api_set_touched() */
	size_t n_touched;
	struct api_region *rg; /* its memos (api_subnets_available_ips()); may be NULL */
};

/*
 * For a mutating handler whose change is confined to the resources with
 * these IDs (changed, created or deleted; store_save_region_hint): the save
 * then looks at those objects alone instead of the whole Region.  ids must
 * live until the request ends (the parameters or api_alloc()).  Optional;
 * without it everything is compared.  A failed handler's hint is ignored.
 */
void api_set_touched(struct api_req *r, const char *const *ids, size_t n_ids);

/*
 * api_set_touched() of one or two IDs (b may be NULL, or equal to a), each
 * copied into the request: an object the action deletes takes its own ID
 * with it.  Without memory there is simply no hint.
 */
void api_touch(struct api_req *r, const char *a, const char *b);
/* The same of ids[0..n) (an array from api_alloc(), whose entries become the copies). */
void api_touch_list(struct api_req *r, const char **ids, size_t n);

/*
 * AvailableIpAddressCount of every subnet of r->model, indexed as
 * model->subnets (model_subnets_available_ips()).  Memoised for the Region
 * until the next mutating request (which drops the memo before its handler
 * runs) or reload, so repeated DescribeSubnets calls do not walk every ENI
 * again.  The array lives until the request ends.  NULL on OOM.
 */
const uint32_t *api_subnets_available_ips(struct api_req *r);

/* Memory that lives until the request ends (zeroed).  NULL on OOM. */
void *api_alloc(struct api_req *r, size_t size);
char *api_strdup(struct api_req *r, const char *s);
/* Whether id is one of ids[0..n) (a linear scan: for short lists). */
bool api_id_listed(const char *const *ids, size_t n, const char *id);

/* ---- errors ----------------------------------------------------------------- */

/*
 * Set the request's error and return -EINVAL (so handlers write
 * `return api_fail(r, 400, "InvalidParameterValue", "...", ...);`).
 * code must be a string with static storage.
 */
int api_fail(struct api_req *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Map a model operation's error (code name and HTTP status from ops.h); returns rc (< 0). */
int api_fail_model(struct api_req *r, int rc, const struct model_err *err);
/* Shorthands for the common codes. */
int api_fail_invalid_value(struct api_req *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int api_fail_missing(struct api_req *r, const char *name);

/*
 * DryRun: call after validating the parameters and before changing
 * anything.  Returns 0 when DryRun was not requested; otherwise sets
 * DryRunOperation (412, "Request would have succeeded, but DryRun flag is
 * set.") and returns -EALREADY, which the handler returns as is.
 */
int api_dry_run_check(struct api_req *r);

/* ---- parameters ----------------------------------------------------------- */

enum api_get_flags {
	API_OPTIONAL = 0,
	API_REQUIRED = 1u << 0, /* absent -> MissingParameter */
};

/*
 * Parameter names are printf formats so nested forms read naturally:
 * api_get_str(r, &cidr, API_OPTIONAL, "IpPermissions.%zu.IpRanges.%zu.CidrIp", i, j).
 * Each returns 1 when the parameter is present (and *ret set), 0 when it is
 * absent and optional (*ret untouched), or a negative errno with the error
 * set (MissingParameter, InvalidParameterValue).
 */
int api_get_str(struct api_req *r, const char **ret, unsigned flags, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "true" / "false" exactly. */
int api_get_bool(struct api_req *r, bool *ret, unsigned flags, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Decimal integer in [min, max]; out of range -> InvalidParameterValue. */
int api_get_long(struct api_req *r, long *ret, long min, long max, unsigned flags, const char *fmt,
		 ...) __attribute__((format(printf, 6, 7)));

/*
 * Number of elements of the flattened list "<prefix>.N" / "<prefix>.N.*":
 * the indices present must be exactly 1..n (a gap or 0 ->
 * InvalidParameterValue), n <= API_LIST_MAX.  0 on success with *ret_n set
 * (0 for an absent list).
 */
int api_get_count(struct api_req *r, size_t *ret_n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * A flattened list of strings "<prefix>.1".."<prefix>.n" (e.g. "VpcId"):
 * *ret_items is a request-lifetime array of n pointers.  0 or negative.
 */
int api_get_str_list(struct api_req *r, const char ***ret_items, size_t *ret_n, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

/* ---- TagSpecification ------------------------------------------------------ */

/*
 * Parse TagSpecification.N.ResourceType / .Tag.M.Key / .Tag.M.Value of a
 * create action into *ret_tags (caller-owned; model_tags_clear()).  Every
 * ResourceType must equal resource_type ("vpc", "subnet", ...), else
 * InvalidParameterValue; keys must be 1..128 characters and not begin with
 * "aws:", values <= 256, at most API_TAGS_MAX, a key at most once.
 */
int api_get_tag_specs(struct api_req *r, const char *resource_type, struct model_tags *ret_tags);

/* "Tag.N.Key"/"Tag.N.Value" of CreateTags/DeleteTags: values may be absent (NULL). */
struct api_tag {
	const char *key;
	const char *value; /* NULL when absent */
};
int api_get_tags(struct api_req *r, const char *prefix, bool values_required,
		 struct api_tag **ret_tags, size_t *ret_n);

/* ---- Describe filters ------------------------------------------------------ */

struct api_filter_match;

/* Report one value of a field for the object under test. */
void api_filter_emit(struct api_filter_match *m, const char *value);
void api_filter_emitf(struct api_filter_match *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void api_filter_emit_bool(struct api_filter_match *m, bool value);

/*
 * A filterable field: name ("vpc-id") and a callback that emits each of the
 * object's values for it (none, one, or several for list fields).
 */
struct api_filter_field {
	const char *name;
	void (*values)(const void *obj, struct api_filter_match *m);
};

/* Everything a resource exposes to filters. */
struct api_filter_table {
	const struct api_filter_field *fields;
	size_t n_fields;
	/* The object's tags, for tag:Key, tag-key and tag-value; NULL: no tag filters. */
	const struct model_tags *(*tags)(const void *obj);
};

struct api_filter {
	const char *name;
	const struct api_filter_field *field; /* NULL for tag filters */
	const char **values;
	size_t n_values;
};

struct api_filters {
	const struct api_filter_table *table;
	struct api_filter *items;
	size_t n;
};

/*
 * Parse Filter.N.Name / Filter.N.Value.M against table.  Unknown names ->
 * InvalidParameterValue "The filter 'x' is invalid"; a filter without
 * values -> InvalidParameterValue.  0 or negative.
 */
int api_filters_parse(struct api_req *r, const struct api_filter_table *table,
		      struct api_filters *ret_filters);
/* AND across filters, OR across a filter's values; true when no filters. */
bool api_filters_match(const struct api_filters *f, const void *obj);
/*
 * EC2 wildcard match: '*' any run (also empty), '?' zero or one character,
 * '\' escapes the next character.  Case-sensitive.
 */
bool api_wildcard_match(const char *pattern, const char *s);

/* ---- pagination ------------------------------------------------------------- */

struct api_page {
	long max_results;     /* 0: no MaxResults given (everything) */
	const char *after_id; /* from NextToken: return IDs > this; NULL from the start */
};

/*
 * Parse MaxResults (must lie in [min, max], else InvalidParameterValue) and
 * NextToken (must be a token this daemon issued for this action, else
 * InvalidNextToken).  0 or negative.
 */
int api_page_parse(struct api_req *r, long min, long max, struct api_page *ret_page);

/*
 * api_page_parse with the MaxResults range of ec2-api.md section 6 for the
 * request's action (DescribeVpcs 5..1000, DescribeRouteTables 5..100, ...;
 * actions the model leaves unbounded: 1..1000, larger values clamped to
 * 1000 as AWS does for DescribeVpcEndpoints).  An action missing from the
 * table gets 5..1000.
 */
int api_page_parse_default(struct api_req *r, struct api_page *ret_page);
/* The range used by api_page_parse_default (exported for tests). */
void api_page_range(const char *action, long *ret_min, long *ret_max, bool *ret_clamp);

/*
 * Order items (any objects) by ID and select the page: *ret_start and
 * *ret_count index into items after sorting; *ret_more is true when items
 * remain after the page (then write api_xml_next_token with the last ID).
 */
void api_page_select(const struct api_page *page, const void **items, size_t n,
		     const char *(*id_of)(const void *item), size_t *ret_start, size_t *ret_count,
		     bool *ret_more);

/* Encode/decode the opaque token (exported for tests).  0 or -EINVAL. */
int api_page_token_encode(const char *action, const char *last_id, char *buf, size_t size);
int api_page_token_decode(const char *action, const char *token, char *ret_id, size_t size);
/* Seed the token checksum key (the server does it from its rng). */
void api_page_set_key(uint64_t key);

/* ---- Describe* skeleton ------------------------------------------------------ */

/*
 * The common shape of a Describe action.  api_describe_run() parses
 * "<id_param>.N", Filter.N (when filters), MaxResults/NextToken (when
 * paginated), fails with not_found_code / not_found_fmt (one %s: the ID)
 * for a listed ID that is not among objs, runs the DryRun check, selects
 * the objects that are listed (or all when none is), visible and match the
 * filters, orders them by ID, and writes <set_name> with render() once per
 * object of the page (render writes the <item>), then <nextToken> when more
 * remain.  Handlers with extra parameters parse them first (then they must
 * not call api_dry_run_check themselves).  0 or negative.
 */
struct api_describe {
	const char *id_param; /* "VpcId"; NULL: the action takes no ID list */
	const char *not_found_code;
	const char *not_found_fmt;
	const struct api_filter_table *filters; /* NULL: no Filter.N */
	bool paginated;
	bool ids_exclude_max_results; /* IDs and MaxResults together -> InvalidParameterCombination */
	const void *const *objs;      /* e.g. (const void *const *)r->model->vpcs */
	size_t n_objs;
	const char *(*id_of)(const void *obj);
	/*
	 * Optional, only where objs is the model's whole array of the kind: the
	 * object whose id_of is id, or NULL, through the model's index.  With
	 * listed IDs the candidates are then the listed objects (each once),
	 * not a pass over objs per ID.
	 */
	const void *(*find)(const struct model *m, const char *id);
	/* Optional extra selection (e.g. only what the action may show); NULL: all. */
	bool (*visible)(struct api_req *r, const void *obj);
	const char *set_name; /* "vpcSet" */
	void (*render)(struct api_req *r, const void *obj);
	/*
	 * Optional, replaces render: writes the whole page (its objects in ID
	 * order) inside <set_name>, for actions whose items group several
	 * objects (DescribeInstances: reservations of instances).
	 */
	void (*render_page)(struct api_req *r, const void *const *objs, size_t n);
};
int api_describe_run(struct api_req *r, const struct api_describe *d);

/* ---- XML writer --------------------------------------------------------------- */

/*
 * Element helpers inside the open response.  Errors of the writer are
 * remembered and turned into InternalError by the framework, so handlers
 * need not check them.
 */
void api_xml_start(struct api_req *r, const char *name);		  /* <name> */
void api_xml_end(struct api_req *r);					  /* </name> or <name/> */
void api_xml_str(struct api_req *r, const char *name, const char *value); /* skipped when NULL */
void api_xml_strf(struct api_req *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void api_xml_bool(struct api_req *r, const char *name, bool value);
void api_xml_long(struct api_req *r, const char *name, long value);
/* ISO 8601 UTC with milliseconds: "2026-11-26T19:07:28.000Z". */
void api_xml_time(struct api_req *r, const char *name, int64_t unix_seconds);
void api_format_time(int64_t unix_seconds, char buf[32]);
/* <tagSet><item><key/><value/></item>...</tagSet> (empty: <tagSet/>). */
void api_xml_tags(struct api_req *r, const char *name, const struct model_tags *tags);
/* <return>true</return> */
void api_xml_return_true(struct api_req *r);
/* <nextToken>...</nextToken> for the page that ended at last_id. */
void api_xml_next_token(struct api_req *r, const char *last_id);

#endif
