/* SPDX-License-Identifier: MIT */
/*
 * Memory filled by someone else than the instruction that faults:
 *
 * - userfaultfd: a handler thread (or process) fills missing pages with
 *   UFFDIO_COPY, ZEROPAGE, CONTINUE, MOVE or POISON; the fill puts code in
 *   place with no fault on it. The filled range is armed first, and the
 *   ioctl made by emt within the stop (kwin.c), on a copy of its argument
 *   the program cannot change meanwhile. A userfaultfd belongs to the
 *   address space that created it: emt notes the creators and finds the
 *   one behind a caller's fd with kcmp (KCMP_FILE), the fd may have been
 *   passed to another process.
 * - io_uring: its kernel threads write files and memory for the program,
 *   with registered buffers pinned beyond any later change of protection,
 *   and with SQPOLL without any call at all. emt does not read the rings:
 *   it says so when code and io_uring meet.
 */
#include <errno.h>
#include <linux/io_uring.h>
#include <linux/kcmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "model/model.h"
#include "ptrace/procfs.h"

#define UFFD_MAX 64

/* A userfaultfd a traced process created, for its own address space. */
struct uffd_note {
	pid_t pid;
	int fd;
};

struct uffd_notes {
	struct uffd_note v[UFFD_MAX];
	size_t n;
};

static void note_uffd(struct emt_monitor *mon, struct thread *t, int fd)
{
	struct uffd_notes *u = mon->uffds;

	if (!u && !(u = mon->uffds = calloc(1, sizeof(*u))))
		return;
	t->proc->mm->uffd = true;
	if (u->n == UFFD_MAX)
		memmove(u->v, u->v + 1, (UFFD_MAX - 1) * sizeof(u->v[0]));
	else
		u->n++;
	u->v[u->n - 1] = (struct uffd_note){ t->proc->pid, fd };
}

void asynccalls_free(struct emt_monitor *mon)
{
	free(mon->uffds);
	mon->uffds = NULL;
}

static bool same_file(pid_t a, int fd_a, pid_t b, int fd_b)
{
	return syscall(SYS_kcmp, a, b, KCMP_FILE, (unsigned long)fd_a,
		       (unsigned long)fd_b) == 0;
}

/* The process whose address space the userfaultfd fd of t fills. */
static struct proc *uffd_owner(struct emt_monitor *mon, struct thread *t, int fd)
{
	const struct uffd_notes *u = mon->uffds;

	for (size_t i = 0; u && i < u->n; i++) {
		struct proc *p = proc_find(mon, u->v[i].pid);

		if (p && same_file(t->proc->pid, fd, p->pid, u->v[i].fd))
			return p;
	}
	return NULL;
}

/* The size of a fill's argument, and the range it writes: struct
 * uffdio_copy and uffdio_move start with dst, src, len; uffdio_range
 * (ZEROPAGE, CONTINUE, POISON) with start, len. The field the kernel
 * writes back comes last. 0: not a fill. */
static size_t fill_size(unsigned long cmd)
{
	switch (cmd) {
	case UFFD_IOCTL_COPY:
	case UFFD_IOCTL_MOVE:
		return 40;
	case UFFD_IOCTL_ZEROPAGE:
	case UFFD_IOCTL_CONTINUE:
	case UFFD_IOCTL_POISON:
		return 32;
	default:
		return 0;
	}
}

static void fill_range(unsigned long cmd, const uint64_t *arg, uint64_t *start,
		       uint64_t *len)
{
	bool with_src = cmd == UFFD_IOCTL_COPY || cmd == UFFD_IOCTL_MOVE;

	*start = arg[0];
	*len = with_src ? arg[2] : arg[1];
}

static void arm_fill(struct emt_monitor *mon, struct thread *t, int fd,
		     uint64_t start, uint64_t len)
{
	struct proc *owner = uffd_owner(mon, t, fd);
	struct thread *actor;

	if (!owner) {
		owner = t->proc;
		event_blind(mon, t->proc->pid, t->tid, EMT_BLIND_USERFAULTFD, start, len,
			    sysent_native_nr(SC_IOCTL),
			    "a userfaultfd emt did not see made fills memory: taken for "
			    "this process's own");
	}
	actor = borrow_thread(mon, owner, t);
	if (!actor)
		return;
	kwin_arm(mon, actor, start, start + len, SC_IOCTL);
	borrow_return(mon, actor, t);
}

/* The kernel wakes the threads waiting for the pages only after writing
 * the result back, which it could not do into emt's read-only copy: wake
 * them as it would have (UFFDIO_WAKE reads its range, writes nothing). */
static void wake(struct emt_monitor *mon, struct thread *t, uint64_t scratch,
		 const struct pending_call *c, uint64_t start, uint64_t len)
{
	uint64_t range[2] = { start, len };
	uint64_t call[6] = { c->sc.args[0], UFFD_IOCTL_WAKE, scratch, 0, 0, 0 };
	int64_t ret;

	if (mem_poke(mon, t->proc, scratch, range, sizeof(range)) == 0)
		inject_syscall(mon, t, sysent_native_nr(SC_IOCTL), call, &ret);
}

/* The fill itself is done or not: what it did is read from the pages,
 * and given to the program as the kernel would have: 0 and the bytes
 * filled when all are there, -EAGAIN and how far it got. */
static int64_t fill_result(struct thread *t, unsigned long cmd, uint64_t *arg,
			   size_t size)
{
	uint64_t start, len, done;

	fill_range(cmd, arg, &start, &len);
	done = cmd == UFFD_IOCTL_POISON ? len : procfs_present_bytes(t->tid, start, len);
	arg[size / 8 - 1] = done;
	return done >= len ? 0 : -EAGAIN;
}

