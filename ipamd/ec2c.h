/*
 * ec2c: vpc-ipamd's typed client of the EC2 Query API.
 *
 * What.  The few EC2 actions ipamd needs (reference/cni-datapath.md section
 * 5), each as one C call: the call builds the form body (Action,
 * Version=2016-11-15, the parameters, flattened and 1-based), signs it with
 * SigV4 (lib/sigv4: POST /, content-type, host, x-amz-date and, with
 * temporary credentials, x-amz-security-token signed), sends it, and parses
 * the XML answer into plain C structs.  The endpoint is vpcd by default
 * (http://127.0.0.1:8787); real AWS is a different endpoint and real keys.
 *
 * Retries.  Transport failures (connection refused or reset, timeout), HTTP
 * 5xx and the throttling codes (RequestLimitExceeded, Throttling,
 * ThrottlingException, EC2ThrottledException, RequestThrottled) are retried
 * up to max_attempts in all, sleeping between attempts with capped
 * exponential backoff and jitter:
 *     cap_n = min(backoff_max_ms, backoff_base_ms * 2^(n-1))
 *     sleep = cap_n / 2 + uniform[0, cap_n / 2]
 * Creating calls carry a ClientToken drawn once per call, so a retried
 * CreateNetworkInterface after a lost answer does not create a second ENI.
 * The other actions have no token: a retried AssignPrivateIpAddresses whose
 * first answer was lost may assign twice, and a retried attach may fail
 * because the first one worked; ipamd reconciles with a Describe, as the
 * AWS SDK's users must.  Other 4xx errors are final.  The transport, the
 * sleep and the clock are hooks (struct ec2c_hooks) so tests run without
 * waiting or a network; another hook reports every request for logs and
 * metrics, and ec2c_get_stats() counts them.
 *
 * Results.  Fixed-size fields and counted arrays with the limits below.  A
 * response beyond a limit (an over-long string, too many items) fails with
 * -E2BIG; a malformed one with -EBADMSG; nothing is ever written past a
 * buffer, and nothing but an error's prose message is ever truncated.
 * Results that own heap memory (tags, lists) are released with their one
 * *_done() function, which accepts NULL and a zeroed struct.
 *
 * Errors.  Every call returns 0 or a negative errno, and when ret_err is
 * not NULL fills it on failure (and clears it on success):
 *     -ENOENT     the API answered a *.NotFound code
 *     -EACCES     AuthFailure, UnauthorizedOperation, SignatureDoesNotMatch...
 *     -EAGAIN     still throttled or 5xx after the last attempt
 *     -EREMOTEIO  any other API error (ret_err->code says which)
 *     -ETIMEDOUT, -ECONNREFUSED, -ECONNRESET, -EHOSTUNREACH, -EIO
 *                 transport failure after the last attempt (http_status 0)
 *     -EBADMSG    the answer is not the expected XML; -E2BIG beyond a limit;
 *                 -EFBIG  an answer over EC2C_RESPONSE_MAX bytes (not retried)
 *     -EINVAL     bad arguments (nothing sent); -ENOMEM
 *
 * Ownership and threads.  Inputs are borrowed for the call.  A struct ec2c
 * holds one libcurl handle (kept-alive connection) and must be used by one
 * thread at a time; distinct clients are independent.  Library code: it
 * never logs.
 */
#ifndef OPENVPC_EC2C_H
#define OPENVPC_EC2C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/net/net.h"

#define EC2C_API_VERSION      "2016-11-15"
#define EC2C_DEFAULT_ENDPOINT "http://127.0.0.1:8787"
#define EC2C_DEFAULT_REGION   "us-east-1"

/* Field sizes in bytes, NUL included. */
#define EC2C_URL_MAX	     512
#define EC2C_REGION_MAX	     64
#define EC2C_KEY_MAX	     129 /* access key id (as lib/sigv4) */
#define EC2C_SECRET_MAX	     257
#define EC2C_TOKEN_MAX	     4096 /* session token */
#define EC2C_ID_MAX	     64	  /* eni-, eni-attach-, subnet-, vpc-, sg-, i- ids */
#define EC2C_NAME_MAX	     64	  /* status, state, AZ, AZ id, types */
#define EC2C_MAC_MAX	     18	  /* "0e:32:f9:4f:71:fc" */
#define EC2C_DESCRIPTION_MAX 1024 /* 255 characters of UTF-8 */
#define EC2C_TAG_KEY_MAX     513  /* 128 characters of UTF-8 */
#define EC2C_TAG_VALUE_MAX   1025 /* 256 characters of UTF-8 */
#define EC2C_CODE_MAX	     128
#define EC2C_MESSAGE_MAX     1024 /* longer messages are cut (the only truncation) */
#define EC2C_REQUEST_ID_MAX  128
#define EC2C_NEXT_TOKEN_MAX  1024

