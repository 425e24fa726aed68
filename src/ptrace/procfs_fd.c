/* SPDX-License-Identifier: MIT */
/*
 * A traced process's file descriptors, through /proc/PID/fd/N (a magic
 * link: stat, statfs and open reach the file the fd has open, whatever
 * its name, proc(5)) and /proc/PID/fdinfo/N.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "ptrace/procfs.h"

static int fd_path(char *buf, size_t size, pid_t pid, int fd)
{
	if (fd < 0)
		return -EBADF;
	snprintf(buf, size, "/proc/%d/fd/%d", pid, fd);
	return 0;
}

int procfs_fd_stat(pid_t pid, int fd, struct stat *st)
{
	char path[64];
	int rc = fd_path(path, sizeof(path), pid, fd);

	if (rc)
		return rc;
	return stat(path, st) < 0 ? -errno : 0;
}

int procfs_fd_link(pid_t pid, int fd, char *buf, size_t size)
{
	char path[64];
	int rc = fd_path(path, sizeof(path), pid, fd);
	ssize_t n;

	if (rc)
		return rc;
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return (int)n;
}

bool procfs_fd_on_procfs(pid_t pid, int fd)
{
	char path[64];
	struct statfs sf;

	return fd_path(path, sizeof(path), pid, fd) == 0 && statfs(path, &sf) == 0 &&
	       sf.f_type == PROC_SUPER_MAGIC;
}

bool procfs_fd_noexec(pid_t pid, int fd)
{
	char path[64];
	struct statvfs sv;

	return fd_path(path, sizeof(path), pid, fd) == 0 && statvfs(path, &sv) == 0 &&
	       (sv.f_flag & ST_NOEXEC);
}

int procfs_fd_reopen(pid_t pid, int fd, int flags)
{
	char path[64];
	int rc = fd_path(path, sizeof(path), pid, fd), nfd;

	if (rc)
		return rc;
	nfd = open(path, flags | O_CLOEXEC);
	return nfd < 0 ? -errno : nfd;
}

int procfs_fdinfo(pid_t pid, int fd, struct procfs_fdinfo *info)
{
	char path[64], line[128];
	bool pos = false, flags = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while ((!pos || !flags) && fgets(line, sizeof(line), f)) {
		pos = pos || sscanf(line, "pos: %" SCNu64, &info->pos) == 1;
		flags = flags || sscanf(line, "flags: %o", &info->flags) == 1;
	}
	fclose(f);
	return pos && flags ? 0 : -EINVAL;
}

int procfs_each_fd(pid_t pid, void (*fn)(int fd, void *ctx), void *ctx)
{
	char path[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)))
		if (isdigit((unsigned char)d->d_name[0]))
			fn(atoi(d->d_name), ctx);
	closedir(dir);
	return 0;
}

/* The thread of "/proc/N/mem" (N) or "/proc/N/task/M/mem" (M), or 0. */
static long mem_link_tid(const char *link)
{
	long n = -1, tid = -1;
	int end = 0;

	if (sscanf(link, "/proc/%ld/task/%ld/mem%n", &n, &tid, &end) == 2 && !link[end])
		return tid;
	if (sscanf(link, "/proc/%ld/mem%n", &n, &end) == 1 && !link[end])
		return n;
	return 0;
}

pid_t procfs_fd_mem_of(pid_t pid, int fd)
{
	char link[128];
	long tid, tgid;

	if (!procfs_fd_on_procfs(pid, fd) || procfs_fd_link(pid, fd, link, sizeof(link)) <= 0)
		return 0;
	tid = mem_link_tid(link);
	tgid = tid > 0 ? procfs_status_field((pid_t)tid, "Tgid") : -1;
	return tgid > 0 ? (pid_t)tgid : 0;
}

/* The thread a link names the status of (".../<n>/status"), or 0. */
static pid_t status_link_tid(const char *link)
{
	static const char tail[] = "/status";
	size_t n = strlen(link), t = sizeof(tail) - 1;
	const char *end = link + n - t, *p;

	if (n <= t || strcmp(end, tail) != 0)
		return 0;
	for (p = end; p > link && isdigit((unsigned char)p[-1]); p--)
		;
	if (p == end || p == link || p[-1] != '/' || end - p > 9)
		return 0;
	return (pid_t)strtol(p, NULL, 10);
}

pid_t procfs_fd_status_of(pid_t pid, int fd, char *link, size_t size)
{
	pid_t tid;

	if (procfs_fd_link(pid, fd, link, size) <= 0)
		return 0;
	tid = status_link_tid(link);
	return tid && procfs_fd_on_procfs(pid, fd) ? tid : 0;
}
