/*
 * netns: named network namespaces, kept the way iproute2's `ip netns` keeps
 * them, so `ip netns exec NAME ...` and vpcd see the same namespaces.
 *
 * What it is.  A named namespace is a network namespace whose nsfs inode is
 * bind-mounted on NETNS_RUN_DIR/NAME.  The mount keeps the namespace alive
 * with no process in it; deleting the name (umount + unlink) lets the kernel
 * free it once nothing else holds it (a process inside, an open fd).
 *
 * Threads, never the caller's namespace.  Entering a namespace is a per-thread
 * property (setns(2) and unshare(CLONE_NEWNET) act on the calling thread).
 * Every function here that needs to be inside a namespace does it in a
 * short-lived thread of its own, so the namespace of the calling thread (in
 * vpcd: the main thread, in the root namespace) never changes, not even for a
 * moment.  A socket keeps the namespace it was created in for its whole life:
 * netns_socket() and netns_nl_socket() hand out sockets that live "inside" a
 * namespace while the caller stays outside.
 *
 * Errors: 0 (or a file descriptor) on success, a negative errno on failure.
 * Nothing here logs.
 */
#ifndef OPENVPC_FABRIC_NETNS_H
#define OPENVPC_FABRIC_NETNS_H

#include <stdbool.h>
#include <stddef.h>

struct nl_sock;

#define NETNS_RUN_DIR "/run/netns"
/* Longest name accepted (a file name in NETNS_RUN_DIR, kept short). */
#define NETNS_NAME_MAX 200

/* Is name usable as a namespace name (1..NETNS_NAME_MAX, no '/', not "." or "..")? */
bool netns_name_valid(const char *name);

/*
 * Create a new, empty network namespace named name (only `lo`, down).
 * 0, -EEXIST when a namespace of that name exists, -EINVAL for a bad name,
 * or another negative errno.  A leftover placeholder file that is not a
 * mounted namespace (a crash between creating the file and mounting it) is
 * replaced.
 */
int netns_add(const char *name);

/* Remove the name: detach the mount and unlink it.  0 or -ENOENT, -EINVAL, ... */
int netns_delete(const char *name);

/* 1 when name is a mounted namespace, 0 when not, negative errno on error. */
int netns_exists(const char *name);

/*
 * Open the namespace: a file descriptor (O_CLOEXEC) for setns(2) or for
 * IFLA_NET_NS_FD, owned by the caller.  -ENOENT when absent (or a placeholder
 * that is not a mounted namespace).
 */
int netns_open(const char *name);

/*
 * Names in NETNS_RUN_DIR that start with prefix ("" = all), sorted.  On
 * success *ret_names is a heap array of *ret_n heap strings (free with
 * netns_names_free); on failure nothing is written.
 */
int netns_list(const char *prefix, char ***ret_names, size_t *ret_n);
/* The same over another directory of per-namespace entries (e.g. NETNS_ETC_DIR). */
int netns_list_in(const char *dir_path, const char *prefix, char ***ret_names, size_t *ret_n);
void netns_names_free(char **names, size_t n);

/*
 * Run fn(userdata) in a new thread that first enters the namespace ns_fd,
 * wait for it, and return what fn returned (by convention 0 or a negative
 * errno).  Returns a negative errno if the thread cannot be started or the
 * namespace cannot be entered (fn then does not run).  The calling thread's namespace never changes.
 */
int netns_run(int ns_fd, int (*fn)(void *userdata), void *userdata);

/* socket(2) created inside the namespace ns_fd: the fd (owned by the caller) or -errno. */
int netns_socket(int ns_fd, int domain, int type, int protocol);

/*
 * A libnl NETLINK_ROUTE socket connected inside the namespace ns_fd: every
 * request on it acts on that namespace.  Free with nl_socket_free().
 * 0 or a negative errno; *ret_sock written only on success.
 */
int netns_nl_socket(int ns_fd, struct nl_sock **ret_sock);

#endif