/* Counts. */
#define EC2C_ENI_IPS_MAX       64	   /* secondary IPs per ENI (AWS: at most 49) */
#define EC2C_ENI_PREFIXES_MAX  64	   /* IPv4 prefixes per ENI */
#define EC2C_ENI_GROUPS_MAX    16	   /* security groups per ENI (AWS: 5, at most 16) */
#define EC2C_TAGS_MAX	       50	   /* tags per resource (AWS: 50) */
#define EC2C_INSTANCE_ENIS_MAX 128	   /* ENIs of one instance */
#define EC2C_LIST_MAX	       5000	   /* ENIs or subnets over all pages of a Describe */
#define EC2C_PAGES_MAX	       1000	   /* pages followed by one Describe call */
#define EC2C_IN_LIST_MAX       1000	   /* items in one input list (ids, addresses, values) */
#define EC2C_RESPONSE_MAX      (64u << 20) /* bytes of one HTTP answer */

struct ec2c;

struct ec2c_config {
	char endpoint[EC2C_URL_MAX]; /* http[s]://host[:port][/path] */
	char region[EC2C_REGION_MAX];
	char access_key[EC2C_KEY_MAX];
	char secret_key[EC2C_SECRET_MAX];
	char session_token[EC2C_TOKEN_MAX]; /* "" without temporary credentials */
	long timeout_ms;		    /* per attempt; default 10000 */
	int max_attempts;		    /* in all, >= 1; default 10 */
	long backoff_base_ms;		    /* default 250 */
	long backoff_max_ms;		    /* default 20000 */
};

/* Defaults: vpcd's endpoint, us-east-1, no keys, 10 s, 10 attempts. */
void ec2c_config_defaults(struct ec2c_config *cfg);

/*
 * Overlay the standard environment on cfg: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_EC2_ENDPOINT, AWS_REGION
 * (else AWS_DEFAULT_REGION).  Unset variables leave cfg as it is.  Returns 0,
 * or -ENAMETOOLONG when a value does not fit (cfg is then unchanged).
 */
int ec2c_config_from_env(struct ec2c_config *cfg);

/*
 * What the client sends and receives through its transport hook.  headers
 * are complete "Name: value" lines.  The response body is heap memory the
 * client frees (NUL-terminated for convenience, body_size excludes it).
 */
struct ec2c_http_request {
	const char *url;
	const char *const *headers;
	size_t n_headers;
	const char *body;
	size_t body_size;
	long timeout_ms;
};
struct ec2c_http_response {
	long status;
	char *body;
	size_t body_size;
};

struct ec2c_error;

struct ec2c_hooks {
	/*
	 * Send one request; 0 with ret_resp filled (any HTTP status), or a
	 * negative errno for a transport failure (retried).  NULL: libcurl.
	 */
	int (*send)(void *userdata, const struct ec2c_http_request *req,
		    struct ec2c_http_response *ret_resp);
	/* Wait ms milliseconds between attempts.  NULL: nanosleep. */
	void (*sleep)(void *userdata, long ms);
	/* Unix seconds for X-Amz-Date.  NULL: time(). */
	int64_t (*now)(void *userdata);
	void *userdata;
	/* Seed of the jitter and ClientToken generator; 0: from getrandom(). */
	uint64_t seed;
	/*
	 * Optional: told after every request (all its attempts) with the
	 * action, the result (0 or the call's negative errno), the error
	 * (attempts is set on success too) and the time it took, retries and
	 * backoff included.  For the daemon's log and metrics.
	 */
	void (*on_request)(void *userdata, const char *action, int result,
			   const struct ec2c_error *err, long elapsed_ms);
};

/*
 * A client for cfg (copied).  hooks may be NULL.  0, -EINVAL (endpoint not
 * http(s)://host..., empty region or keys, max_attempts < 1, timeout <= 0)
 * or -ENOMEM.
 */
int ec2c_new(const struct ec2c_config *cfg, const struct ec2c_hooks *hooks, struct ec2c **ret);
/* Frees c (NULL accepted); returns NULL. */
struct ec2c *ec2c_free(struct ec2c *c);

