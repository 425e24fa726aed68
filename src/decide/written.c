/* SPDX-License-Identifier: MIT */
/*
 * The files traced processes could write: every file a traced process
 * opened for writing (or truncated, or created as a memfd), and every
 * file it held open for writing when emt met it. A file among them mapped
 * executable may hold code the program wrote, however old it looks: its
 * time stamps come from a coarse clock and can be set back with utimes.
 *
 * A set of (device, inode), open addressing. Bounded: once full, every
 * file counts as written, which only costs captures of ordinary code.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "model/model.h"
#include "ptrace/procfs.h"

#define WRITTEN_MAX 65536u /* 1 MiB of entries at most */

struct file_id {
	uint64_t dev, ino;
};

struct written_set {
	struct file_id *slot;  /* ino 0: empty (no inode is numbered 0) */
	size_t n, cap;
	bool full;
};

static size_t slot_of(const struct written_set *s, const struct file_id *id)
{
	uint64_t h = (id->ino * 0x9e3779b97f4a7c15ull) ^ (id->dev * 0xff51afd7ed558ccdull);

	return (size_t)(h >> 7) & (s->cap - 1);
}

static bool same(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

static void insert_new(struct written_set *s, const struct file_id *id)
{
	size_t i = slot_of(s, id);

	while (s->slot[i].ino)
		i = (i + 1) & (s->cap - 1);
	s->slot[i] = *id;
	s->n++;
}

static int grow(struct written_set *s)
{
	struct written_set bigger = { .cap = s->cap ? 2 * s->cap : 256 };

	bigger.slot = calloc(bigger.cap, sizeof(*bigger.slot));
	if (!bigger.slot)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i].ino)
			insert_new(&bigger, &s->slot[i]);
	free(s->slot);
	*s = bigger;
	return 0;
}

bool written_has(const struct emt_monitor *mon, uint64_t dev, uint64_t ino)
{
	const struct written_set *s = mon->written;
	struct file_id id = { dev, ino };

	if (!s)
		return false;
	if (s->full)
		return true;
	for (size_t i = s->cap ? slot_of(s, &id) : 0; s->cap && s->slot[i].ino;
	     i = (i + 1) & (s->cap - 1))
		if (same(&s->slot[i], &id))
			return true;
	return false;
}

void written_add(struct emt_monitor *mon, uint64_t dev, uint64_t ino)
{
	struct file_id id = { dev, ino };
	struct written_set *s = mon->written;

	if (!ino || written_has(mon, dev, ino))
		return;
	if (!s && !(s = mon->written = calloc(1, sizeof(*s))))
		return;
	if (s->n >= WRITTEN_MAX ||
	    (2 * (s->n + 1) > s->cap && grow(s) < 0)) {
		if (!s->full)
			emt_log(mon, EMT_LOG_INFO,
				"more than %u files written: every mapped file counts as written",
				WRITTEN_MAX);
		s->full = true;
		return;
	}
	insert_new(s, &id);
}

void written_free(struct emt_monitor *mon)
{
	if (mon->written)
		free(mon->written->slot);
	free(mon->written);
	mon->written = NULL;
}

/* Opened O_WRONLY or O_RDWR. */
bool written_fd_writable(pid_t pid, int fd)
{
	struct procfs_fdinfo info;

	return procfs_fdinfo(pid, fd, &info) == 0 && (info.flags & O_ACCMODE) != O_RDONLY;
}

/* Record the file behind fd of pid; truncated: it was opened with O_TRUNC
 * (which changes its content even when opened read-only). */
void written_note_fd(struct emt_monitor *mon, pid_t pid, int fd, bool truncated)
{
	struct stat st;

	if (procfs_fd_stat(pid, fd, &st) || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)))
		return;
	if (truncated || written_fd_writable(pid, fd))
		written_add(mon, st.st_dev, st.st_ino);
}

struct scan {
	struct emt_monitor *mon;
	struct thread *t;
};

static void scan_fd(int fd, void *ctx)
{
	struct scan *s = ctx;

	written_note_fd(s->mon, s->t->tid, fd, false);
	written_watch_fd(s->mon, s->t, fd);
}

void written_scan_fds(struct emt_monitor *mon, struct thread *t)
{
	struct scan s = { mon, t };

	procfs_each_fd(t->tid, scan_fd, &s);
}

void written_watch_fd(struct emt_monitor *mon, struct thread *t, int fd)
{
	uint64_t dev, ino;

	if (!written_fd_writable(t->tid, fd))
		return;
	if (writes_is_mem_fd(t->tid, fd) ||
	    (mapped_file_of_fd(t->tid, fd, &dev, &ino) && kwin_file_runs(mon, dev, ino)))
		watch_add(mon, t, WATCH_WRITES);
}
