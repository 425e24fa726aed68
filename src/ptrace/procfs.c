/* SPDX-License-Identifier: MIT */
/*
 * /proc/PID parsing. The kernel escapes a newline in a path as "\012"
 * (show_map_vma -> seq_file_path), so one line is one mapping: read it
 * whole with getline, or a long path would be cut into lines the program
 * wrote.
 */
#include "ptrace/procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int procfs_maps_open(struct maps_reader *r, pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	r->line = NULL;
	r->cap = 0;
	r->f = fopen(path, "re");
	return r->f ? 0 : -errno;
}

static int perms_prot(const char *perms)
{
	return (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
	       (perms[2] == 'x' ? PROT_EXEC : 0);
}

/* "start-end perms offset major:minor inode   path" */
static bool parse_line(char *line, struct maps_entry *e)
{
	unsigned int major, minor;
	char perms[5];
	int path_at = 0;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n",
		   &e->start, &e->end, perms, &e->offset, &major, &minor, &e->ino,
		   &path_at) < 7 || strlen(perms) != 4 || e->end <= e->start)
		return false;
	e->prot = perms_prot(perms);
	e->shared = perms[3] == 's';
	e->dev = makedev(major, minor);
	line[strcspn(line, "\n")] = '\0';
	e->path = path_at ? line + path_at : "";
	return true;
}

bool procfs_maps_next(struct maps_reader *r, struct maps_entry *e)
{
	if (!r->f || getline(&r->line, &r->cap, r->f) < 0)
		return false;
	return parse_line(r->line, e);
}

void procfs_maps_close(struct maps_reader *r)
{
	if (r->f)
		fclose(r->f);
	free(r->line);
	r->f = NULL;
	r->line = NULL;
}

int procfs_maps_find(pid_t pid, uint64_t addr, struct maps_entry *e,
		     char *path, size_t path_size)
{
	struct maps_reader r;
	int rc = procfs_maps_open(&r, pid);

	if (rc)
		return rc;
	rc = -ENOENT;
	while (procfs_maps_next(&r, e)) {
		if (addr < e->start || addr >= e->end)
			continue;
		if (path && path_size)
			snprintf(path, path_size, "%s", e->path);
		e->path = path ? path : "";
		rc = 0;
		break;
	}
	procfs_maps_close(&r);
	return rc;
}

int procfs_open(pid_t pid, const char *name)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

uint64_t procfs_auxv(pid_t pid, uint64_t type)
{
	uint64_t pair[2], value = 0;
	int fd = procfs_open(pid, "auxv");

	if (fd < 0)
		return 0;
	while (read(fd, pair, sizeof(pair)) == sizeof(pair) && pair[0] != 0) {
		if (pair[0] == type) {
			value = pair[1];
			break;
		}
	}
	close(fd);
	return value;
}

long procfs_status_field(pid_t pid, const char *name)
{
	size_t len = strlen(name);
	char path[64], *line = NULL;
	size_t cap = 0;
	long value = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, name, len) == 0 && line[len] == ':') {
			value = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	free(line);
	fclose(f);
	return value;
}

/* The fields of /proc/PID/stat from the state on (field 3), in buf. */
static const char *stat_fields(pid_t pid, char *buf, size_t size)
{
	char *close_paren;
	ssize_t n;
	int fd = procfs_open(pid, "stat");

	if (fd < 0)
		return NULL;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	/* The command name may hold ") ": the state follows the last one. */
	close_paren = strrchr(buf, ')');
	return close_paren && close_paren[1] == ' ' ? close_paren + 2 : NULL;
}

char procfs_state(pid_t pid)
{
	char buf[1024];
	const char *f = stat_fields(pid, buf, sizeof(buf));

	return f ? f[0] : 0;
}

static uint64_t boot_time_s(void)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned long long btime = 0;
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0 && sscanf(line, "btime %llu", &btime) != 1)
		;
	free(line);
	fclose(f);
	return btime;
}

uint64_t procfs_start_ns(pid_t pid)
{
	char buf[1024];
	const char *f = stat_fields(pid, buf, sizeof(buf));
	unsigned long long ticks;
	long hz = sysconf(_SC_CLK_TCK);

	/* starttime is field 22, the 20th from the state. */
	for (int i = 0; f && i < 19; i++) {
		f = strchr(f, ' ');
		f = f ? f + 1 : NULL;
	}
	if (!f || sscanf(f, "%llu", &ticks) != 1 || hz <= 0)
		return 0;
	return boot_time_s() * 1000000000ull + ticks * (1000000000ull / (uint64_t)hz);
}

uint64_t procfs_present_bytes(pid_t pid, uint64_t start, uint64_t len)
{
	uint64_t page = start & ~4095ull, end = start + len, entry, done = 0;
	int fd = procfs_open(pid, "pagemap");

	if (fd < 0)
		return 0;
	for (; page < end; page += 4096) {
		if (pread(fd, &entry, sizeof(entry), (off_t)(page / 4096 * 8)) != sizeof(entry) ||
		    !(entry >> 63))
			break;
		done = (page + 4096 < end ? page + 4096 : end) - start;
	}
	close(fd);
	return done;
}

int procfs_each_task(pid_t pid, int (*fn)(pid_t tid, void *ctx), void *ctx)
{
	char path[64];
	struct dirent *d;
	int rc = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while (rc >= 0 && (d = readdir(dir))) {
		pid_t tid = (pid_t)atoi(d->d_name);

		if (tid > 0)
			rc = fn(tid, ctx);
	}
	closedir(dir);
	return rc < 0 ? rc : 0;
}

void procfs_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f || !fgets(buf, (int)size, f))
		snprintf(buf, size, "?");
	else
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
}

bool procfs_same_pid_ns(pid_t tid)
{
	char path[64];
	struct stat mine, its;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", tid);
	if (stat("/proc/self/ns/pid", &mine) < 0 || stat(path, &its) < 0)
		return true;
	return mine.st_ino == its.st_ino && mine.st_dev == its.st_dev;
}

int procfs_stat_in(pid_t tid, const char *name, struct stat *st)
{
	char path[4200];

	/* /proc/TID/root and cwd are the thread's own root and directory,
	 * through its mount namespace (proc(5)). */
	if (snprintf(path, sizeof(path), "/proc/%d/%s/%s", tid,
		     name[0] == '/' ? "root" : "cwd", name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return stat(path, st) < 0 ? -errno : 0;
}

int procfs_mem_open(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

long procfs_shm_nattch(uint64_t shmid)
{
	FILE *f = fopen("/proc/sysvipc/shm", "re");
	char *line = NULL;
	size_t cap = 0;
	long key, id, perms, size, cpid, lpid, nattch, found = -1;

	if (!f)
		return -1;
	while (found < 0 && getline(&line, &cap, f) > 0)
		if (sscanf(line, "%ld %ld %lo %ld %ld %ld %ld", &key, &id, &perms, &size,
			   &cpid, &lpid, &nattch) == 7 && (uint64_t)id == shmid)
			found = nattch;
	free(line);
	fclose(f);
	return found;
}
