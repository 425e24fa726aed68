/* SPDX-License-Identifier: MIT */
/*
 * Writes the kernel makes for a program into code: through a /proc/PID/mem
 * file (into any page, whatever its protection), into a file some traced
 * process maps executable (write, pwrite, sendfile, splice,
 * copy_file_range, fallocate, truncate), or into another address space
 * with process_vm_writev. None of them faults in the program. emt arms the
 * code about to change (kwin.c), then makes the call itself within the
 * same stop, so the next run is captured.
 *
 * Writes to files and mem files stop in emt only in processes that may
 * make them (watch.c, WATCH_WRITES): one that opened a mem file for
 * writing, or any once a file a traced process could write is mapped
 * executable. process_vm_writev always stops (filter.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "model/model.h"
#include "ptrace/procfs.h"

#define MAX_IOV 1024

bool writes_is_mem_fd(pid_t pid, int fd)
{
	return procfs_fd_mem_of(pid, fd) != 0;
}

/* The file position of fd of pid, or -1. */
static int64_t file_pos(pid_t pid, int fd)
{
	struct procfs_fdinfo info;

	return procfs_fdinfo(pid, fd, &info) ? -1 : (int64_t)info.pos;
}

/* fn on each of the count iovecs at iov in t's memory, the first MAX_IOV
 * (the kernel takes UIO_MAXIOV at most): false when they cannot be read. */
static bool each_iov(struct emt_monitor *mon, struct thread *t, uint64_t iov,
		     uint64_t count, void (*fn)(const struct iovec *v, void *ctx), void *ctx)
{
	struct iovec v[64];

	for (uint64_t at = 0; at < count && at < MAX_IOV; at += 64) {
		uint64_t n = count - at < 64 ? count - at : 64;

		if (mem_read(mon, t->proc, iov + at * sizeof(v[0]), v, n * sizeof(v[0])))
			return false;
		for (uint64_t i = 0; i < n; i++)
			fn(&v[i], ctx);
	}
	return true;
}

static void add_len(const struct iovec *v, void *ctx)
{
	*(uint64_t *)ctx += v->iov_len;
}

static uint64_t iov_bytes(struct emt_monitor *mon, struct thread *t, uint64_t iov,
			  uint64_t count)
{
	uint64_t sum = 0;

	return each_iov(mon, t, iov, count, add_len, &sum) ? sum : UINT64_MAX;
}

/* Where a write to a mem file lands: [*off, *off + *len). The calls that
 * write at the file position are made at an explicit one instead (a
 * sibling's lseek must not move the write off what emt armed): *as is
 * the call to make. False for calls that cannot write a mem file. */
static bool mem_range(struct emt_monitor *mon, struct thread *t,
		      const struct pending_call *c, uint64_t *off, uint64_t *len,
		      enum sc_op *as)
{
	const uint64_t *a = c->sc.args;
	bool at_pos = c->op == SC_WRITE || c->op == SC_WRITEV ||
		      (c->op == SC_PWRITEV2 && (int64_t)a[3] == -1);

	*as = c->op == SC_WRITE ? SC_PWRITE64 : c->op == SC_WRITEV ? SC_PWRITEV : c->op;
	*off = at_pos ? (uint64_t)file_pos(t->tid, (int)a[0]) : a[3];
	switch (c->op) {
	case SC_WRITE:
	case SC_PWRITE64:
		*len = a[2];
		return true;
	case SC_WRITEV:
	case SC_PWRITEV:
	case SC_PWRITEV2:
		*len = iov_bytes(mon, t, a[1], a[2]);
		return true;
	default:
		return false;
	}
}

/* Make the write at *off as as, moving the file position as the original
 * call would have. */
static int write_at(struct emt_monitor *mon, struct thread *t,
		    const struct pending_call *c, enum sc_op as, uint64_t off,
		    int64_t *ret)
{
	const uint64_t *a = c->sc.args;
	uint64_t args[6] = { a[0], a[1], a[2], off, 0, as == SC_PWRITEV2 ? a[5] : 0 };
	int rc = syscalls_run_as(mon, t, sysent_native_nr(as), args, ret);

	/* Seen late, the call moved the position itself. */
	if (!rc && !c->late && *ret > 0 && as != c->op && c->op != SC_PWRITEV2) {
		uint64_t seek[6] = { a[0], off + (uint64_t)*ret, SEEK_SET, 0, 0, 0 };
		int64_t pos;

		inject_syscall(mon, t, sysent_native_nr(SC_LSEEK), seek, &pos);
	}
	return rc;
}

static void write_mem(struct emt_monitor *mon, struct thread *t,
		      struct pending_call *c, struct proc *target)
{
	uint64_t off, len;
	enum sc_op as;
	struct thread *actor;
	int64_t ret;