/* The argument copied where the program cannot change it between emt's
 * look and the kernel's (the caller's trampoline scratch, read-only to the
 * program), the ioctl made on it, the result given back. */
static void fill(struct emt_monitor *mon, struct thread *t, struct pending_call *c)
{
	unsigned long cmd = (unsigned int)c->sc.args[1]; /* an int to the kernel */
	size_t size = fill_size(cmd);
	uint64_t arg[5], start, len, scratch = 0;
	uint64_t call[6] = { c->sc.args[0], c->sc.args[1], 0, 0, 0, 0 };
	int64_t ret;

	if (tramp_slot(t) > 0)
		call[2] = scratch = tramp_scratch(t->proc->mm, t);
	if (!size || !call[2] || mem_read(mon, t->proc, c->sc.args[2], arg, size) ||
	    mem_poke(mon, t->proc, scratch, arg, size))
		return; /* the kernel fails it the same way, or emt cannot copy */
	fill_range(cmd, arg, &start, &len);
	arm_fill(mon, t, (int)c->sc.args[0], start, len);
	if (syscalls_run_as(mon, t, sysent_native_nr(SC_IOCTL), call, &ret))
		return;
	if (ret == -EFAULT) {
		uint64_t mode = arg[cmd == UFFD_IOCTL_COPY || cmd == UFFD_IOCTL_MOVE ? 3 : 2];

		ret = fill_result(t, cmd, arg, size);
		/* DONTWAKE is bit 0 of every fill's mode. */
		if (!(mode & 1))
			wake(mon, t, scratch, c, start, len);
		syscalls_refuse(t, ret);
	}
	mem_write(mon, t->proc, c->sc.args[2] + size - 8, &arg[size / 8 - 1], 8);
	syscalls_commit(mon, t, ret);
}

/* io_uring and code in one process: its writes would not be seen. */
void asynccalls_io_uring_meets_code(struct emt_monitor *mon, struct thread *t)
{
	struct proc *p = t->proc;

	if (!p->io_uring || p->io_uring_said)
		return;
	if (regions_empty(&p->mm->map) && !(p->watched & WATCH_WRITES))
		return;
	p->io_uring_said = true;
	event_blind(mon, p->pid, t->tid, EMT_BLIND_IO_URING, 0, 0,
		    sysent_native_nr(SC_IO_URING_SETUP),
		    "io_uring: writes it makes to files, to /proc/PID/mem or through "
		    "registered buffers are not seen; code they change may run uncaptured");
}

/* The buffers a registration names: an iovec array, directly or in a
 * struct io_uring_rsrc_register (BUFFERS2: nr, flags, resv2, data...). */
static size_t buffers_of(struct emt_monitor *mon, struct thread *t,
			 const uint64_t *a, struct iovec *v, size_t max)
{
	uint64_t iov = a[2], n = a[3];
	struct io_uring_rsrc_register rr;

	if ((unsigned int)a[1] == IORING_REGISTER_BUFFERS2) {
		if (mem_read(mon, t->proc, a[2], &rr, sizeof(rr)))
			return 0;
		iov = rr.data;
		n = rr.nr;
	} else if ((unsigned int)a[1] != IORING_REGISTER_BUFFERS) {
		return 0;
	}
	n = n < max ? n : max;
	return n && mem_read(mon, t->proc, iov, v, n * sizeof(v[0])) == 0 ? n : 0;
}

/* Registered buffers are pinned for writing: the pages the program asked
 * writable must be writable then (as for read(), kwrite.c). They stay
 * pinned whatever protection emt gives them later: the kernel can write
 * code there with no fault. */
static void buffers(struct emt_monitor *mon, struct thread *t,
		    const struct pending_call *c)
{
	struct iovec v[64];
	size_t n = buffers_of(mon, t, c->sc.args, v, 64);

	if (!n || kwrite_prepare_iov(mon, t, v, n))
		return;
	for (size_t i = 0; i < n; i++) {
		uint64_t start = (uint64_t)(uintptr_t)v[i].iov_base;
		const struct region *r = regions_next(&t->proc->mm->map, EMT_PAGE_DOWN(start));

		if (r && r->start < start + v[i].iov_len && (r->attr.asked & PROT_EXEC))
			event_blind(mon, t->proc->pid, t->tid, EMT_BLIND_IO_URING, start,
				    v[i].iov_len, sysent_native_nr(SC_IO_URING_REGISTER),
				    "io_uring fixed buffer over code: the kernel can write "
				    "it with no fault");
	}
}

bool asynccalls_entry(struct emt_monitor *mon, struct thread *t, struct pending_call *c)
{
	c->asked = c->granted = 0;
	switch (c->op) {
	case SC_USERFAULTFD:
	case SC_IO_URING_SETUP:
		return true;
	case SC_IOCTL:
		if ((unsigned int)c->sc.args[1] == UFFD_IOCTL_NEW)
			return true;
		fill(mon, t, c);
		return false;
	case SC_IO_URING_REGISTER:
		buffers(mon, t, c);
		return false;
	default:
		return false;
	}
}

void asynccalls_exit(struct emt_monitor *mon, struct thread *t,
		     struct pending_call *c, int64_t ret, bool failed)
{
	if (failed)
		return;
	if (c->op == SC_USERFAULTFD || c->op == SC_IOCTL) {
		note_uffd(mon, t, (int)ret);
	} else if (c->op == SC_IO_URING_SETUP) {
		t->proc->io_uring = true;
		asynccalls_io_uring_meets_code(mon, t);
	}
}
