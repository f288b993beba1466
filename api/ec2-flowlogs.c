/*
 * ec2-flowlogs: VPC flow log actions, through lib/model/ops-vpc.h
 * (model_op_create_flow_logs, model_op_delete_flow_logs).
 *
 * CreateFlowLogs, DeleteFlowLogs, DescribeFlowLogs.
 *
 * What this file checks itself (request syntax the model does not know):
 * ResourceType against the IDs' prefixes, TrafficType, the S3 destination
 * ARN (arn:aws:s3:::bucket[/prefix], no AWSLogs folder), the CloudWatch Logs
 * log group (LogGroupName, or LogDestination arn:aws:logs:...:log-group:NAME),
 * DestinationOptions, and LogFormat with the engine's own parser
 * (lib/engine/flowlog-format.h), so a format is accepted exactly when the
 * engine can render it.  Existence, duplicates, quotas and the rest are the
 * model operation's.
 *
 * Partial success, as AWS answers:
 *  - CreateFlowLogs creates one flow log per resource.  A resource that
 *    already has a flow log of the same configuration and destination
 *    (FlowLogAlreadyExists) or has reached the per-resource quota
 *    (FlowLogsLimitExceeded) goes into <unsuccessful> with error code "400"
 *    and the model's message; the others are created.  An unknown resource
 *    ID fails the whole request with its NotFound code (nothing created).
 *  - DeleteFlowLogs deletes the IDs that exist; each unknown ID goes into
 *    <unsuccessful> with InvalidFlowLogId.NotFound.
 *  - DescribeFlowLogs with an unknown FlowLogId returns no item for it (no
 *    error), which is what clients such as Terraform expect.
 *
 * Choices where openvpc holds less than AWS: DeliverLogsPermissionArn is
 * required with cloud-watch-logs (as on AWS), kept and shown, never used;
 * DeliverCrossAccountRole is rejected; of DestinationOptions only the
 * defaults plain-text / not Hive-compatible / not hourly are accepted (and
 * rendered for s3 flow logs).  Every flow
 * log is ACTIVE with deliverLogsStatus SUCCESS.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/families.h"
#include "lib/engine/flowlog-format.h"
#include "lib/model/ops-vpc.h"
#include "lib/util/util.h"

#define FLOW(o) ((const struct model_flow_log *)(o))

/* ---- names ---------------------------------------------------------------------- */

static const char *const traffic_names[] = {
    [MODEL_FLOW_ALL] = "ALL",
    [MODEL_FLOW_ACCEPT] = "ACCEPT",
    [MODEL_FLOW_REJECT] = "REJECT",
};

struct resource_type {
	const char *name;   /* ResourceType */
	const char *prefix; /* of its IDs */
	const char *not_found_code;
	const char *not_found_fmt;
};

static const struct resource_type resource_types[] = {
    {"VPC", "vpc-", "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist"},
    {"Subnet", "subnet-", "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist"},
    {"NetworkInterface", "eni-", "InvalidNetworkInterfaceID.NotFound",
     "The networkInterface ID '%s' does not exist"},
};

static bool resource_exists(const struct model *m, const struct resource_type *t, const char *id)
{
	if (t == &resource_types[0])
		return model_find_vpc(m, id) != NULL;
	if (t == &resource_types[1])
		return model_find_subnet(m, id) != NULL;
	return model_find_eni(m, id) != NULL;
}

/* ---- CreateFlowLogs parameters ---------------------------------------------------- */

/* One request's parsed destination. */
struct dest {
	const char *type;	 /* "s3" | "cloud-watch-logs" | what the user sent */
	const char *destination; /* the model's: the S3 ARN or the log group name */
	const char *role;	 /* DeliverLogsPermissionArn (cloud-watch-logs) */
};