struct ec2c_error {
	char code[EC2C_CODE_MAX];	      /* AWS error code; "" for transport errors */
	char message[EC2C_MESSAGE_MAX];	      /* AWS message or a transport description */
	char request_id[EC2C_REQUEST_ID_MAX]; /* from <RequestID>, "" if none */
	long http_status;		      /* 0 when no HTTP answer came */
	int attempts;			      /* attempts made */
};

/* Counters since ec2c_new(); a Describe page counts as one request. */
struct ec2c_stats {
	uint64_t requests;	   /* requests made (each with all its attempts) */
	uint64_t attempts;	   /* HTTP exchanges tried, retries included */
	uint64_t retries;	   /* attempts after the first */
	uint64_t throttled;	   /* answers with a throttling code */
	uint64_t api_errors;	   /* requests that ended with an HTTP error answer */
	uint64_t transport_errors; /* requests that ended without an answer */
};
void ec2c_get_stats(const struct ec2c *c, struct ec2c_stats *ret_stats);

/* Whether err carries the AWS code (exact match). */
bool ec2c_error_is(const struct ec2c_error *err, const char *code);

/* Borrowed inputs. */
struct ec2c_kv {
	const char *key;
	const char *value;
};
struct ec2c_filter {
	const char *name;
	const char *const *values;
	size_t n_values;
};

/* Parsed outputs. */
struct ec2c_tag {
	char key[EC2C_TAG_KEY_MAX];
	char value[EC2C_TAG_VALUE_MAX];
};

struct ec2c_eni_attachment {
	char id[EC2C_ID_MAX];
	char instance_id[EC2C_ID_MAX];
	int device_index;	/* -1 when absent */
	int network_card_index; /* 0 when absent */
	char status[EC2C_NAME_MAX];
	bool delete_on_termination;
};

struct ec2c_eni {
	char id[EC2C_ID_MAX];
	char mac[EC2C_MAC_MAX];
	char subnet_id[EC2C_ID_MAX];
	char vpc_id[EC2C_ID_MAX];
	char az[EC2C_NAME_MAX];
	char status[EC2C_NAME_MAX]; /* available, in-use, ... */
	char interface_type[EC2C_NAME_MAX];
	char description[EC2C_DESCRIPTION_MAX];
	uint32_t primary_ip; /* 0 when absent */
	uint32_t secondary_ips[EC2C_ENI_IPS_MAX];
	size_t n_secondary_ips;
	struct net_cidr4 prefixes[EC2C_ENI_PREFIXES_MAX];
	size_t n_prefixes;
	char group_ids[EC2C_ENI_GROUPS_MAX][EC2C_ID_MAX];
	size_t n_group_ids;
	bool attached; /* attachment below is valid */
	struct ec2c_eni_attachment attachment;
	struct ec2c_tag *tags; /* heap, n_tags <= EC2C_TAGS_MAX */
	size_t n_tags;
};
/* Free eni's tags and zero it.  NULL accepted. */
void ec2c_eni_done(struct ec2c_eni *eni);
/* The value of tag key on eni, or NULL. */
const char *ec2c_eni_tag(const struct ec2c_eni *eni, const char *key);

struct ec2c_eni_list {
	struct ec2c_eni *enis; /* heap */
	size_t n_enis;
};
void ec2c_eni_list_done(struct ec2c_eni_list *list);

/* AssignPrivateIpAddresses: what was added.  Owns no heap memory. */
struct ec2c_assigned {
	char eni_id[EC2C_ID_MAX];
	uint32_t ips[EC2C_ENI_IPS_MAX];
	size_t n_ips;
	struct net_cidr4 prefixes[EC2C_ENI_PREFIXES_MAX];
	size_t n_prefixes;
};

struct ec2c_instance_eni {
	char id[EC2C_ID_MAX];
	char subnet_id[EC2C_ID_MAX];
	char status[EC2C_NAME_MAX];
	uint32_t primary_ip;
	char attachment_id[EC2C_ID_MAX];
	int device_index; /* -1 when absent */
	int network_card_index;
	char attachment_status[EC2C_NAME_MAX];
};

/* DescribeInstances of one instance.  Owns no heap memory (about 40 KiB). */
struct ec2c_instance {
	char id[EC2C_ID_MAX];
	char instance_type[EC2C_NAME_MAX];
	char subnet_id[EC2C_ID_MAX];
	char vpc_id[EC2C_ID_MAX];
	char az[EC2C_NAME_MAX];
	char state[EC2C_NAME_MAX];
	uint32_t primary_ip;
	struct ec2c_instance_eni enis[EC2C_INSTANCE_ENIS_MAX];
	size_t n_enis;
};

