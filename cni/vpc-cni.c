/*
 * vpc-cni: the CNI plugin (CNI specification 1.1.0).  Reads the network
 * configuration on stdin and CNI_* from the environment, asks vpc-ipamd for
 * (or returns) the pod's VPC address over its Unix socket, wires the pod
 * (cni-datapath) and prints the result, or a CNI error JSON and exits 1.
 * Logs go to pluginLogFile only, never to stdout.
 *
 *   ADD     ipamd ADD, the veth made while ipamd answers, then the address
 *           wired; a failed wiring gives the address back (DEL with reason
 *           SetupNSFailed), no address removes the veth again.
 *   DEL     ipamd DEL; the node side is removed with what ipamd answered,
 *           else with prevResult; always succeeds when there is nothing
 *           left to remove, also when ipamd is down (it reclaims the
 *           address from its checkpoint at its next start).
 *   CHECK   ipamd CHECK (the allocation exists) and the wiring is in place.
 *   STATUS  ipamd STATUS: ready to serve ADDs, else code 50.
 *   GC      ipamd GC with the runtime's valid attachments.
 *   VERSION the supported versions.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cni/cni-conf.h"
#include "cni/cni-datapath.h"
#include "cni/cni-env.h"
#include "cni/cni-ipc.h"
#include "cni/cni-proto.h"
#include "cni/cni-result.h"
#include "cni/cni-version.h"
#include "lib/util/util.h"

#define IPAMD_TIMEOUT_MS 10000

static FILE *log_fp;

static void logf_(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(const char *level, const char *fmt, ...)
{
	va_list ap;
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;

	if (!log_fp)
		return;
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	fprintf(log_fp, "%s %s vpc-cni[%d] ", ts, level, (int)getpid());
	va_start(ap, fmt);
	vfprintf(log_fp, fmt, ap);
	va_end(ap);
	fputc('\n', log_fp);
	fflush(log_fp);
}

static const char *env_get(const char *name, void *ud)
{
	return getenv(name);
}

static int read_stdin(char **ret_buf, size_t *ret_len, struct cni_err *err)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	while (buf) {
		size_t n = fread(buf + len, 1, cap - len, stdin);

		len += n;
		if (n == 0)
			break;
		if (len == cap) {
			if (cap > CNI_CONF_MAX_BYTES) {
				free(buf);
				return cni_err_set(err, CNI_ERR_DECODE,
						   "network config is larger than %u bytes",
						   CNI_CONF_MAX_BYTES);
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	if (!buf || ferror(stdin)) {
		free(buf);
		return cni_err_set(err, CNI_ERR_IO, "cannot read the network config from stdin");
	}
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

static void fill_req(struct cni_proto_req *q, enum cni_proto_op op, const struct cni_conf *c,
		     const struct cni_env *env)
{
	*q = (struct cni_proto_req){.op = op};
	util_strscpy(q->network, c->name, sizeof(q->network));
	memcpy(q->container_id, env->container_id, sizeof(q->container_id));
	memcpy(q->ifname, env->ifname, sizeof(q->ifname));
	memcpy(q->netns, env->netns, sizeof(q->netns));
	memcpy(q->pod_name, env->pod_name, sizeof(q->pod_name));
	memcpy(q->pod_namespace, env->pod_namespace, sizeof(q->pod_namespace));
}

/* One ipamd round trip; a refusal becomes a CNI error with ipamd's code and message. */
static int ipamd(const struct cni_conf *c, const struct cni_proto_req *q,
		 struct cni_proto_resp *ret, struct cni_err *err)
{
	int e = cni_ipc_call(c->ipamd_socket, q, IPAMD_TIMEOUT_MS, ret, err);

	if (e < 0)
		return e;
	if (!ret->ok)
		return cni_err_set(err, ret->code, "vpc-ipamd: %s", ret->msg);
	return 0;
}

/*
 * The request goes to ipamd first; while ipamd assigns an address and makes
 * its journal line durable, the veth is made (everything that does not need
 * the address), then the answer is read and the address wired.
 */