static bool bucket_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* arn:aws:s3:::bucket[/prefix]: a 3..63 character bucket, no AWSLogs folder. */
static int check_s3_arn(struct api_req *r, const char *arn)
{
	static const char pfx[] = "arn:aws:s3:::";
	const char *b = arn + sizeof(pfx) - 1, *slash;
	size_t n;

	if (strncmp(arn, pfx, sizeof(pfx) - 1) != 0)
		goto bad;
	slash = strchr(b, '/');
	n = slash ? (size_t)(slash - b) : strlen(b);
	if (n < 3 || n > 63 || !bucket_char(b[0]) || b[0] == '-' || b[0] == '.')
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!bucket_char(b[i]))
			goto bad;
	if (slash && (strstr(slash, "/AWSLogs/") ||
		      (strlen(slash) >= 8 && strcmp(slash + strlen(slash) - 8, "/AWSLogs") == 0)))
		return api_fail_invalid_value(r,
					      "LogDestination: AWSLogs is a reserved folder name "
					      "and cannot be used in the prefix of %s",
					      arn);
	return 0;
bad:
	return api_fail_invalid_value(r,
				      "LogDestination: %s is not a valid S3 bucket ARN "
				      "(arn:aws:s3:::bucket[/prefix])",
				      arn);
}

static bool log_group_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("._-/#", c) != NULL;
}

static int check_log_group(struct api_req *r, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < n; i++)
		if (!log_group_char(name[i]))
			n = 0;
	if (n == 0 || n > 512)
		return api_fail_invalid_value(
		    r, "Value (%s) for parameter logGroupName is invalid.", name);
	return 0;
}

/* LogDestination arn:aws:logs:<region>:<account>:log-group:<name>[:*] -> <name>. */
static int log_group_of_arn(struct api_req *r, const char *arn, const char **ret_name)
{
	static const char pfx[] = "arn:aws:logs:";
	const char *p = arn, *name;
	char *copy, *end;

	if (strncmp(arn, pfx, sizeof(pfx) - 1) != 0 || !(p = strstr(arn, ":log-group:")))
		return api_fail_invalid_value(r,
					      "LogDestination: %s is not a valid CloudWatch Logs "
					      "log group ARN",
					      arn);
	name = p + strlen(":log-group:");
	if (!(copy = api_strdup(r, name)))
		return api_fail(r, 500, "InternalError", "Out of memory");
	end = copy + strlen(copy);
	if (end - copy >= 2 && strcmp(end - 2, ":*") == 0)
		end[-2] = '\0';
	*ret_name = copy;
	return check_log_group(r, copy);
}

static int get_cloud_watch_dest(struct api_req *r, struct dest *d)
{
	const char *group = NULL, *arn = NULL;
	int e;

	if ((e = api_get_str(r, &group, API_OPTIONAL, "LogGroupName")) < 0 ||
	    (e = api_get_str(r, &arn, API_OPTIONAL, "LogDestination")) < 0 ||
	    (e = api_get_str(r, &d->role, API_OPTIONAL, "DeliverLogsPermissionArn")) < 0)
		return e;
	if (group && arn)
		return api_fail(r, 400, "InvalidParameterCombination",
				"Only one of LogGroupName and LogDestination may be specified");
	if (!group && !arn)
		return api_fail_missing(r, "LogGroupName");
	if (!d->role)
		return api_fail_missing(r, "DeliverLogsPermissionArn");
	if (group) {
		d->destination = group;
		return check_log_group(r, group);
	}
	return log_group_of_arn(r, arn, &d->destination);
}

