/* SPDX-License-Identifier: MIT */
/*
 * Reads of a status file a traced process follows (--stealth), answered
 * from a view of it: the text emt reads through /proc/PID/fd/N, rewritten
 * as it would read without emt (stealth_view.c). The view is shorter than
 * the kernel's text, so the kernel never reads for the program: emt
 * writes the bytes into its buffers and sets the result, and for the
 * calls that use the file position (read, readv, preadv2 at -1) moves the
 * position to where the view says, with an lseek the thread makes. The
 * file then reads as a consistent shorter file however it is read: byte
 * by byte, with pread, again from 0.
 *
 * A view lives as the kernel's seq_file buffer does (fs/seq_file.c): made
 * when a read starts at 0 or anywhere but where the last one ended,
 * served from there on.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ptrace/procfs.h"
#include "decide/stealth.h"

/* UIO_MAXIOV: a longer vector is EINVAL, which the kernel says. */
#define IOV_LIMIT 1024
/* A status file is about 1.5 KiB; a longer text is not one. */
#define TEXT_MAX (64 * 1024)

struct read_call {
	int fd;
	struct iovec iov[IOV_LIMIT];
	size_t n_iov;
	uint64_t total;
	uint64_t pos;
	bool at_file_pos;      /* reads at (and moves) the file position */
};

/* The file position of fd of pid, from its fdinfo. */
static int file_pos(pid_t pid, int fd, uint64_t *pos)
{
	struct procfs_fdinfo info;
	int rc = procfs_fdinfo(pid, fd, &info);

	if (!rc)
		*pos = info.pos;
	return rc;
}

static int vector(struct emt_monitor *mon, struct thread *t, uint64_t at,
		  uint64_t count, struct read_call *rc)
{
	if (count > IOV_LIMIT)
		return -EINVAL;
	if (count && mem_read(mon, t->proc, at, rc->iov, count * sizeof(rc->iov[0])))
		return -EFAULT;
	rc->n_iov = (size_t)count;
	return 0;
}

/* The call's buffers and where it reads; -errno when the kernel would
 * fail it before reading (it then answers itself). */
static int decode(struct emt_monitor *mon, struct thread *t,
		  const struct sc_call *sc, struct read_call *rc)
{
	const uint64_t *a = sc->args;
	int err = 0;

	rc->fd = (int)(uint32_t)a[0];
	rc->at_file_pos = sc->op == SC_READ || sc->op == SC_READV ||
			  (sc->op == SC_PREADV2 && (int64_t)a[3] == -1);
	if (sc->op == SC_READ || sc->op == SC_PREAD64) {
		rc->iov[0] = (struct iovec){ (void *)(uintptr_t)a[1], a[2] };
		rc->n_iov = 1;
	} else {
		err = vector(mon, t, a[1], a[2], rc);
	}
	rc->total = 0;
	for (size_t i = 0; !err && i < rc->n_iov; i++) {
		rc->total += rc->iov[i].iov_len;
		if ((int64_t)rc->total < 0)
			err = -EINVAL;
	}
	if (err)
		return err;
	if (rc->at_file_pos)
		return file_pos(t->proc->pid, rc->fd, &rc->pos);
	rc->pos = a[3];
	return (int64_t)rc->pos < 0 ? -EINVAL : 0;
}

static int grow(char **buf, size_t *cap)
{
	size_t want = *buf ? 2 * *cap : *cap;
	char *more = want <= TEXT_MAX ? realloc(*buf, want) : NULL;

	if (!more)
		return want > TEXT_MAX ? -EFBIG : -ENOMEM;
	*buf = more;
	*cap = want;
	return 0;
}

