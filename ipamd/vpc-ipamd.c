/*
 * vpc-ipamd: main.  Configuration from the environment, with the AWS VPC
 * CNI's names where one exists:
 *   WARM_ENI_TARGET (1), WARM_IP_TARGET, MINIMUM_IP_TARGET,
 *   ENABLE_PREFIX_DELEGATION (false), WARM_PREFIX_TARGET (1), MAX_ENI,
 *   IP_COOLDOWN_PERIOD (30 s), AWS_VPC_K8S_CNI_EXTERNALSNAT (false),
 *   AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS, AWS_VPC_ENI_MTU (9001),
 *   AWS_EC2_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *   AWS_SESSION_TOKEN, AWS_EC2_METADATA_SERVICE_ENDPOINT,
 *   DISABLE_METRICS, DISABLE_INTROSPECTION, INTROSPECTION_BIND_ADDRESS;
 * and openvpc's: OPENVPC_IPAMD_SOCKET (/run/openvpc/ipamd.sock),
 *   OPENVPC_IPAMD_CHECKPOINT (/run/openvpc/ipam.json),
 *   OPENVPC_IPAMD_METRICS_ADDRESS (127.0.0.1:61678),
 *   OPENVPC_IPAMD_POOL_INTERVAL_MS (5000), OPENVPC_IPAMD_MIN_ENI_LIFETIME_MS (60000:
 *   a new ENI is not freed before, as the AWS plugin's minENILifeTime).
 * Logs to stderr.  SIGINT/SIGTERM stop it; the checkpoint is always current.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipamd/ipamd.h"
#include "lib/util/util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vpc-ipamd\n"
		"\n"
		"The node daemon of vpc-cni: keeps a warm pool of VPC addresses on the node's\n"
		"ENIs (through the EC2 API of vpcd or AWS) and hands them to vpc-cni over a\n"
		"Unix socket.  Run it on an instance (the node); it learns the instance from\n"
		"IMDS.  It takes no arguments: it is configured by the environment.\n"
		"\n"
		"Environment (the AWS VPC CNI's names; default in parentheses):\n"
		"  WARM_ENI_TARGET (1)            free ENIs' worth of addresses kept ready\n"
		"  WARM_IP_TARGET (unset)         free addresses kept ready (overrides ENIs)\n"
		"  MINIMUM_IP_TARGET (unset)      addresses held at least, used or not\n"
		"  ENABLE_PREFIX_DELEGATION (false)  /28 prefixes instead of addresses\n"
		"  WARM_PREFIX_TARGET (1)         free /28 prefixes kept ready\n"
		"  MAX_ENI (instance type's)      cap on ENIs (-1: the instance type's)\n"
		"  IP_COOLDOWN_PERIOD (30)        seconds before a released address is reused\n"
		"  AWS_VPC_K8S_CNI_EXTERNALSNAT (false)  no SNAT on the node (NAT gateway does)\n"
		"  AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS (none)  comma-separated CIDRs not SNATed\n"
		"  AWS_VPC_ENI_MTU (9001)         MTU given to pods (576-9001)\n"
		"  AWS_VPC_K8S_CNI_VETHPREFIX (eni)  host-side veth name prefix\n"
		"  AWS_EC2_ENDPOINT (%s)  the EC2 API\n"
		"  AWS_REGION (the node's, from IMDS), AWS_DEFAULT_REGION\n"
		"  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN  SigV4 keys\n"
		"  AWS_EC2_METADATA_SERVICE_ENDPOINT (%s)\n"
		"  DISABLE_METRICS (false), DISABLE_INTROSPECTION (false)\n"
		"  INTROSPECTION_BIND_ADDRESS (127.0.0.1:61679)  GET /v1/enis\n"
		"openvpc's own:\n"
		"  OPENVPC_IPAMD_SOCKET (%s)  where vpc-cni connects\n"
		"  OPENVPC_IPAMD_CHECKPOINT (%s)  allocations, AWS's format\n"
		"  OPENVPC_IPAMD_METRICS_ADDRESS (127.0.0.1:61678)  GET /metrics (Prometheus)\n"
		"  OPENVPC_IPAMD_POOL_INTERVAL_MS (5000)  how often the warm pool is checked\n"
		"  OPENVPC_IPAMD_MIN_ENI_LIFETIME_MS (60000)  a new ENI is kept at least this long\n"
		"\n"
		"Logs to stderr.  SIGINT or SIGTERM stops it; the checkpoint is always current.\n"
		"Exit status: 0 after a clean stop, 1 when it cannot start, 2 bad configuration\n"
		"or usage.  Reference: docs/reference/vpc-ipamd.md.\n",
		EC2C_DEFAULT_ENDPOINT, IMDSC_DEFAULT_ENDPOINT, IPAMD_DEFAULT_SOCKET,
		IPAMD_DEFAULT_CHECKPOINT);
}

int main(int argc, char **argv)
{
	struct ipamd d = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .stop_fd = -1};
	char why[512] = "";
	sigset_t sigs;
	int sig, e;

	if (argc > 1) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		fprintf(stderr, "vpc-ipamd: unknown argument \"%s\": it takes none, the environment "
				"configures it (see vpc-ipamd --help)\n", argv[1]);
		return 2;
	}
	ipamd_config_defaults(&d.cfg);
	if (ipamd_config_from_env(&d.cfg, why, sizeof(why)) < 0) {
		ipamd_log("error", "configuration: %s", why);
		return 2;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((e = ipamd_node_init(&d, why, sizeof(why))) < 0 || (e = ipamd_serve_start(&d, why, sizeof(why))) < 0 ||
	    (e = ipamd_http_start(&d, why, sizeof(why))) < 0 || (e = ipamd_pool_start(&d)) < 0) {
		ipamd_log("error", "%s", why[0] ? why : strerror(-e));
		ipamd_serve_stop(&d);
		ipamd_http_stop(&d);
		ec2c_free(d.ec2);
		ipam_ds_free(d.ds);
		return 1;
	}
	ipamd_log("info", "serving on %s", d.cfg.socket_path);
	while (sigwait(&sigs, &sig) != 0)
		;
	ipamd_log("info", "signal %d, stopping", sig);
	ipamd_serve_stop(&d);
	ipamd_pool_stop(&d);
	ipamd_http_stop(&d);
	ec2c_free(d.ec2);
	ipam_ds_free(d.ds);
	return 0;
}
