/*
 * cni-err: CNI error results (CNI specification 1.1.0, "Error").  A failing
 * function of cni/ fills a struct cni_err with a well-known code and a
 * message a person understands, and returns a negative errno; the plugin's
 * main prints cni_err_json() on stdout and exits non-zero.  Nothing here
 * allocates except cni_err_json().
 */
#ifndef OPENVPC_CNI_ERR_H
#define OPENVPC_CNI_ERR_H

enum cni_code {
	CNI_ERR_INCOMPATIBLE_VERSION = 1,
	CNI_ERR_UNSUPPORTED_FIELD = 2,
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_INVALID_ENV = 4,
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,
	CNI_ERR_INVALID_CONFIG = 7,
	CNI_ERR_TRY_AGAIN = 11,
	/* STATUS: the plugin cannot serve ADDs (ipamd down or not ready). */
	CNI_ERR_NOT_AVAILABLE = 50,
	/* Plugin-specific codes start at 100. */
	CNI_ERR_NO_IP = 100,	   /* the node has no address left (max pods reached) */
	CNI_ERR_IPAMD = 101,	   /* vpc-ipamd answered with an error */
	CNI_ERR_DATAPATH = 102,	   /* wiring the pod failed */
	CNI_ERR_PROTO_VERSION = 103, /* plugin and ipamd are from different builds */
};

struct cni_err {
	int code;
	char msg[256];
	char details[512];
};

/* Set code, msg (printf) and clear details; returns -EINVAL for `return cni_err_set(...)`. */
int cni_err_set(struct cni_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set details (printf). */
void cni_err_details(struct cni_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * {"cniVersion": v, "code": c, "msg": m[, "details": d]} as a malloc'd,
 * NUL-terminated string (caller frees); NULL on allocation failure.
 * cni_version NULL or empty: "1.1.0".
 */
char *cni_err_json(const struct cni_err *e, const char *cni_version);

#endif
