/* SPDX-License-Identifier: MIT */
/*
 * Which executable requests emt arms. W+X requests always; unless only
 * W+X is wanted, also memory that becomes executable after the process
 * could write it: an mprotect adding PROT_EXEC, an anonymous exec mapping,
 * an exec mapping of a memfd, of a shm/tmpfs file, of a deleted file or of
 * a file the process holds open for writing. Ordinary libraries and the
 * program itself are left alone unless EMT_OPT_TRACK_FILES.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static bool fd_target(pid_t pid, int fd, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* O_WRONLY or O_RDWR in the "flags:" line of /proc/PID/fdinfo/FD (octal). */
static bool fd_writable(pid_t pid, int fd)
{
	char path[64], line[128];
	unsigned int flags = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "flags: %o", &flags) == 1;
	fclose(f);
	return found && (flags & O_ACCMODE) != O_RDONLY;
}

static bool written_file(pid_t pid, int fd)
{
	char target[4096];
	size_t len;

	if (!fd_target(pid, fd, target, sizeof(target)))
		return false;
	len = strlen(target);
	if (strncmp(target, "/memfd:", 7) == 0 || strncmp(target, "/dev/shm/", 9) == 0)
		return true;
	if (len > 10 && strcmp(target + len - 10, " (deleted)") == 0)
		return true;
	return fd_writable(pid, fd);
}

enum emt_origin origin_of_map(struct emt_monitor *mon, struct thread *t,
			      const uint64_t *a)
{
	uint64_t prot = a[2], flags = a[3];

	if ((prot & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
		return EMT_ORIGIN_WX_MAP;
	if (!(prot & PROT_EXEC) || (mon->opts.flags & EMT_OPT_ONLY_WX))
		return EMT_ORIGIN_NONE;
	if ((flags & MAP_ANONYMOUS) || (mon->opts.flags & EMT_OPT_TRACK_FILES))
		return EMT_ORIGIN_EXEC_MAP;
	return written_file(t->proc->pid, (int)a[4]) ? EMT_ORIGIN_EXEC_MAP
						      : EMT_ORIGIN_NONE;
}

enum emt_origin origin_of_protect(struct emt_monitor *mon, const uint64_t *a)
{
	uint64_t prot = a[2];

	if ((prot & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
		return EMT_ORIGIN_WX_PROTECT;
	if (!(prot & PROT_EXEC) || (mon->opts.flags & EMT_OPT_ONLY_WX))
		return EMT_ORIGIN_NONE;
	return EMT_ORIGIN_FLIP;
}
