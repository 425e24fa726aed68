/* SPDX-License-Identifier: MIT */
/*
 * Which executable requests emt arms. W+X requests always; unless only
 * W+X is wanted, also memory that becomes executable after the process
 * could write it: an mprotect adding PROT_EXEC, an anonymous exec mapping,
 * and an exec mapping of a file that may hold code written while traced:
 * a memfd or any file without a name left (deleted, O_TMPFILE), a shm
 * file, a file a traced process opened for writing, or a file modified
 * since the traced program started. Ordinary libraries and the program
 * itself are left alone unless EMT_OPT_TRACK_FILES.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor.h"
#include "decide/decide.h"
#include "ptrace/procfs.h"

static uint64_t ns_of(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

/* File times come from a coarse clock that lags the real one by up to a
 * tick: a file written after the start may look a few ms older than it
 * is, never newer. So "after the start" is strict and loses only files
 * written within a tick of it, which the traced program has not had the
 * time to reach. */
bool origin_new_file(const struct emt_monitor *mon, const struct stat *st)
{
	return written_has(mon, st->st_dev, st->st_ino) ||
	       ns_of(&st->st_mtim) > mon->since_ns || ns_of(&st->st_ctim) > mon->since_ns;
}

bool origin_written_path(const char *path)
{
	size_t len = strlen(path);

	return strncmp(path, "/memfd:", 7) == 0 || strncmp(path, "/dev/shm/", 9) == 0 ||
	       (len > 10 && strcmp(path + len - 10, " (deleted)") == 0);
}

static bool written_file(struct emt_monitor *mon, pid_t pid, int fd)
{
	char target[4096];
	struct stat st;

	if (procfs_fd_stat(pid, fd, &st))
		return false;
	if (st.st_nlink == 0 || origin_new_file(mon, &st) || written_fd_writable(pid, fd))
		return true;
	if (procfs_fd_link(pid, fd, target, sizeof(target)) < 0)
		return false;
	return origin_written_path(target);
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
	return written_file(mon, t->tid, (int)a[4]) ? EMT_ORIGIN_EXEC_MAP
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