static int get_s3_dest(struct api_req *r, struct dest *d)
{
	const char *group = NULL, *role = NULL, *fmt = NULL;
	bool hive = false, hourly = false;
	int e;

	if ((e = api_get_str(r, &group, API_OPTIONAL, "LogGroupName")) < 0 ||
	    (e = api_get_str(r, &role, API_OPTIONAL, "DeliverLogsPermissionArn")) < 0 ||
	    (e = api_get_str(r, &d->destination, API_REQUIRED, "LogDestination")) < 0 ||
	    (e = api_get_str(r, &fmt, API_OPTIONAL, "DestinationOptions.FileFormat")) < 0 ||
	    (e = api_get_bool(r, &hive, API_OPTIONAL,
			      "DestinationOptions.HiveCompatiblePartitions")) < 0 ||
	    (e = api_get_bool(r, &hourly, API_OPTIONAL, "DestinationOptions.PerHourPartition")) < 0)
		return e;
	if (group || role)
		return api_fail(r, 400, "InvalidParameterCombination",
				"LogGroupName and DeliverLogsPermissionArn cannot be used with "
				"LogDestinationType s3");
	if (fmt && strcmp(fmt, "plain-text") != 0 && strcmp(fmt, "parquet") != 0)
		return api_fail_invalid_value(r,
					      "Value (%s) for parameter FileFormat is invalid. "
					      "Allowed: plain-text, parquet",
					      fmt);
	if ((fmt && strcmp(fmt, "parquet") == 0) || hive || hourly)
		return api_fail(r, 400, "UnsupportedOperation",
				"openvpc writes flow logs as plain text in daily folders: the "
				"parquet format, Hive-compatible and hourly partitions are not "
				"supported");
	return check_s3_arn(r, d->destination);
}

static int get_dest(struct api_req *r, struct dest *d)
{
	const char *cross = NULL;
	int e;

	d->type = "cloud-watch-logs";
	if ((e = api_get_str(r, &d->type, API_OPTIONAL, "LogDestinationType")) < 0 ||
	    (e = api_get_str(r, &cross, API_OPTIONAL, "DeliverCrossAccountRole")) < 0)
		return e;
	if (cross)
		return api_fail(
		    r, 400, "UnsupportedOperation",
		    "DeliverCrossAccountRole is not supported: openvpc has one account");
	if (strcmp(d->type, "s3") == 0)
		return get_s3_dest(r, d);
	if (strcmp(d->type, "cloud-watch-logs") == 0)
		return get_cloud_watch_dest(r, d);
	if (strcmp(d->type, "kinesis-data-firehose") == 0)
		return api_fail(
		    r, 400, "UnsupportedOperation",
		    "LogDestinationType kinesis-data-firehose is not supported by openvpc");
	return api_fail_invalid_value(r,
				      "Value (%s) for parameter LogDestinationType is invalid. "
				      "Allowed: cloud-watch-logs, s3, kinesis-data-firehose",
				      d->type);
}

/* LogFormat, checked by the engine's parser (the one that renders records). */
static int check_format(struct api_req *r, const char *fmt)
{
	struct flowlog_format *f = NULL;
	char bad[128];
	int e = flowlog_format_parse(fmt, &f, bad, sizeof(bad));

	flowlog_format_free(f);
	if (e == -ENOMEM)
		return api_fail(r, 500, "InternalError", "Out of memory");
	if (e < 0)
		return api_fail_invalid_value(
		    r, "Value (%s) for parameter logFormat is invalid: %s", fmt, bad);
	return 0;
}

static int get_traffic(struct api_req *r, enum model_flow_traffic *ret)
{
	const char *s;
	int e;

	if ((e = api_get_str(r, &s, API_OPTIONAL, "TrafficType")) < 0)
		return e;
	if (e == 0)
		return api_fail_missing(r, "TrafficType");
	for (size_t i = 0; i < ARRAY_SIZE(traffic_names); i++)
		if (strcmp(s, traffic_names[i]) == 0) {
			*ret = (enum model_flow_traffic)i;
			return 0;
		}
	return api_fail_invalid_value(r,
				      "Value (%s) for parameter TrafficType is invalid. "
				      "Allowed: ACCEPT, REJECT, ALL",
				      s);
}