/* The whole text fd of pid shows, read by emt through /proc/PID/fd/N. */
static int read_text(pid_t pid, int fd, char **text, size_t *len)
{
	char *buf = NULL;
	size_t cap = 4096, n = 0;
	ssize_t got = 1;
	int in = procfs_fd_reopen(pid, fd, O_RDONLY), rc = 0;

	if (in < 0)
		return in;
	while (!rc && got > 0) {
		if (!buf || n == cap)
			rc = grow(&buf, &cap);
		if (!rc && (got = read(in, buf + n, cap - n)) < 0)
			rc = -errno;
		n += got > 0 ? (size_t)got : 0;
	}
	close(in);
	if (rc) {
		free(buf);
		return rc;
	}
	*text = buf;
	*len = n;
	return 0;
}

static int make_view(struct emt_monitor *mon, struct proc *p, int fd,
		     struct stealth_file *f)
{
	struct status_fix fix;
	char *text = NULL, *view;
	size_t len = 0;
	int rc = read_text(p->pid, fd, &text, &len);

	if (rc)
		return rc;
	view = malloc(len + STATUS_VIEW_SLACK);
	if (view) {
		stealth_fix_of(mon, f->target, &fix);
		free(f->view);
		f->view = view;
		f->len = status_view(text, len, &fix, view);
	}
	free(text);
	return view ? 0 : -ENOMEM;
}

/* Copy the view from rc->pos into the program's buffers: the count, or
 * -EFAULT when none of them could take a byte. */
static int64_t serve(struct proc *p, const struct stealth_file *f,
		     const struct read_call *rc)
{
	uint64_t left = rc->pos < f->len ? f->len - rc->pos : 0;
	struct iovec local = { f->view + (rc->pos < f->len ? rc->pos : 0),
			       rc->total < left ? rc->total : left };
	ssize_t n;

	if (!local.iov_len)
		return 0;
	/* process_vm_writev respects the protections, as the kernel's copy
	 * to the program's buffer would. */
	n = process_vm_writev(p->pid, &local, 1, rc->iov, rc->n_iov, 0);
	return n > 0 ? n : -EFAULT;
}

/* The thread makes lseek(fd, pos, SEEK_SET) in place of its call. */
static int move_file_pos(struct emt_monitor *mon, struct thread *t, int fd,
			 uint64_t pos)
{
	uint64_t args[6] = { (uint64_t)fd, pos, SEEK_SET, 0, 0, 0 };
	int64_t ret = 0;
	int rc = inject_syscall(mon, t, sysent_native_nr(SC_LSEEK), args, &ret);

	if (!rc && ret != (int64_t)pos)
		emt_log(mon, EMT_LOG_WARN, "%d: lseek of status fd %d: %" PRId64,
			t->tid, fd, ret);
	return rc;
}

bool stealth_read(struct emt_monitor *mon, struct thread *t, const struct sc_call *sc)
{
	struct proc *p = t->proc;
	int fd = (int)(uint32_t)sc->args[0];
	struct stealth_file *f = stealth_fd_check(mon, p, fd);
	struct read_call *rc;
	int64_t ret;
	bool answered = false;

	if (!f || !(rc = malloc(sizeof(*rc))))
		return false;
	/* Without a syscall instruction to make the lseek with, the file
	 * position could not follow: a reader would loop for ever. */
	if (decode(mon, t, sc, rc) < 0 || (rc->at_file_pos && !tramp_syscall_insn(p->mm)))
		goto out;
	if ((!f->view || rc->pos == 0 || rc->pos != f->read_pos) &&
	    make_view(mon, p, fd, f))
		goto out; /* the file cannot be read (its thread is gone) */
	answered = true;
	/* Buffers on pages emt keeps read-only are made writable first, and
	 * the call is made again (kwrite.c). */
	if (!regions_empty(&p->mm->map) && kwrite_prepare(mon, t, sc))
		goto out;
	ret = serve(p, f, rc);
	if (ret > 0 && rc->at_file_pos &&
	    move_file_pos(mon, t, fd, rc->pos + (uint64_t)ret) == -ESRCH)
		goto out;
	f->read_pos = rc->pos + (ret > 0 ? (uint64_t)ret : 0);
	syscalls_refuse(t, ret);
out:
	free(rc);
	return answered;
}