	if (!mem_range(mon, t, c, &off, &len, &as))
		return;
	/* Natively emt's trampoline is a hole: the write fails there. */
	if (tramp_overlaps(target->mm, off, len ? len : 1)) {
		/* Seen late, it wrote there: the trampoline is the
		 * program's code now, and emt makes another. */
		if (syscalls_refuse(t, -EIO) == -EALREADY && (actor = borrow_thread(mon, target, t))) {
			tramp_renew(mon, actor);
			borrow_return(mon, actor, t);
		}
		return;
	}
	actor = borrow_thread(mon, target, t);
	if (!actor)
		return;
	kwin_arm(mon, actor, off, len == UINT64_MAX ? UINT64_MAX : off + len, c->op);
	borrow_return(mon, actor, t);
	if (write_at(mon, t, c, as, off, &ret))
		return;
	c->report = true;
	syscalls_commit(mon, t, ret);
}

/* The file a write-family call writes, and a thread to use: its out fd,
 * or for truncate the path (resolved as the process sees it). */
static bool file_of_call(struct emt_monitor *mon, struct thread *t,
			 const struct pending_call *c, uint64_t *dev, uint64_t *ino)
{
	const uint64_t *a = c->sc.args;
	int fd = (c->op == SC_SPLICE || c->op == SC_COPY_FILE_RANGE) ? (int)a[2] : (int)a[0];
	char name[4096];
	struct stat st;

	if (c->op != SC_TRUNCATE)
		return mapped_file_of_fd(t->tid, fd, dev, ino);
	if (mem_read_string(mon, t->proc, a[0], name, sizeof(name)) || !name[0] ||
	    procfs_stat_in(t->tid, name, &st))
		return false;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return true;
}

static void write_file(struct emt_monitor *mon, struct thread *t,
		       struct pending_call *c)
{
	uint64_t dev, ino;
	int64_t ret;

	if (!file_of_call(mon, t, c, &dev, &ino) || !kwin_file_runs(mon, dev, ino))
		return;
	kwin_arm_file(mon, t, dev, ino, c->op);
	if (syscalls_run_now(mon, t, &ret) == 0)
		syscalls_commit(mon, t, ret);
}

/* The traced process pid names (a thread or a process id), or NULL. */
static struct proc *traced_proc(struct emt_monitor *mon, pid_t pid)
{
	struct thread *owner = thread_find(mon, pid);

	return owner && owner->proc ? owner->proc : proc_find(mon, pid);
}

/* The remote ranges of a process_vm_writev, against the target's code. */
struct vm_write {
	struct emt_monitor *mon;
	struct thread *actor;      /* a thread of the target, once borrowed */
	const struct mm_space *mm; /* the target's */
	enum sc_op by;
	bool meets_code;           /* a range holds code the program asked writable */
};

static void find_code(const struct iovec *v, void *ctx)
{
	struct vm_write *vw = ctx;
	uint64_t base = (uint64_t)(uintptr_t)v->iov_base;

	vw->meets_code |= kwin_writable_code(vw->mm, base, base + v->iov_len);
}

static void arm_code(const struct iovec *v, void *ctx)
{
	struct vm_write *vw = ctx;
	uint64_t base = (uint64_t)(uintptr_t)v->iov_base;

	if (v->iov_len)
		kwin_arm_writable(vw->mon, vw->actor, base, base + v->iov_len, vw->by);
}

/* process_vm_writev respects the target's protections (no FOLL_FORCE):
 * into code the program asked writable that emt keeps R-X it would fail
 * with EFAULT where natively it writes. That code is armed first, in the
 * target, and the call made within the same stop, as for /proc/PID/mem;
 * a call that meets no such code goes on untouched, without stopping the
 * target. Only the native layout of the remote iovecs is read (x32's
 * compat ones are not: there the call fails as it did). A sibling that
 * rewrites the iovecs after emt read them can only send the write to code
 * emt keeps R-X: it fails, as it would have. */
static void write_vm(struct emt_monitor *mon, struct thread *t, struct pending_call *c)
{
	const uint64_t *a = c->sc.args;
	struct proc *target = traced_proc(mon, (pid_t)a[0]);
	struct vm_write vw = { .mon = mon, .by = c->op };
	int64_t ret;

	if (!target || target->passive || c->sc.abi != ABI_NATIVE)
		return;
	vw.mm = target->mm;
	if (!each_iov(mon, t, a[3], a[4], find_code, &vw) || !vw.meets_code)
		return;
	vw.actor = borrow_thread(mon, target, t);
	if (!vw.actor)
		return;
	each_iov(mon, t, a[3], a[4], arm_code, &vw);
	borrow_return(mon, vw.actor, t);
	/* Seen late, it stopped at that code: made again, whole (the
	 * same bytes where it wrote already). */
	if (c->late) {
		syscalls_again(t);
		return;
	}
	if (syscalls_run_now(mon, t, &ret))
		return;
	c->report = true;
	syscalls_commit(mon, t, ret);
}

bool writes_entry(struct emt_monitor *mon, struct thread *t, struct pending_call *c)
{
	pid_t target = 0;
	struct proc *p;

	c->asked = c->granted = 0;
	if (c->op == SC_PROCESS_VM_WRITEV) {
		write_vm(mon, t, c);
		return false;
	}
	if (c->op != SC_TRUNCATE)
		target = procfs_fd_mem_of(t->tid, (int)c->sc.args[0]);
	if (target) {
		p = proc_find(mon, target);
		if (p && !p->passive)
			write_mem(mon, t, c, p);
	} else {
		write_file(mon, t, c);
	}
	return false;
}