/* ResourceType and ResourceId.N: every ID of that type and existing. */
static int get_resources(struct api_req *r, const char ***ret_ids, size_t *ret_n)
{
	const struct resource_type *t = NULL;
	const char *type;
	int e;

	if ((e = api_get_str(r, &type, API_REQUIRED, "ResourceType")) < 0 ||
	    (e = api_get_str_list(r, ret_ids, ret_n, "ResourceId")) < 0)
		return e;
	for (size_t i = 0; i < ARRAY_SIZE(resource_types); i++)
		if (strcmp(type, resource_types[i].name) == 0)
			t = &resource_types[i];
	if (!t)
		return api_fail_invalid_value(r,
					      "Value (%s) for parameter ResourceType is invalid. "
					      "Allowed: VPC, Subnet, NetworkInterface",
					      type);
	if (*ret_n == 0)
		return api_fail_missing(r, "ResourceId");
	for (size_t i = 0; i < *ret_n; i++) {
		const char *id = (*ret_ids)[i];

		if (strncmp(id, t->prefix, strlen(t->prefix)) != 0)
			return api_fail(r, 400, "InvalidParameter",
					"Invalid Resource id %s for resource-type %s", id, t->name);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		if (!resource_exists(r->model, t, id))
			return api_fail(r, 400, t->not_found_code, t->not_found_fmt, id);
#pragma GCC diagnostic pop
	}
	return 0;
}

/* ---- CreateFlowLogs ------------------------------------------------------------------ */

static bool per_resource_error(enum model_errcode c)
{
	return c == MODEL_ERR_FLOW_LOG_EXISTS || c == MODEL_ERR_FLOW_LOG_LIMIT;
}

static void render_unsuccessful(struct api_req *r, const char *id, const char *code,
				const char *message)
{
	api_xml_start(r, "item");
	api_xml_start(r, "error");
	api_xml_str(r, "code", code);
	api_xml_str(r, "message", message);
	api_xml_end(r);
	api_xml_str(r, "resourceId", id);
	api_xml_end(r);
}

/* Undo the flow logs this request created (n of them) before failing. */
static void undo(struct api_req *r, char (*ids)[MODEL_ID_LEN], size_t n)
{
	const char **list = api_alloc(r, (n + 1) * sizeof(*list));
	struct model_err err;

	for (size_t i = 0; list && i < n; i++)
		list[i] = ids[i];
	if (list && n)
		(void)model_op_delete_flow_logs(r->model, r->mctx, list, n, &err);
}

