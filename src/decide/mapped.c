/* SPDX-License-Identifier: MIT */
/*
 * What the kernel says an fd or an address maps, read when a decision
 * needs it: never what the program's registers or memory claimed.
 */
#include <sys/stat.h>

#include "monitor.h"
#include "decide/decide.h"
#include "model/model.h"
#include "ptrace/procfs.h"

bool mapped_file_of_fd(pid_t pid, int fd, uint64_t *dev, uint64_t *ino)
{
	struct stat st;

	if (procfs_fd_stat(pid, fd, &st))
		return false;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return true;
}

/* What the kernel says addr maps: the file it really mapped, whatever
 * the fd said when emt looked at it (another thread can dup2 between). */
bool mapped_view_at(pid_t pid, uint64_t addr, struct view *v)
{
	struct maps_entry e;

	if (procfs_maps_find(pid, addr, &e, NULL, 0) || e.ino == 0)
		return false;
	*v = (struct view){ .start = e.start, .end = e.end, .dev = e.dev,
			    .ino = e.ino, .off = e.offset, .prot = e.prot,
			    .shared = e.shared };
	return true;
}
