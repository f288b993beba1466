/*
 * trace: `vpcctl trace`, the offline reachability question.
 *
 *   vpcctl trace --aws-json PATH --source X --destination Y
 *                [--protocol tcp|udp|icmp|N] [--destination-port N]
 *                [--source-port N] [--output text|json] [--quiet]
 *
 * X and Y are an ENI ID, an instance ID (its primary ENI), a private IP (the
 * ENI that owns it), a public IP of an ENI, or any other IPv4 address: the
 * internet through the VPC's internet gateway, or on premises through its
 * VPN gateway when a VPN route covers the address.  A packet from outside
 * enters at that gateway; a destination inside reached from the internet is
 * addressed to its public IP, as on AWS.
 *
 * All reachability decisions are the engine's (eng_analyze); this file only
 * turns the question into a packet and an entry point, and picks a renderer.
 * Exit status: 0 reachable, 1 not reachable, 2 bad input (with a message on
 * stderr naming the option, or the file and field).
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli-opts.h"
#include "cli/progress.h"
#include "cli/trace.h"
#include "lib/awsjson/awsjson.h"
#include "lib/util/util.h"

/* Fixed clock: an analysis is deterministic and reads no time. */
#define TRACE_NOW_MS UINT64_C(1767225600000)

struct trace_opts {
	const char *aws_json;
	const char *state_dir, *region;
	const char *source;
	const char *destination;
	int protocol;
	const char *protocol_name;
	long dport; /* -1 when not given */
	long sport;
	bool json;
	bool quiet;
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: vpcctl trace (--aws-json PATH | --state-dir DIR [--region R])\n"
	    "                    --source ENDPOINT --destination ENDPOINT\n"
	    "                    [--protocol tcp|udp|icmp|N] [--destination-port N]\n"
	    "                    [--source-port N] [--output text|json] [--quiet]\n"
	    "\n"
	    "Can SOURCE reach DESTINATION, and if not, which rule stops it?  Answers from\n"
	    "the JSON of `aws ec2 describe-*` calls, the way AWS Reachability Analyzer\n"
	    "does, without sending a packet.\n"
	    "\n"
	    "  --aws-json PATH         a directory of *.json files (describe-vpcs,\n"
	    "                          describe-subnets, ... saved as they print) or one file\n"
	    "  --state-dir DIR         the live state of a vpcd (its --state-dir), read\n"
	    "                          while it runs; --region R (default us-east-1)\n"
	    "  --source, --destination an ENI ID (eni-...), an instance ID (i-..., its primary\n"
	    "                          interface), a private or public IP of an interface, or\n"
	    "                          any other IPv4 address: the internet (through the\n"
	    "                          internet gateway) or on premises (through the VPN\n"
	    "                          gateway, when a VPN route covers it)\n"
	    "  --protocol P            tcp (default), udp, icmp (echo request) or a number\n"
	    "  --destination-port N    required for tcp and udp\n"
	    "  --source-port N         default %d, an ephemeral port as clients use\n"
	    "  --output text|json      text (default) or AWS's NetworkInsightsAnalysis JSON\n"
	    "  --quiet, -q             no progress on stderr (shown only on a terminal)\n"
	    "  -h, --help              this text\n"
	    "\n"
	    "Exit status: 0 reachable, 1 not reachable, 2 bad input.\n",
	    TRACE_DEFAULT_SOURCE_PORT);
}

static int fail_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("vpcctl trace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	return 2;
}

