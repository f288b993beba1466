/* cni-proto and cni-ipc: vpc-cni <-> vpc-ipamd messages and their transport. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cni/cni-ipc.h"
#include "cni/cni-proto.h"

Test(cni_proto, request_round_trip_with_gc_list)
{
	struct cni_attachment keep[] = {{"c1", "eth0"}, {"c2", "eth1"}};
	struct cni_proto_req q = {.op = CNI_OP_GC, .valid = keep, .n_valid = 2}, d;
	struct cni_err err = {0};

	strcpy(q.network, "openvpc");
	strcpy(q.container_id, "abc");
	char *s = cni_proto_req_encode(&q);
	cr_assert(s);
	cr_assert_eq(cni_proto_req_decode(s, strlen(s), &d, &err), 0, "%s", err.msg);
	cr_assert_eq(d.op, CNI_OP_GC);
	cr_assert_str_eq(d.network, "openvpc");
	cr_assert_eq(d.n_valid, 2);
	cr_assert_str_eq(d.valid[1].container_id, "c2");
	cr_assert_str_eq(d.valid[1].ifname, "eth1");
	cni_proto_req_clear(&d);
	cni_proto_req_clear(NULL);
	free(s);
}

Test(cni_proto, response_round_trip)
{
	struct cni_proto_resp p = {.ok = true, .ip4 = 0x0a00611e, .device_number = 1, .route_table = 2,
				   .node_ip = 0x0a006005, .n_vpc_cidrs = 2, .mtu = 9001};
	struct cni_proto_resp d;
	struct cni_err err = {0};

	p.vpc_cidrs[0] = (struct net_cidr4){0x0a000000, 16};
	p.vpc_cidrs[1] = (struct net_cidr4){0x64400000, 16};
	char *s = cni_proto_resp_encode(&p);
	cr_assert_eq(cni_proto_resp_decode(s, strlen(s), &d, &err), 0, "%s", err.msg);
	cr_assert(d.ok);
	cr_assert_eq(d.ip4, p.ip4);
	cr_assert_eq(d.route_table, 2);
	cr_assert_eq(d.n_vpc_cidrs, 2);
	cr_assert_eq(d.vpc_cidrs[1].addr, 0x64400000);
	free(s);
	struct cni_proto_resp no = {.ok = false, .code = CNI_ERR_NO_IP};
	strcpy(no.msg, "no free address");
	s = cni_proto_resp_encode(&no);
	cr_assert_eq(cni_proto_resp_decode(s, strlen(s), &d, &err), 0);
	cr_assert_not(d.ok);
	cr_assert_eq(d.code, CNI_ERR_NO_IP);
	cr_assert_str_eq(d.msg, "no free address");
	free(s);
}

Test(cni_proto, version_and_malformed_messages_rejected)
{
	struct cni_proto_req q;
	struct cni_proto_resp p;
	struct cni_err err = {0};
	const char *other = "{\"version\":\"openvpc-ipam/0\",\"op\":\"ADD\"}";
	const char *bad[] = {
	    "", "[]", "{\"version\":\"openvpc-ipam/1\"}", "{\"version\":\"openvpc-ipam/1\",\"op\":\"X\"}",
	    "{\"version\":\"openvpc-ipam/1\",\"op\":\"ADD\",\"ifName\":\"0123456789abcdefg\"}",
	    "{\"version\":\"openvpc-ipam/1\",\"op\":\"GC\",\"valid\":[{\"containerID\":1}]}",
	};

	cr_assert_lt(cni_proto_req_decode(other, strlen(other), &q, &err), 0);
	cr_assert_eq(err.code, CNI_ERR_PROTO_VERSION);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_lt(cni_proto_req_decode(bad[i], strlen(bad[i]), &q, &err), 0, "%s", bad[i]);
		cr_assert_eq(err.code, CNI_ERR_DECODE, "%s", bad[i]);
	}
	const char *badresp[] = {
	    "{\"version\":\"openvpc-ipam/1\",\"ok\":1}",
	    "{\"version\":\"openvpc-ipam/1\",\"ok\":true,\"ipv4\":\"10.0.0.300\"}",
	    "{\"version\":\"openvpc-ipam/1\",\"ok\":false,\"code\":0,\"msg\":\"x\"}",
	};
	for (size_t i = 0; i < sizeof(badresp) / sizeof(badresp[0]); i++)
		cr_assert_lt(cni_proto_resp_decode(badresp[i], strlen(badresp[i]), &p, &err), 0, "%s",
			     badresp[i]);
}

/* A one-shot server: answers one request with a fixed response (or stays silent). */
struct server {
	int lfd;
	bool silent;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	int fd = accept(s->lfd, NULL, NULL);
	char *buf;
	size_t len;
	struct cni_proto_req q;
	struct cni_err err;

	if (fd < 0)
		return NULL;
	if (cni_ipc_read(fd, 2000, &buf, &len) == 0) {
		if (!s->silent && cni_proto_req_decode(buf, len, &q, &err) == 0) {
			struct cni_proto_resp p = {.ok = true, .ip4 = 0x0a000005, .node_ip = 0x0a000004,
						   .route_table = 254, .mtu = 9001};
			char *out = cni_proto_resp_encode(&p);
			cni_ipc_write(fd, out, strlen(out), 2000);
			free(out);
		} else if (s->silent) {
			usleep(500 * 1000);
		}
		free(buf);
	}
	close(fd);
	return NULL;
}

static int listen_at(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, path);
	unlink(path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(fd, 4), 0);
	return fd;
}

Test(cni_ipc, call_answer_timeout_and_absent_daemon)
{
	char path[64];
	struct cni_proto_req q = {.op = CNI_OP_ADD};
	struct cni_proto_resp p;
	struct cni_err err = {0};
	pthread_t t;

	snprintf(path, sizeof(path), "/tmp/openvpc-test-ipc-%d.sock", getpid());
	struct server s = {.lfd = listen_at(path)};
	pthread_create(&t, NULL, serve, &s);
	cr_assert_eq(cni_ipc_call(path, &q, 2000, &p, &err), 0, "%s", err.msg);
	cr_assert(p.ok);
	cr_assert_eq(p.ip4, 0x0a000005);
	pthread_join(t, NULL);

	s.silent = true;
	pthread_create(&t, NULL, serve, &s);
	cr_assert_lt(cni_ipc_call(path, &q, 100, &p, &err), 0);
	cr_assert_eq(err.code, CNI_ERR_TRY_AGAIN, "%d %s", err.code, err.msg);
	pthread_join(t, NULL);
	close(s.lfd);
	unlink(path);

	cr_assert_lt(cni_ipc_call(path, &q, 100, &p, &err), 0);
	cr_assert_eq(err.code, CNI_ERR_TRY_AGAIN);
	cr_assert(strstr(err.msg, "not reachable"), "%s", err.msg);
}
