/*
 * netns: named network namespaces (see netns.h).
 *
 * Creation mirrors iproute2's `ip netns add`: make NETNS_RUN_DIR a shared
 * mount point (so namespaces mounted there later propagate into mount
 * namespaces that `ip netns exec` creates), create an empty file NAME, then
 * from a dedicated thread unshare(CLONE_NEWNET) and bind-mount that thread's
 * /proc/thread-self/ns/net onto the file.  The thread then ends; the mount
 * keeps the namespace.  unshare(CLONE_NEWNET) is allowed in a multithreaded
 * process and only moves the calling thread.
 */
#include "fabric/netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/socket.h>

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

bool netns_name_valid(const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0 || n > NETNS_NAME_MAX || strchr(name, '/'))
		return false;
	return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static int netns_path(const char *name, char *buf, size_t size)
{
	int n;

	if (!netns_name_valid(name))
		return -EINVAL;
	n = snprintf(buf, size, "%s/%s", NETNS_RUN_DIR, name);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* 1 when fd is an nsfs inode (a namespace), 0 otherwise. */
static int fd_is_nsfs(int fd)
{
	struct statfs st;

	if (fstatfs(fd, &st) < 0)
		return -errno;
	return st.f_type == (typeof(st.f_type))NSFS_MAGIC;
}

/* Make NETNS_RUN_DIR exist and be a shared mount point, as `ip netns add` does. */
static int netns_prepare_run_dir(void)
{
	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	/* Not a mount point yet: bind it onto itself, then share it. */
	if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

int netns_exists(const char *name)
{
	char path[sizeof(NETNS_RUN_DIR) + NETNS_NAME_MAX + 2];
	int fd, r;

	r = netns_path(name, path, sizeof(path));
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = fd_is_nsfs(fd);
	close(fd);
	return r;
}

struct netns_add_job {
	const char *path;
	int r;
};

static void *netns_add_thread(void *arg)
{
	struct netns_add_job *job = arg;

	if (unshare(CLONE_NEWNET) < 0) {
		job->r = -errno;
		return NULL;
	}
	if (mount("/proc/thread-self/ns/net", job->path, "none", MS_BIND, NULL) < 0) {
		job->r = -errno;
		return NULL;
	}
	job->r = 0;
	return NULL;
}

int netns_add(const char *name)
{
	char path[sizeof(NETNS_RUN_DIR) + NETNS_NAME_MAX + 2];
	struct netns_add_job job = { .path = path, .r = -EIO };
	pthread_t thread;
	int fd, r;

	r = netns_path(name, path, sizeof(path));
	if (r < 0)
		return r;
	r = netns_prepare_run_dir();
	if (r < 0)
		return r;

	r = netns_exists(name);
	if (r < 0)
		return r;
	if (r > 0)
		return -EEXIST;
	/* A placeholder left by an interrupted add is not a namespace: replace it. */
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;

	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);

	r = -pthread_create(&thread, NULL, netns_add_thread, &job);
	if (r < 0)
		goto err_unlink;
	pthread_join(thread, NULL);
	r = job.r;
	if (r < 0)
		goto err_unlink;
	return 0;

err_unlink:
	unlink(path);
	return r;
}

int netns_delete(const char *name)
{
	char path[sizeof(NETNS_RUN_DIR) + NETNS_NAME_MAX + 2];
	bool was_mounted;
	int r;

	r = netns_path(name, path, sizeof(path));
	if (r < 0)
		return r;
	was_mounted = umount2(path, MNT_DETACH) == 0;
	if (!was_mounted && errno != EINVAL && errno != ENOENT)
		return -errno;
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return was_mounted ? 0 : -ENOENT;
		return -errno;
	}
	return 0;
}

int netns_open(const char *name)
{
	char path[sizeof(NETNS_RUN_DIR) + NETNS_NAME_MAX + 2];
	int fd, r;

	r = netns_path(name, path, sizeof(path));
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fd_is_nsfs(fd);
	if (r <= 0) {
		close(fd);
		return r < 0 ? r : -ENOENT;
	}
	return fd;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void netns_names_free(char **names, size_t n)
{
	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int netns_list(const char *prefix, char ***ret_names, size_t *ret_n)
{
	return netns_list_in(NETNS_RUN_DIR, prefix, ret_names, ret_n);
}

int netns_list_in(const char *dir_path, const char *prefix, char ***ret_names, size_t *ret_n)
{
	size_t plen = prefix ? strlen(prefix) : 0;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir;
	int r = 0;

	dir = opendir(dir_path);
	if (!dir) {
		if (errno != ENOENT)
			return -errno;
		/* No directory: no namespaces. */
		*ret_names = NULL;
		*ret_n = 0;
		return 0;
	}
	while ((errno = 0, de = readdir(dir))) {
		if (de->d_name[0] == '.' || !netns_name_valid(de->d_name))
			continue;
		if (plen && strncmp(de->d_name, prefix, plen) != 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nn = realloc(names, ncap * sizeof(*nn));

			if (!nn) {
				r = -ENOMEM;
				goto err;
			}
			names = nn;
			cap = ncap;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = -ENOMEM;
			goto err;
		}
		n++;
	}
	if (errno) {
		r = -errno;
		goto err;
	}
	closedir(dir);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*ret_names = names;
	*ret_n = n;
	return 0;

err:
	closedir(dir);
	netns_names_free(names, n);
	return r;
}

struct netns_run_job {
	int ns_fd;
	int (*fn)(void *userdata);
	void *userdata;
	int r;
};

static void *netns_run_thread(void *arg)
{
	struct netns_run_job *job = arg;

	if (setns(job->ns_fd, CLONE_NEWNET) < 0) {
		job->r = -errno;
		return NULL;
	}
	job->r = job->fn(job->userdata);
	return NULL;
}

int netns_run(int ns_fd, int (*fn)(void *userdata), void *userdata)
{
	struct netns_run_job job = { .ns_fd = ns_fd, .fn = fn, .userdata = userdata, .r = -EIO };
	pthread_t thread;
	int r;

	if (ns_fd < 0 || !fn)
		return -EINVAL;
	r = pthread_create(&thread, NULL, netns_run_thread, &job);
	if (r)
		return -r;
	pthread_join(thread, NULL);
	return job.r;
}

struct netns_socket_job {
	int domain, type, protocol;
	int fd;
};

static int netns_socket_fn(void *userdata)
{
	struct netns_socket_job *job = userdata;

	job->fd = socket(job->domain, job->type | SOCK_CLOEXEC, job->protocol);
	return job->fd < 0 ? -errno : 0;
}

int netns_socket(int ns_fd, int domain, int type, int protocol)
{
	struct netns_socket_job job = { domain, type, protocol, -1 };
	int r = netns_run(ns_fd, netns_socket_fn, &job);

	return r < 0 ? r : job.fd;
}

static int netns_nl_socket_fn(void *userdata)
{
	struct nl_sock **ret = userdata;
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return r == -NLE_PERM ? -EPERM : -EIO;
	}
	*ret = sk;
	return 0;
}

int netns_nl_socket(int ns_fd, struct nl_sock **ret_sock)
{
	struct nl_sock *sk = NULL;
	int r = netns_run(ns_fd, netns_nl_socket_fn, &sk);

	if (r < 0)
		return r;
	*ret_sock = sk;
	return 0;
}