static int parse_opts(int argc, char **argv, struct trace_opts *o, bool *ret_help)
{
	static const struct option longopts[] = {
	    {"aws-json", required_argument, NULL, 'j'},
	    {"state-dir", required_argument, NULL, 'D'},
	    {"region", required_argument, NULL, 'R'},
	    {"source", required_argument, NULL, 's'},
	    {"destination", required_argument, NULL, 'd'},
	    {"protocol", required_argument, NULL, 'p'},
	    {"destination-port", required_argument, NULL, 'P'},
	    {"source-port", required_argument, NULL, 'S'},
	    {"output", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->protocol = PKT_PROTO_TCP;
	o->protocol_name = "tcp";
	o->dport = -1;
	o->sport = TRACE_DEFAULT_SOURCE_PORT;
	*ret_help = false;
	CLI_GETOPT_RESET();
	while ((c = getopt_long(argc, argv, ":hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->aws_json = optarg;
			break;
		case 'D':
			o->state_dir = optarg;
			break;
		case 'R':
			o->region = optarg;
			break;
		case 's':
			o->source = optarg;
			break;
		case 'd':
			o->destination = optarg;
			break;
		case 'p':
			if (model_protocol_parse(optarg, &o->protocol) < 0 ||
			    o->protocol == MODEL_PROTO_ALL)
				return cli_usage_error(
				    "trace",
				    "--protocol: \"%s\" is not tcp, udp, icmp or a "
				    "protocol number 0-255",
				    optarg);
			o->protocol_name = optarg;
			break;
		case 'P':
			if (util_parse_long(optarg, 0, 65535, &o->dport) < 0)
				return cli_usage_error(
				    "trace", "--destination-port: \"%s\" is not a port 0-65535",
				    optarg);
			break;
		case 'S':
			if (util_parse_long(optarg, 0, 65535, &o->sport) < 0)
				return cli_usage_error(
				    "trace", "--source-port: \"%s\" is not a port 0-65535", optarg);
			break;
		case 'o':
			if (cli_output_parse("trace", optarg, &o->json) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			*ret_help = true;
			return 0;
		default:
			return cli_bad_option("trace", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("trace", "unexpected argument \"%s\"", argv[optind]);
	if (!o->aws_json == !o->state_dir)
		return cli_usage_error("trace",
				       "give exactly one of --aws-json PATH and --state-dir DIR");
	if (!o->source)
		return cli_usage_error("trace", "--source is required");
	if (!o->destination)
		return cli_usage_error("trace", "--destination is required");
	if (o->protocol == PKT_PROTO_TCP || o->protocol == PKT_PROTO_UDP) {
		if (o->dport < 0)
			return cli_usage_error("trace",
					       "--destination-port is required for tcp and udp");
	} else if (o->dport >= 0) {
		return cli_usage_error("trace", "--destination-port applies to tcp and udp only");
	}
	return 0;
}

/* An ENI, or an address outside every VPC (kind decided later). */
static int resolve(const struct model *m, const char *opt, const char *s, struct trace_endpoint *ep)
{
	const struct model_eni *eni = NULL;
	uint32_t ip, priv = 0;

	memset(ep, 0, sizeof(*ep));
	util_strscpy(ep->input, s, sizeof(ep->input));
	if (strncmp(s, "eni-", 4) == 0) {
		eni = model_find_eni(m, s);
		if (!eni)
			return fail_usage("%s: no network interface \"%s\" in the JSON", opt, s);
	} else if (strncmp(s, "i-", 2) == 0) {
		if (!model_find_instance(m, s))
			return fail_usage("%s: no instance \"%s\" in the JSON", opt, s);
		eni = model_instance_primary_eni(m, s);
		if (!eni)
			return fail_usage("%s: instance %s has no network interface at device "
					  "index 0 in the JSON",
					  opt, s);
	} else if (net_ip4_parse(s, &ip) == 0) {
		eni = model_find_eni_by_ip(m, NULL, ip);
		if (eni) {
			ep->kind = TRACE_EP_ENI;
			ep->ip = ip;
			util_strscpy(ep->eni_id, eni->id, sizeof(ep->eni_id));
			return 0;
		}
		eni = model_find_eni_by_public_ip(m, ip, &priv);
		ep->ip = ip;
		if (eni) {
			ep->kind = TRACE_EP_ENI;
			ep->public_ip = true;
			util_strscpy(ep->eni_id, eni->id, sizeof(ep->eni_id));
		} else {
			ep->kind = TRACE_EP_INTERNET;
		}
		return 0;
	} else {
		return fail_usage("%s: \"%s\" is not an ENI ID (eni-...), an instance ID (i-...) "
				  "or an IPv4 address",
				  opt, s);
	}
	if (eni->n_ips == 0)
		return fail_usage("%s: %s has no private IPv4 address", opt, eni->id);
	ep->kind = TRACE_EP_ENI;
	ep->ip = eni->ips[0].ip;
	util_strscpy(ep->eni_id, eni->id, sizeof(ep->eni_id));
	return 0;
}

/* The VPN gateway of vpc_id when a VPN or VGW route covers ip, else NULL. */
static const struct model_vgw *vpn_gateway_for(const struct model *m, const char *vpc_id,
					       uint32_t ip)
{
	const struct model_vgw *vgw = model_vpc_vgw(m, vpc_id);

	if (!vgw)
		return NULL;
	for (size_t i = 0; i < m->n_vpns; i++) {
		const struct model_vpn_connection *v = m->vpns[i];

		if (strcmp(v->vgw_id, vgw->id) != 0)
			continue;
		for (size_t j = 0; j < v->n_routes; j++)
			if (net_cidr4_contains(v->routes[j].cidr, ip))
				return vgw;
	}
	for (size_t i = 0; i < m->n_route_tables; i++) {
		const struct model_route_table *t = m->route_tables[i];

		if (strcmp(t->vpc_id, vpc_id) != 0)
			continue;
		for (size_t j = 0; j < t->n_routes; j++)
			if (t->routes[j].dest_type == MODEL_DEST_CIDR4 &&
			    t->routes[j].target_type == MODEL_TARGET_VGW &&
			    strcmp(t->routes[j].target_id, vgw->id) == 0 &&
			    t->routes[j].dest.len > 0 && net_cidr4_contains(t->routes[j].dest, ip))
				return vgw;
	}
	return NULL;
}

/* Classify an outside endpoint relative to the VPC of the inside one. */
static void classify_outside(const struct model *m, const char *vpc_id, struct trace_endpoint *ep)
{
	const struct model_vgw *vgw = vpn_gateway_for(m, vpc_id, ep->ip);
	const struct model_igw *igw;

	if (vgw) {
		ep->kind = TRACE_EP_VPN;
		util_strscpy(ep->gateway_id, vgw->id, sizeof(ep->gateway_id));
		return;
	}
	ep->kind = TRACE_EP_INTERNET;
	igw = model_vpc_igw(m, vpc_id);
	if (igw)
		util_strscpy(ep->gateway_id, igw->id, sizeof(ep->gateway_id));
}

/* A string's FNV-1a, then a separator folded in. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
	return util_fnv1a_str(h, s) ^ 0xff;
}

static void make_ids(const struct trace_opts *o, struct trace_report *r)
{
	char ports[64];
	uint64_t h = UTIL_FNV1A_INIT;

	snprintf(ports, sizeof(ports), "%d/%ld/%ld", o->protocol, o->sport, o->dport);
	h = fnv1a(h, o->source);
	h = fnv1a(h, o->destination);
	h = fnv1a(h, ports);
	snprintf(r->path_id, sizeof(r->path_id), "nip-%017" PRIx64, h);
	h = fnv1a(h, o->aws_json ? o->aws_json : o->state_dir);
	snprintf(r->analysis_id, sizeof(r->analysis_id), "nia-%017" PRIx64, h);
}

static void make_packet(const struct trace_opts *o, uint32_t src, uint32_t dst, struct pkt_hdr *ret)
{
	struct pkt_hdr h;

	memset(&h, 0, sizeof(h));
	h.src = src;
	h.dst = dst;
	h.proto = (uint8_t)o->protocol;
	h.ttl = 64;
	switch (o->protocol) {
	case PKT_PROTO_TCP:
		h.sport = (uint16_t)o->sport;
		h.dport = (uint16_t)o->dport;
		h.tcp_flags = PKT_TCP_SYN;
		h.len = 60;
		break;
	case PKT_PROTO_UDP:
		h.sport = (uint16_t)o->sport;
		h.dport = (uint16_t)o->dport;
		h.len = 28;
		break;
	case PKT_PROTO_ICMP:
		h.icmp_type = PKT_ICMP_ECHO;
		h.sport = h.dport = TRACE_ICMP_IDENTIFIER;
		h.len = 84;
		break;
	default:
		h.len = 20;
		break;
	}
	*ret = h;
}

/*
 * Entry point and packet addresses.  0, or 2 after printing an error, or 1
 * with r->config_code set when no analysis can run (no gateway to enter by).
 */
static int plan(const struct trace_opts *o, struct trace_report *r, struct eng_where *ret_from)
{
	const struct model *m = r->m;
	struct trace_endpoint *src = &r->src, *dst = &r->dst;
	uint32_t psrc, pdst, priv = 0;
	uint32_t idx;

	if (src->kind != TRACE_EP_ENI && dst->kind != TRACE_EP_ENI)
		return fail_usage("neither --source %s nor --destination %s is in the JSON: at "
				  "least one must be a network interface, an instance or one "
				  "of their addresses",
				  src->input, dst->input);
	if (src->kind == TRACE_EP_ENI) {
		const struct model_eni *e = model_find_eni(m, src->eni_id);

		psrc = src->ip;
		if (src->public_ip && model_find_eni_by_public_ip(m, src->ip, &priv))
			psrc = priv; /* an instance sends from its private address */
		if (eng_gen_eni_index(r->g, src->eni_id, &idx) < 0)
			return fail_usage("--source: %s is not part of the compiled model",
					  src->eni_id);
		*ret_from = (struct eng_where){.point = ENG_AT_ENI, .idx = idx};
		if (dst->kind != TRACE_EP_ENI)
			classify_outside(m, e->vpc_id, dst);
		pdst = dst->ip;
	} else {
		const struct model_eni *e = model_find_eni(m, dst->eni_id);

		classify_outside(m, e->vpc_id, src);
		psrc = src->ip;
		pdst = dst->ip;
		if (src->kind == TRACE_EP_INTERNET && !dst->public_ip) {
			/* From the internet an instance is reached at its public IP. */
			for (size_t i = 0; i < e->n_ips; i++) {
				if (e->ips[i].ip == dst->ip && e->ips[i].public_ip) {
					pdst = e->ips[i].public_ip;
					dst->public_ip = true;
					dst->ip = pdst;
					break;
				}
			}
		}
		if (src->kind == TRACE_EP_VPN) {
			if (eng_gen_vgw_index(r->g, src->gateway_id, &idx) < 0)
				return fail_usage(
				    "VPN gateway %s is not part of the compiled model",
				    src->gateway_id);
			*ret_from = (struct eng_where){.point = ENG_AT_VGW, .idx = idx};
		} else if (!src->gateway_id[0] ||
			   eng_gen_igw_index(r->g, src->gateway_id, &idx) < 0) {
			r->config_code = ENG_EXPL_NO_PATH;
			snprintf(r->config_message, sizeof(r->config_message),
				 "%s has no internet gateway attached, so traffic from %s cannot "
				 "enter it",
				 e->vpc_id, src->input);
			make_packet(o, psrc, pdst, &r->pkt);
			return 1;
		} else {
			*ret_from = (struct eng_where){.point = ENG_AT_IGW, .idx = idx};
		}
	}
	make_packet(o, psrc, pdst, &r->pkt);
	return 0;
}

static int render(const struct trace_opts *o, const struct trace_report *r)
{
	int rc;

	if (o->json)
		rc = trace_print_json(r, stdout);
	else
		rc = trace_print_text(r, stdout, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
	if (rc < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "vpcctl trace: cannot write the result: %s\n",
			strerror(rc < 0 ? -rc : EIO));
		return -EIO;
	}
	return 0;
}

static trace_live_loader_fn live_loader;

void trace_set_live_loader(trace_live_loader_fn fn)
{
	live_loader = fn;
}

int trace_main(int argc, char **argv)
{
	struct trace_opts o;
	struct trace_report r;
	struct eng_analysis *a = NULL;
	struct awsjson_error err;
	struct model *m = NULL;
	struct eng_gen *g = NULL;
	struct eng_where from = {0};
	struct progress prog;
	bool help;
	int rc, status = 2;

	rc = parse_opts(argc, argv, &o, &help);
	if (rc != 0)
		return rc;
	if (help) {
		usage(stdout);
		return 0;
	}
	progress_init(&prog, o.quiet, o.json);
	if (o.state_dir) {
		char why[256] = "";

		progress_show(&prog, "trace", "loading the state of the vpcd at %s (Region %s)",
			      o.state_dir, o.region ? o.region : "us-east-1");
		rc = live_loader ? live_loader(o.state_dir, o.region ? o.region : "us-east-1", &m, why,
					       sizeof(why))
				 : -ENOTSUP;
		progress_clear(&prog);
		if (rc < 0) {
			fprintf(stderr, "vpcctl trace: --state-dir %s: %s\n", o.state_dir,
				why[0] ? why : "this vpcctl was built without the store");
			return 2;
		}
	} else {
		char buf[800];

		progress_show(&prog, "trace", "loading the describe-* JSON of %s", o.aws_json);
		rc = awsjson_load_path(o.aws_json, &m, &err);
		progress_clear(&prog);
		if (rc < 0) {
			if (rc == -ENOENT && !err.field[0])
				fprintf(stderr, "vpcctl trace: --aws-json %s: %s\n", o.aws_json,
					err.message);
			else
				fprintf(stderr, "vpcctl trace: %s\n",
					awsjson_error_format(&err, buf, sizeof(buf)));
			return 2;
		}
	}
	memset(&r, 0, sizeof(r));
	r.m = m;
	make_ids(&o, &r);
	if (resolve(m, "--source", o.source, &r.src) != 0 ||
	    resolve(m, "--destination", o.destination, &r.dst) != 0)
		goto out;
	progress_show(&prog, "trace", "compiling the VPC model (%zu ENIs, %zu route tables)",
		      m->n_enis, m->n_route_tables);
	rc = eng_compile(m, &g);
	progress_clear(&prog);
	if (rc < 0) {
		fprintf(stderr, "vpcctl trace: cannot compile the VPC model: %s\n", strerror(-rc));
		goto out;
	}
	r.g = g;
	rc = plan(&o, &r, &from);
	if (rc == 2)
		goto out;
	if (rc == 0) {
		a = calloc(1, sizeof(*a));
		if (!a) {
			fprintf(stderr, "vpcctl trace: out of memory\n");
			goto out;
		}
		rc = eng_analyze(g, from, &r.pkt, TRACE_NOW_MS, a);
		if (rc < 0) {
			fprintf(stderr, "vpcctl trace: analysis failed: %s\n", strerror(-rc));
			goto out;
		}
		r.a = a;
	}
	if (render(&o, &r) < 0)
		goto out;
	status = r.a && r.a->path_found ? 0 : 1;
out:
	free(a);
	eng_gen_unref(g);
	model_free(m);
	return status;
}
