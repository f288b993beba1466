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

int main(int argc, char **argv)
{
	struct ipamd d = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .stop_fd = -1};
	char why[512] = "";
	sigset_t sigs;
	int sig, e;

	if (argc > 1) {
		printf("Usage: vpc-ipamd   (configured by environment variables; see the docs)\n");
		return strcmp(argv[1], "--help") == 0 ? 0 : 2;
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