static int cmd_add(const struct cni_conf *c, const struct cni_env *env, struct cni_err *err)
{
	struct cni_proto_req q;
	struct cni_proto_resp p;
	struct cni_pod_result r;
	struct cni_dp_wip *w = NULL;
	struct cni_err dp_err = {0};
	char host_if[CNI_IFNAME_MAX];
	int fd, e, dp;

	fill_req(&q, CNI_OP_ADD, c, env);
	if ((e = cni_ipc_send(c->ipamd_socket, &q, IPAMD_TIMEOUT_MS, &fd, err)) < 0) {
		logf_("error", "ADD %s: no address: %s", env->container_id, err->msg);
		return e;
	}
	cni_host_veth_name(c->veth_prefix, env, host_if);
	struct cni_dp_pod pod = {.netns = env->netns, .ifname = env->ifname, .host_ifname = host_if,
				 .mtu = c->mtu};
	dp = cni_dp_add_begin(&pod, &w, &dp_err);
	e = cni_ipc_recv(fd, c->ipamd_socket, CNI_OP_ADD, IPAMD_TIMEOUT_MS, &p, err);
	if (e == 0 && !p.ok)
		e = cni_err_set(err, p.code, "vpc-ipamd: %s", p.msg);
	if (e < 0) {
		cni_dp_add_abort(w);
		logf_("error", "ADD %s: no address: %s", env->container_id, err->msg);
		return e;
	}
	if (dp < 0) {
		*err = dp_err;
		e = dp;
	} else {
		e = cni_dp_add_finish(w, p.ip4, p.route_table, &r, err);
	}
	if (e < 0) {
		struct cni_err ignored;
		struct cni_proto_resp back;

		logf_("error", "ADD %s: wiring failed: %s", env->container_id, err->msg);
		fill_req(&q, CNI_OP_DEL, c, env);
		util_strscpy(q.reason, "SetupNSFailed", sizeof(q.reason));
		ipamd(c, &q, &back, &ignored);
		return e;
	}
	char *out = cni_result_json(&r, c->version, c->version_str);
	if (!out)
		return cni_err_set(err, CNI_ERR_IO, "out of memory");
	puts(out);
	free(out);
	char ip[NET_IP4_STRLEN];
	logf_("info", "ADD %s %s/%s: %s on %s (table %d)", env->container_id, env->pod_namespace,
	      env->pod_name, net_ip4_format(p.ip4, ip), host_if, p.route_table);
	return 0;
}

static int cmd_del(const struct cni_conf *c, const struct cni_env *env, struct cni_err *err)
{
	struct cni_proto_req q;
	struct cni_proto_resp p;
	struct cni_pod_result prev = {0};
	struct cni_err ipamd_err = {0};
	char host_if[CNI_IFNAME_MAX];
	struct cni_dp_pod pod = {.netns = env->netns, .ifname = env->ifname, .host_ifname = host_if};

	cni_host_veth_name(c->veth_prefix, env, host_if);
	fill_req(&q, CNI_OP_DEL, c, env);
	util_strscpy(q.reason, "PodDeleted", sizeof(q.reason));
	if (ipamd(c, &q, &p, &ipamd_err) == 0 && p.ip4 != 0) {
		pod.ip4 = p.ip4;
	} else {
		/* ipamd is down, or no longer knows the pod: what prevResult says is what to undo. */
		logf_("warn", "DEL %s: %s; tearing down from prevResult", env->container_id,
		      ipamd_err.msg[0] ? ipamd_err.msg : "unknown to vpc-ipamd");
		if (c->prev_result && cni_result_from_prev(c->prev_result, &prev, err) == 0) {
			pod.ip4 = prev.ip4;
			if (prev.host_ifname[0])
				pod.host_ifname = prev.host_ifname;
		}
	}
	return cni_dp_del(&pod, err);
}

static int cmd_check(const struct cni_conf *c, const struct cni_env *env, struct cni_err *err)
{
	struct cni_proto_req q;
	struct cni_proto_resp p;
	char host_if[CNI_IFNAME_MAX];
	int e;

	if (!c->prev_result)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "CHECK needs \"prevResult\"");
	fill_req(&q, CNI_OP_CHECK, c, env);
	if ((e = ipamd(c, &q, &p, err)) < 0)
		return e;
	cni_host_veth_name(c->veth_prefix, env, host_if);
	struct cni_dp_pod pod = {.netns = env->netns, .ifname = env->ifname, .host_ifname = host_if,
				 .ip4 = p.ip4, .route_table = p.route_table, .mtu = c->mtu};
	return cni_dp_check(&pod, err);
}

static int cmd_status(const struct cni_conf *c, struct cni_err *err)
{
	struct cni_proto_req q = {.op = CNI_OP_STATUS};
	struct cni_proto_resp p;
	int e = ipamd(c, &q, &p, err);

	if (e < 0 && err->code != CNI_ERR_PROTO_VERSION)
		return cni_err_set(err, CNI_ERR_NOT_AVAILABLE, "vpc-cni cannot add pods: %s", err->msg);
	return e;
}

static int cmd_gc(const struct cni_conf *c, const struct cni_env *env, struct cni_err *err)
{
	struct cni_proto_req q;
	struct cni_proto_resp p;

	fill_req(&q, CNI_OP_GC, c, env);
	q.valid = c->valid;
	q.n_valid = c->n_valid;
	if (!c->has_valid)
		return 0; /* nothing tells us what to keep: release nothing */
	return ipamd(c, &q, &p, err);
}