struct ec2c_subnet {
	char id[EC2C_ID_MAX];
	char vpc_id[EC2C_ID_MAX];
	struct net_cidr4 cidr;
	char az[EC2C_NAME_MAX];
	char az_id[EC2C_NAME_MAX];
	char state[EC2C_NAME_MAX];
	long available_ips;
	struct ec2c_tag *tags; /* heap */
	size_t n_tags;
};
struct ec2c_subnet_list {
	struct ec2c_subnet *subnets; /* heap */
	size_t n_subnets;
};
void ec2c_subnet_list_done(struct ec2c_subnet_list *list);

/* CreateNetworkInterface. */
struct ec2c_create_eni {
	const char *subnet_id; /* required */
	const char *description;
	const char *const *group_ids; /* SecurityGroupId.N */
	size_t n_group_ids;
	const struct ec2c_kv *tags; /* TagSpecification.1 (network-interface) */
	size_t n_tags;
	int secondary_ip_count; /* > 0: SecondaryPrivateIpAddressCount */
	int prefix_count;	/* > 0: Ipv4PrefixCount; not with the above */
};
int ec2c_create_network_interface(struct ec2c *c, const struct ec2c_create_eni *in,
				  struct ec2c_eni *ret_eni, struct ec2c_error *ret_err);

/* AttachNetworkInterface at device_index on network card 0. */
int ec2c_attach_network_interface(struct ec2c *c, const char *eni_id, const char *instance_id,
				  int device_index, char ret_attachment_id[EC2C_ID_MAX],
				  struct ec2c_error *ret_err);

/* ModifyNetworkInterfaceAttribute: Attachment.DeleteOnTermination=true. */
int ec2c_set_delete_on_termination(struct ec2c *c, const char *eni_id, const char *attachment_id,
				   struct ec2c_error *ret_err);

int ec2c_detach_network_interface(struct ec2c *c, const char *attachment_id, bool force,
				  struct ec2c_error *ret_err);
int ec2c_delete_network_interface(struct ec2c *c, const char *eni_id, struct ec2c_error *ret_err);

/* AssignPrivateIpAddresses: exactly one of ip_count, prefix_count > 0. */
int ec2c_assign_private_ips(struct ec2c *c, const char *eni_id, int ip_count, int prefix_count,
			    struct ec2c_assigned *ret_assigned, struct ec2c_error *ret_err);

/* UnassignPrivateIpAddresses: PrivateIpAddress.N and/or Ipv4Prefix.N (at least one). */
int ec2c_unassign_private_ips(struct ec2c *c, const char *eni_id, const uint32_t *ips, size_t n_ips,
			      const struct net_cidr4 *prefixes, size_t n_prefixes,
			      struct ec2c_error *ret_err);

/* DescribeInstances InstanceId.1=instance_id; -ENOENT when the answer holds none. */
int ec2c_describe_instance(struct ec2c *c, const char *instance_id,
			   struct ec2c_instance *ret_instance, struct ec2c_error *ret_err);

/* What a Describe asks for: ids (<Thing>Id.N) and filters; NextToken followed. */
struct ec2c_describe {
	const char *const *ids;
	size_t n_ids;
	const struct ec2c_filter *filters;
	size_t n_filters;
	int max_results; /* > 0: MaxResults per page (not sent with ids) */
};
int ec2c_describe_network_interfaces(struct ec2c *c, const struct ec2c_describe *q,
				     struct ec2c_eni_list *ret_list, struct ec2c_error *ret_err);
int ec2c_describe_subnets(struct ec2c *c, const struct ec2c_describe *q,
			  struct ec2c_subnet_list *ret_list, struct ec2c_error *ret_err);

/* CreateTags ResourceId.N, Tag.N.Key/Value. */
int ec2c_create_tags(struct ec2c *c, const char *const *resource_ids, size_t n_resource_ids,
		     const struct ec2c_kv *tags, size_t n_tags, struct ec2c_error *ret_err);

/* For tests against vpcd: RunInstances of one instance, TerminateInstances. */
int ec2c_run_instance(struct ec2c *c, const char *image_id, const char *instance_type,
		      const char *subnet_id, char ret_instance_id[EC2C_ID_MAX],
		      struct ec2c_error *ret_err);
int ec2c_terminate_instance(struct ec2c *c, const char *instance_id, struct ec2c_error *ret_err);

#endif
