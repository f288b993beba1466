/*
 * cni-ipc: framing and transport of cni-proto messages over a Unix stream
 * socket: a 4-byte big-endian length, then the JSON text.  Every wait is
 * bounded by a timeout, so a stuck peer never hangs the plugin or ipamd.
 */
#ifndef OPENVPC_CNI_IPC_H
#define OPENVPC_CNI_IPC_H

#include <stddef.h>

#include "cni/cni-err.h"
#include "cni/cni-proto.h"

/* Write one framed message.  0 or negative errno (-ETIMEDOUT). */
int cni_ipc_write(int fd, const char *buf, size_t len, int timeout_ms);
/* Read one framed message into a malloc'd, NUL-terminated buffer.  0 or negative errno. */
int cni_ipc_read(int fd, int timeout_ms, char **ret_buf, size_t *ret_len);
/*
 * The plugin's side: connect to path, send req, read and decode the
 * response.  Errors: CNI_ERR_TRY_AGAIN when ipamd is not running or does
 * not answer in time (the runtime retries), CNI_ERR_IO, decode errors.
 */
int cni_ipc_call(const char *path, const struct cni_proto_req *req, int timeout_ms,
		 struct cni_proto_resp *ret_resp, struct cni_err *err);
/*
 * cni_ipc_call in two halves, so that the plugin can work while ipamd
 * answers: send leaves the connection in *ret_fd; recv reads the answer and
 * always closes fd.  Same errors.
 */
int cni_ipc_send(const char *path, const struct cni_proto_req *req, int timeout_ms, int *ret_fd,
		 struct cni_err *err);
int cni_ipc_recv(int fd, const char *path, enum cni_proto_op op, int timeout_ms,
		 struct cni_proto_resp *ret_resp, struct cni_err *err);

#endif
