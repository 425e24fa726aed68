/* SPDX-License-Identifier: MIT */
/*
 * The fds of a traced process that show the status of a traced thread
 * (--stealth): recognised at the exit of the open that made them (or of
 * the dup that copied them, or when emt attaches), by what
 * /proc/PID/fd/N names: ".../<pid>/status" or ".../task/<tid>/status" on
 * a proc file system. Their reads must then reach emt (stealth_filter.c).
 * An fd can be closed and its number reused unseen: every read checks the
 * fd again (stealth_fd_check). The fds dup and fork copy show one open
 * file, with one position and one view, as in the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptrace/procfs.h"
#include "decide/stealth.h"

struct stealth_proc *stealth_proc_of(struct proc *p)
{
	if (!p->stealth)
		p->stealth = calloc(1, sizeof(*p->stealth));
	return p->stealth;
}

struct stealth_fd *stealth_fd_find(struct proc *p, int fd)
{
	struct stealth_proc *s = p->stealth;

	for (size_t i = 0; s && i < s->n_fds; i++)
		if (s->fds[i].fd == fd)
			return &s->fds[i];
	return NULL;
}

static struct stealth_file *file_new(pid_t tid, const char *link)
{
	struct stealth_file *f = calloc(1, sizeof(*f));

	if (f) {
		f->refs = 1;
		f->target = tid;
		memcpy(f->link, link, STEALTH_LINK_MAX);
	}
	return f;
}

static void file_put(struct stealth_file *f)
{
	if (f && --f->refs == 0) {
		free(f->view);
		free(f);
	}
}

void stealth_fd_drop(struct proc *p, int fd)
{
	struct stealth_fd *e = stealth_fd_find(p, fd);

	if (!e)
		return;
	file_put(e->file);
	*e = p->stealth->fds[--p->stealth->n_fds];
}

/* Make fd of p show file; false when out of memory. */
static bool fd_show(struct proc *p, int fd, struct stealth_file *file)
{
	struct stealth_proc *s = stealth_proc_of(p);
	struct stealth_fd *e = stealth_fd_find(p, fd);

	if (!s)
		return false;
	if (!e && s->n_fds == s->cap_fds) {
		size_t cap = s->cap_fds ? 2 * s->cap_fds : 4;
		struct stealth_fd *fds = realloc(s->fds, cap * sizeof(*fds));

		if (!fds)
			return false;
		s->fds = fds;
		s->cap_fds = cap;
	}
	if (!e) {
		e = &s->fds[s->n_fds++];
		*e = (struct stealth_fd){ .fd = fd };
	}
	file->refs++;
	file_put(e->file);
	e->file = file;
	return true;
}


/* Follow fd as showing file. */
static void follow(struct emt_monitor *mon, struct thread *t, int fd,
		   struct stealth_file *file)
{
	if (!fd_show(t->proc, fd, file)) {
		emt_log(mon, EMT_LOG_ERROR, "%d: out of memory following fd %d",
			t->proc->pid, fd);
		return;
	}
	stealth_watch_fd(mon, t, fd);
}

void stealth_fd_opened(struct emt_monitor *mon, struct thread *t, int fd)
{
	char link[STEALTH_LINK_MAX];
	pid_t tid = procfs_fd_status_of(t->proc->pid, fd, link, sizeof(link));
	struct thread *target = tid ? thread_find(mon, tid) : NULL;
	struct stealth_file *file = target && target->proc ? file_new(tid, link) : NULL;

	if (file)
		follow(mon, t, fd, file);
	else
		stealth_fd_drop(t->proc, fd);
	file_put(file);
}

void stealth_fd_copied(struct emt_monitor *mon, struct thread *t, int from, int to)
{
	struct stealth_fd *e = stealth_fd_find(t->proc, from);

	if (from == to)
		return;
	if (e)
		follow(mon, t, to, e->file); /* the same open file */
	else
		stealth_fd_drop(t->proc, to);
}

struct stealth_file *stealth_fd_check(struct emt_monitor *mon, struct proc *p, int fd)
{
	struct stealth_fd *e = stealth_fd_find(p, fd);
	char link[STEALTH_LINK_MAX];
	struct stealth_file *file;
	pid_t tid;

	if (!e)
		return NULL;
	tid = procfs_fd_status_of(p->pid, fd, link, sizeof(link));
	if (tid && !strcmp(link, e->file->link))
		return e->file;
	/* Closed, and the number reused for another file. */
	file = tid && thread_find(mon, tid) ? file_new(tid, link) : NULL;
	if (file && fd_show(p, fd, file)) {
		file_put(file);
		return file;
	}
	file_put(file);
	stealth_fd_drop(p, fd);
	return NULL;
}

struct scan {
	struct emt_monitor *mon;
	struct thread *t;
};

static void scan_fd(int fd, void *ctx)
{
	struct scan *s = ctx;

	stealth_fd_opened(s->mon, s->t, fd);
}

void stealth_scan_fds(struct emt_monitor *mon, struct thread *t)
{
	struct scan s = { mon, t };

	if (stealth_on(mon))
		procfs_each_fd(t->proc->pid, scan_fd, &s);
}

void stealth_fork(const struct proc *parent, struct proc *child)
{
	const struct stealth_proc *src = parent->stealth;
	struct stealth_proc *dst;

	if (!src || !(dst = calloc(1, sizeof(*dst))))
		return;
	/* The filters and no_new_privs came along, and the fds, which show
	 * the same open files. */
	memcpy(dst->watched, src->watched, sizeof(dst->watched));
	dst->all_fds = src->all_fds;
	dst->n_filters = src->n_filters;
	dst->own_nnp = src->own_nnp;
	dst->fds = src->n_fds ? malloc(src->n_fds * sizeof(*dst->fds)) : NULL;
	if (dst->fds) {
		dst->n_fds = dst->cap_fds = src->n_fds;
		for (size_t i = 0; i < src->n_fds; i++) {
			dst->fds[i] = src->fds[i];
			dst->fds[i].file->refs++;
		}
	}
	child->stealth = dst;
}

void stealth_proc_free(struct proc *p)
{
	struct stealth_proc *s = p->stealth;

	if (!s)
		return;
	for (size_t i = 0; i < s->n_fds; i++)
		file_put(s->fds[i].file);
	free(s->fds);
	free(s);
	p->stealth = NULL;
}