static int create_flow_logs(struct api_req *r)
{
	struct model_flow_log_spec spec = {0};
	struct model_tags tags = {0};
	struct model_err *errs;
	struct dest d = {0};
	const char **ids, **made, *token = NULL;
	char(*new_ids)[MODEL_ID_LEN];
	size_t n_ids, n_ok = 0;
	long interval = 0;
	int e;

	if ((e = get_resources(r, &ids, &n_ids)) < 0 ||
	    (e = get_traffic(r, &spec.traffic_type)) < 0 || (e = get_dest(r, &d)) < 0 ||
	    (e = api_get_str(r, &spec.format, API_OPTIONAL, "LogFormat")) < 0 ||
	    (spec.format && (e = check_format(r, spec.format)) < 0) ||
	    (e = api_get_long(r, &interval, 1, 86400, API_OPTIONAL, "MaxAggregationInterval")) <
		0 ||
	    (e = api_get_str(r, &token, API_OPTIONAL, "ClientToken")) < 0 ||
	    (e = api_get_tag_specs(r, "vpc-flow-log", &tags)) < 0)
		goto out;
	if ((e = api_dry_run_check(r)) < 0)
		goto out;
	spec.destination_type = d.type;
	spec.destination = d.destination;
	spec.deliver_logs_permission_arn = d.role;
	spec.max_aggregation_interval = (int)interval;
	spec.n_resource_ids = 1;
	new_ids = api_alloc(r, n_ids * sizeof(*new_ids));
	errs = api_alloc(r, n_ids * sizeof(*errs));
	if (!new_ids || !errs) {
		e = api_fail(r, 500, "InternalError", "Out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_ids; i++) {
		struct model_flow_log *f;

		spec.resource_ids = &ids[i];
		e = model_op_create_flow_logs(r->model, r->mctx, &spec, &new_ids[n_ok], &errs[i]);
		if (e < 0 && per_resource_error(errs[i].code))
			continue;
		if (e < 0 || (tags.n && (f = model_find_flow_log(r->model, new_ids[n_ok])) &&
			      model_tags_copy(&f->tags, &tags) < 0)) {
			undo(r, new_ids, n_ok + (e == 0));
			e = e < 0 ? api_fail_model(r, e, &errs[i])
				  : api_fail(r, 500, "InternalError", "Out of memory");
			goto out;
		}
		errs[i].code = MODEL_ERR_NONE;
		n_ok++;
	}
	e = 0;
	/* The save hint: the flow logs made (nothing else changes). */
	if (n_ok && (made = api_alloc(r, n_ok * sizeof(*made)))) {
		for (size_t i = 0; i < n_ok; i++)
			made[i] = new_ids[i];
		api_touch_list(r, made, n_ok);
	}
	api_xml_str(r, "clientToken", token);
	api_xml_start(r, "flowLogIdSet");
	for (size_t i = 0; i < n_ok; i++)
		api_xml_str(r, "item", new_ids[i]);
	api_xml_end(r);
	api_xml_start(r, "unsuccessful");
	for (size_t i = 0; i < n_ids; i++)
		if (errs[i].code != MODEL_ERR_NONE)
			render_unsuccessful(r, ids[i], "400", errs[i].message);
	api_xml_end(r);
out:
	model_tags_clear(&tags);
	return e;
}

/* ---- DeleteFlowLogs ------------------------------------------------------------------ */

static int delete_flow_logs(struct api_req *r)
{
	const char **ids, **known;
	struct model_err err = {0};
	size_t n_ids, n_known = 0;
	int e;

	if ((e = api_get_str_list(r, &ids, &n_ids, "FlowLogId")) < 0)
		return e;
	if (n_ids == 0)
		return api_fail_missing(r, "FlowLogId");
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	if (!(known = api_alloc(r, n_ids * sizeof(*known))))
		return api_fail(r, 500, "InternalError", "Out of memory");
	for (size_t i = 0; i < n_ids; i++)
		if (model_find_flow_log(r->model, ids[i]))
			known[n_known++] = ids[i];
	if (n_known && (e = model_op_delete_flow_logs(r->model, r->mctx, known, n_known, &err)) < 0)
		return api_fail_model(r, e, &err);
	api_touch_list(r, known, n_known); /* the save hint: the flow logs deleted */
	api_xml_start(r, "unsuccessful");
	for (size_t i = 0; i < n_ids; i++) {
		bool gone = false;

		for (size_t k = 0; k < n_known && !gone; k++)
			gone = strcmp(known[k], ids[i]) == 0;
		char msg[MODEL_ID_LEN + 80];

		if (gone)
			continue;
		snprintf(msg, sizeof(msg),
			 "These flow log ids in the input list are not found: [TotalCount: 1] %.*s",
			 MODEL_ID_LEN, ids[i]);
		render_unsuccessful(r, ids[i], "InvalidFlowLogId.NotFound", msg);
	}
	api_xml_end(r);
	return 0;
}

/* ---- DescribeFlowLogs ---------------------------------------------------------------- */

static bool is_s3(const struct model_flow_log *f)
{
	return strcmp(f->destination_type, "s3") == 0;
}

/* What AWS shows as logDestination: the S3 ARN, or the log group's ARN. */
static const char *log_destination(struct api_req *r, const struct model_flow_log *f)
{
	const char *group = f->log_group_name ? f->log_group_name : f->destination;
	size_t n;
	char *s;

	if (is_s3(f) || !group || strncmp(group, "arn:", 4) == 0)
		return f->destination;
	n = strlen(r->region) + strlen(r->account_id) + strlen(group) + 40;
	if (!(s = api_alloc(r, n)))
		return NULL;
	snprintf(s, n, "arn:aws:logs:%s:%s:log-group:%s", r->region, r->account_id, group);
	return s;
}

static void render_flow_log(struct api_req *r, const void *o)
{
	const struct model_flow_log *f = FLOW(o);

	api_xml_start(r, "item");
	api_xml_time(r, "creationTime", f->creation_time);
	api_xml_str(r, "deliverLogsPermissionArn", f->deliver_logs_permission_arn);
	api_xml_str(r, "deliverLogsStatus", "SUCCESS");
	api_xml_str(r, "flowLogId", f->id);
	api_xml_str(r, "flowLogStatus", f->status[0] ? f->status : "ACTIVE");
	if (!is_s3(f))
		api_xml_str(r, "logGroupName",
			    f->log_group_name ? f->log_group_name : f->destination);
	api_xml_str(r, "resourceId", f->resource_id);
	api_xml_str(r, "trafficType", traffic_names[f->traffic_type]);
	api_xml_str(r, "logDestinationType", f->destination_type);
	api_xml_str(r, "logDestination", log_destination(r, f));
	api_xml_str(r, "logFormat", f->format ? f->format : FLOWLOG_DEFAULT_FORMAT);
	api_xml_tags(r, "tagSet", &f->tags);
	api_xml_long(r, "maxAggregationInterval", f->max_aggregation_interval);
	if (is_s3(f)) {
		api_xml_start(r, "destinationOptions");
		api_xml_str(r, "fileFormat", "plain-text");
		api_xml_bool(r, "hiveCompatiblePartitions", false);
		api_xml_bool(r, "perHourPartition", false);
		api_xml_end(r);
	}
	api_xml_end(r);
}

static void f_id(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, FLOW(o)->id);
}

