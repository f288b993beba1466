/* netns-etc: a named namespace's own /etc files (see netns-etc.h). */
#include "fabric/netns-etc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fabric/netns.h"

#define ETC_PATH_MAX (sizeof(NETNS_ETC_DIR) + NETNS_NAME_MAX + 2 + 64)
#define ETC_FILE_MAX 300 /* a directory entry's name, and the rest of a path */

static bool file_name_valid(const char *file)
{
	size_t n = strlen(file);

	return n > 0 && n < 48 && !strchr(file, '/') && strcmp(file, ".") != 0 &&
	       strcmp(file, "..") != 0;
}

/* 1 when path holds exactly content, 0 when not (or absent). */
static int same_content(const char *path, const char *content)
{
	size_t n = strlen(content);
	char *buf;
	FILE *f = fopen(path, "re");
	int same;

	if (!f)
		return 0;
	buf = malloc(n + 2);
	same = buf && fread(buf, 1, n + 1, f) == n && memcmp(buf, content, n) == 0;
	free(buf);
	fclose(f);
	return same;
}

int netns_etc_write(const char *name, const char *file, const char *content)
{
	char dir[ETC_PATH_MAX], path[ETC_PATH_MAX], tmp[ETC_PATH_MAX + 8];
	size_t n = strlen(content);
	int fd, e = 0;

	if (!netns_name_valid(name) || !file_name_valid(file))
		return -EINVAL;
	if (snprintf(dir, sizeof(dir), "%s/%s", NETNS_ETC_DIR, name) >= (int)sizeof(dir) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.new", dir, file) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if (same_content(path, content))
		return 0;
	if ((mkdir(NETNS_ETC_DIR, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(dir, 0755) < 0 && errno != EEXIST))
		return -errno;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, content, n) != (ssize_t)n)
		e = errno ? -errno : -EIO;
	if (close(fd) < 0 && !e)
		e = -errno;
	if (!e && rename(tmp, path) < 0)
		e = -errno;
	if (e)
		unlink(tmp);
	return e;
}

int netns_etc_remove(const char *name)
{
	char dir[ETC_PATH_MAX], path[ETC_PATH_MAX + ETC_FILE_MAX];
	struct dirent *de;
	DIR *d;

	if (!netns_name_valid(name))
		return -EINVAL;
	if (snprintf(dir, sizeof(dir), "%s/%s", NETNS_ETC_DIR, name) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
			unlink(path);
	}
	closedir(d);
	return rmdir(dir) < 0 && errno != ENOENT ? -errno : 0;
}
