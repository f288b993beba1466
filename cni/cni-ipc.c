/* cni-ipc: framed messages over a Unix stream socket (see cni-ipc.h). */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cni/cni-ipc.h"
#include "lib/util/util.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		struct pollfd p = {.fd = fd, .events = events};
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int io_all(int fd, void *buf, size_t len, bool writing, int64_t deadline)
{
	uint8_t *p = buf;

	while (len > 0) {
		int e = wait_fd(fd, writing ? POLLOUT : POLLIN, deadline);
		ssize_t n;

		if (e < 0)
			return e;
		n = writing ? send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT)
			    : recv(fd, p, len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int cni_ipc_write(int fd, const char *buf, size_t len, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
	int e;

	if (len > CNI_PROTO_MAX_BYTES)
		return -EMSGSIZE;
	if ((e = io_all(fd, hdr, 4, true, deadline)) < 0)
		return e;
	return io_all(fd, (void *)buf, len, true, deadline);
}

int cni_ipc_read(int fd, int timeout_ms, char **ret_buf, size_t *ret_len)
{
	int64_t deadline = now_ms() + timeout_ms;
	uint8_t hdr[4];
	size_t len;
	char *buf;
	int e;

	if ((e = io_all(fd, hdr, 4, false, deadline)) < 0)
		return e;
	len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (len > CNI_PROTO_MAX_BYTES)
		return -EMSGSIZE;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	if ((e = io_all(fd, buf, len, false, deadline)) < 0) {
		free(buf);
		return e;
	}
	buf[len] = '\0';
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

static int connect_unix(const char *path, struct cni_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (util_strscpy(sa.sun_path, path, sizeof(sa.sun_path)) < 0)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "ipamd socket path \"%.64s\" is too long",
				   path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cni_err_set(err, CNI_ERR_IO, "cannot create a socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int saved = errno;

		close(fd);
		return cni_err_set(err, CNI_ERR_TRY_AGAIN,
				   "vpc-ipamd is not reachable at %s (%s): is it running on this node?",
				   path, strerror(saved));
	}
	return fd;
}

static int io_fail(int e, const char *path, enum cni_proto_op op, struct cni_err *err)
{
	return cni_err_set(err, e == -ETIMEDOUT ? CNI_ERR_TRY_AGAIN : CNI_ERR_IO,
			   "vpc-ipamd at %s did not answer %s: %s", path, cni_proto_op_str(op),
			   strerror(-e));
}

int cni_ipc_send(const char *path, const struct cni_proto_req *req, int timeout_ms, int *ret_fd,
		 struct cni_err *err)
{
	char *out;
	int fd, e;

	if ((fd = connect_unix(path, err)) < 0)
		return fd;
	out = cni_proto_req_encode(req);
	if (!out)
		e = cni_err_set(err, CNI_ERR_IO, "out of memory");
	else if ((e = cni_ipc_write(fd, out, strlen(out), timeout_ms)) < 0)
		e = io_fail(e, path, req->op, err);
	free(out);
	if (e < 0) {
		close(fd);
		return e;
	}
	*ret_fd = fd;
	return 0;
}

int cni_ipc_recv(int fd, const char *path, enum cni_proto_op op, int timeout_ms,
		 struct cni_proto_resp *ret_resp, struct cni_err *err)
{
	char *in = NULL;
	size_t in_len = 0;
	int e = cni_ipc_read(fd, timeout_ms, &in, &in_len);

	if (e < 0)
		e = io_fail(e, path, op, err);
	else
		e = cni_proto_resp_decode(in, in_len, ret_resp, err);
	free(in);
	close(fd);
	return e;
}

int cni_ipc_call(const char *path, const struct cni_proto_req *req, int timeout_ms,
		 struct cni_proto_resp *ret_resp, struct cni_err *err)
{
	int fd, e;

	if ((e = cni_ipc_send(path, req, timeout_ms, &fd, err)) < 0)
		return e;
	return cni_ipc_recv(fd, path, req->op, timeout_ms, ret_resp, err);
}