static void f_status(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, "SUCCESS");
}

static void f_dest_type(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, FLOW(o)->destination_type);
}

static void f_group(const void *o, struct api_filter_match *m)
{
	if (!is_s3(FLOW(o)))
		api_filter_emit(m, FLOW(o)->log_group_name ? FLOW(o)->log_group_name
							   : FLOW(o)->destination);
}

static void f_resource(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, FLOW(o)->resource_id);
}

static void f_traffic(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, traffic_names[FLOW(o)->traffic_type]);
}

static const struct model_tags *flow_tags(const void *o)
{
	return &FLOW(o)->tags;
}

static const struct api_filter_field flow_fields[] = {
    {"deliver-log-status", f_status},	   {"flow-log-id", f_id},
    {"log-destination-type", f_dest_type}, {"log-group-name", f_group},
    {"resource-id", f_resource},	   {"traffic-type", f_traffic},
};

static const struct api_filter_table flow_filters = {flow_fields, ARRAY_SIZE(flow_fields),
						     flow_tags};

static const char *flow_id_of(const void *o)
{
	return FLOW(o)->id;
}

/* FlowLogId.N selects; an unknown ID simply matches nothing (no NotFound error). */
static bool flow_listed(struct api_req *r, const void *o)
{
	const char **ids;
	size_t n;

	if (api_get_str_list(r, &ids, &n, "FlowLogId") < 0 || n == 0)
		return true; /* the list was validated before */
	return api_id_listed(ids, n, FLOW(o)->id);
}

static int describe_flow_logs(struct api_req *r)
{
	const char **ids;
	size_t n_ids;
	const struct api_describe d = {
	    .visible = flow_listed,
	    .filters = &flow_filters,
	    .paginated = true,
	    .objs = (const void *const *)r->model->flow_logs,
	    .n_objs = r->model->n_flow_logs,
	    .id_of = flow_id_of,
	    .set_name = "flowLogSet",
	    .render = render_flow_log,
	};
	int e = api_get_str_list(r, &ids, &n_ids, "FlowLogId");

	return e < 0 ? e : api_describe_run(r, &d);
}

API_FAMILY_DEFINE(flowlogs, {"CreateFlowLogs", create_flow_logs, API_MUTATING},
		  {"DeleteFlowLogs", delete_flow_logs, API_MUTATING},
		  {"DescribeFlowLogs", describe_flow_logs, API_READ}, );