static int run(const struct cni_env *env, const char *buf, size_t len, struct cni_conf **conf,
	       struct cni_err *err)
{
	struct cni_conf *c;
	int e;

	if ((e = cni_conf_parse(buf, len, conf, err)) < 0)
		return e;
	c = *conf;
	if (c->log_file)
		log_fp = fopen(c->log_file, "ae");
	if ((env->cmd == CNI_CMD_CHECK && c->version < CNI_V040) ||
	    ((env->cmd == CNI_CMD_STATUS || env->cmd == CNI_CMD_GC) && c->version < CNI_V110))
		return cni_err_set(err, CNI_ERR_INCOMPATIBLE_VERSION,
				   "%s is not part of CNI %s", cni_cmd_str(env->cmd), c->version_str);
	switch (env->cmd) {
	case CNI_CMD_ADD:
		return cmd_add(c, env, err);
	case CNI_CMD_DEL:
		return cmd_del(c, env, err);
	case CNI_CMD_CHECK:
		return cmd_check(c, env, err);
	case CNI_CMD_STATUS:
		return cmd_status(c, err);
	case CNI_CMD_GC:
		return cmd_gc(c, env, err);
	case CNI_CMD_VERSION:
		break;
	}
	return 0;
}

/* VERSION: the asked version may be absent or unknown; answer with ours. */
static int version(const char *buf, size_t len)
{
	json_t *o = json_loadb(buf, len, 0, NULL);
	char *s = cni_version_json(json_string_value(json_object_get(o, "cniVersion")));

	json_decref(o);
	if (!s)
		return 1;
	puts(s);
	free(s);
	return 0;
}

#define USAGE                                                                                      \
	"usage: CNI_COMMAND=ADD|DEL|CHECK|STATUS|VERSION|GC CNI_CONTAINERID=ID CNI_NETNS=PATH\n"  \
	"         CNI_IFNAME=NAME [CNI_ARGS=K=V;...] [CNI_PATH=DIRS] vpc-cni < NETCONF\n"           \
	"       vpc-cni --version | --help\n"                                                     \
	"\n"                                                                                      \
	"A CNI plugin (specification 1.1.0; results for 0.1.0 to 1.1.0) giving pods addresses\n"  \
	"of the VPC through vpc-ipamd on this node.  The network configuration comes on\n"        \
	"stdin, the result or a CNI error goes to stdout as JSON; logs go to pluginLogFile.\n"   \
	"Exit status: 0 on success, 1 with a CNI error on stdout, 2 on a bad command line.\n"     \
	"Reference: docs/reference/vpc-cni.md\n"

int main(int argc, char **argv)
{
	struct cni_err err = {0};
	struct cni_conf *conf = NULL;
	struct cni_env env;
	char *buf = NULL;
	size_t len = 0;
	int e;

	if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0)) {
		printf("vpc-cni (openvpc) CNI %s\n", CNI_VERSION_LATEST);
		return 0;
	}
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(USAGE, stdout);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "vpc-cni: unexpected argument \"%s\"\n%s", argv[1], USAGE);
		return 2;
	}
	/* Run by a person (no CNI_COMMAND): say what this is, as the reference plugins do. */
	if (!getenv("CNI_COMMAND") && isatty(STDIN_FILENO)) {
		fputs("vpc-cni (openvpc): a CNI plugin, run by a container runtime\n"
		      "CNI protocol versions supported:", stderr);
		for (int v = 0; v < CNI_V_COUNT; v++)
			fprintf(stderr, "%s %s", v ? "," : "", cni_version_str((enum cni_ver)v));
		fputs("\n(see vpc-cni --help)\n", stderr);
		return 0;
	}
	e = cni_env_parse(env_get, NULL, &env, &err);
	if (e == 0)
		e = read_stdin(&buf, &len, &err);
	if (e == 0 && env.cmd == CNI_CMD_VERSION) {
		int rc = version(buf, len);
		free(buf);
		return rc;
	}
	if (e == 0)
		e = run(&env, buf, len, &conf, &err);
	if (e < 0) {
		char *s = cni_err_json(&err, conf ? conf->version_str : NULL);

		logf_("error", "%s %s: %s", getenv("CNI_COMMAND") ? getenv("CNI_COMMAND") : "?",
		      getenv("CNI_CONTAINERID") ? getenv("CNI_CONTAINERID") : "", err.msg);
		if (s)
			puts(s);
		free(s);
	}
	if (log_fp)
		fclose(log_fp);
	cni_conf_free(conf);
	free(buf);
	return e < 0 ? 1 : 0;
}
