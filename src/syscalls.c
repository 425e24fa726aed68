/* SPDX-License-Identifier: MIT */
/*
 * Syscall interception: at entry decide and rewrite `prot`; at exit commit
 * to the region map only if the call succeeded.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/seccomp.h>
#include <sys/ptrace.h>
#include <string.h>

#include "internal.h"

#define PROT_MASK (PROT_READ | PROT_WRITE | PROT_EXEC)

static bool overlaps(const struct mm_space *mm, uint64_t start, uint64_t len)
{
	const struct region *r = regions_next(&mm->map, EMT_PAGE_DOWN(start));

	return r && len && r->start < EMT_PAGE_UP(start + len);
}

/* Make the kernel grant prot without PROT_EXEC. */
static int rewrite_prot(struct thread *t, uint64_t prot)
{
	arch_regs regs;
	int rc = thread_getregs(t, &regs);

	if (rc)
		return rc;
	arch_set_syscall_arg(&regs, 2, prot & ~(uint64_t)PROT_EXEC);
	return thread_setregs(t, &regs);
}

static void arm_call(struct thread *t, uint64_t prot, enum emt_origin origin)
{
	struct pending_call *c = &t->call;

	c->asked = (int)(prot & PROT_MASK);
	c->granted = prot_armed(c->asked);
	c->origin = (uint8_t)origin;
	c->report = true;
	if (rewrite_prot(t, prot))
		c->granted = c->asked; /* could not rewrite: nothing to enforce */
}

/* A child created with CLONE_UNTRACED would run outside emt with the
 * stripped pages it inherits: drop the flag. */
static void keep_child_traced(struct emt_monitor *mon, struct thread *t,
			      long nr, const uint64_t *a)
{
	uint64_t flags = a[0];
	arch_regs regs;

	if (nr == ARCH_NR_CLONE3 &&
	    mem_read(mon, t->proc, a[0], &flags, sizeof(flags)) < 0)
		return;
	if (!(flags & CLONE_UNTRACED))
		return;
	flags &= ~(uint64_t)CLONE_UNTRACED;
	emt_log(mon, EMT_LOG_INFO, "%d: clone without CLONE_UNTRACED", t->tid);
	if (nr == ARCH_NR_CLONE3) {
		mem_write(mon, t->proc, a[0], &flags, sizeof(flags));
	} else if (thread_getregs(t, &regs) == 0) {
		arch_set_syscall_arg(&regs, 0, flags);
		thread_setregs(t, &regs);
	}
}

/* A seccomp filter of the program's own that answers memory calls itself
 * (SECCOMP_RET_USER_NOTIF outranks emt's RET_TRACE) hides them from emt. */
static void warn_own_filter(struct emt_monitor *mon, struct thread *t, long nr,
			    const uint64_t *a)
{
	bool filter = nr == SYS_seccomp ? a[0] == SECCOMP_SET_MODE_FILTER
					: a[0] == PR_SET_SECCOMP && a[1] == SECCOMP_MODE_FILTER;

	if (filter)
		emt_log(mon, EMT_LOG_WARN,
			"%d installs its own seccomp filter: memory calls it answers "
			"itself (SECCOMP_RET_USER_NOTIF) will not be seen",
			t->proc->pid);
}

static void on_entry(struct emt_monitor *mon, struct thread *t, long nr,
		     const uint64_t *a)
{
	struct mm_space *mm = t->proc->mm;
	struct pending_call *c = &t->call;
	bool touches = false;
	enum emt_origin origin;

	if (kwrite_is_candidate(nr)) {
		if (!regions_empty(&mm->map))
			kwrite_prepare(mon, t, nr, a);
		t->call.nr = 0;
		return;
	}
	*c = (struct pending_call){ .nr = nr };
	for (int i = 0; i < 6; i++)
		c->args[i] = a[i];
	/* Unless armed below, the kernel applies exactly what is asked. */
	c->asked = c->granted = (int)(a[2] & PROT_MASK);
	switch (nr) {
	case ARCH_NR_MMAP:
		origin = origin_of_map(mon, t, a);
		if (origin != EMT_ORIGIN_NONE)
			arm_call(t, a[2], origin);
		if (!(a[3] & MAP_ANONYMOUS) &&
		    (origin != EMT_ORIGIN_NONE || (a[3] & MAP_SHARED)))
			c->has_file = alias_file_of(t->proc->pid, (int)a[4],
						    &c->dev, &c->ino);
		touches = c->has_file ||
			  ((a[3] & MAP_FIXED) && overlaps(mm, a[0], a[1]));
		c->report |= (a[2] & PROT_EXEC) != 0;
		break;
	case ARCH_NR_MPROTECT:
	case ARCH_NR_PKEY_MPROTECT:
		origin = origin_of_protect(mon, a);
		if (origin != EMT_ORIGIN_NONE)
			arm_call(t, a[2], origin);
		touches = overlaps(mm, a[0], a[1]);
		c->report |= touches || (a[2] & PROT_EXEC);
		break;
	case ARCH_NR_MUNMAP:
		touches = c->report = overlaps(mm, a[0], a[1]);
		touches |= mm->n_views > 0;
		break;
	case ARCH_NR_MREMAP:
		touches = c->report = overlaps(mm, a[0], a[1]);
		touches |= mm->n_views > 0;
		break;
	case ARCH_NR_BRK:
		touches = !regions_empty(&mm->map);
		break;
	case ARCH_NR_CLONE:
	case ARCH_NR_CLONE3:
		keep_child_traced(mon, t, nr, a);
		break;
	case SYS_seccomp:
	case SYS_prctl:
		warn_own_filter(mon, t, nr, a);
		break;
	}
	if (!c->report && !touches)
		c->nr = 0; /* nothing to commit: no exit stop needed */
	else
		mon->n_syscalls++;
}

static void set_asked(struct region_attr *attr, void *ctx)
{
	const struct pending_call *c = ctx;

	attr->asked = (uint8_t)c->asked;
	attr->granted = (uint8_t)c->granted;
}

/* mprotect: pages already tracked keep their capture count; new ones
 * start at zero. */
static void track_range(struct region_map *map, uint64_t start, uint64_t end,
			const struct pending_call *c)
{
	struct region_attr fresh = { .asked = (uint8_t)c->asked,
				     .granted = (uint8_t)c->granted,
				     .origin = c->origin };
	uint64_t at = start;

	regions_update(map, start, end, set_asked, (void *)c);
	while (at < end) {
		const struct region *r = regions_next(map, at);
		uint64_t gap_end = (r && r->start < end) ? r->start : end;

		if (gap_end > at && c->granted != c->asked)
			regions_set(map, at, gap_end, &fresh);
		if (!r || r->start >= end)
			break;
		at = r->end;
	}
}

static void commit_mmap(struct mm_space *mm, const struct pending_call *c,
			uint64_t addr)
{
	uint64_t end = addr + EMT_PAGE_UP(c->args[1]);
	struct region_attr attr = { .asked = (uint8_t)c->asked,
				    .granted = (uint8_t)c->granted,
				    .origin = c->origin };

	/* A new mapping replaces whatever was there (MAP_FIXED). */
	regions_remove(&mm->map, addr, end);
	alias_unmap(mm, addr, end);
	if (c->granted != c->asked)
		regions_set(&mm->map, addr, end, &attr);
	if (c->has_file) {
		struct view v = { addr, end, c->dev, c->ino, c->args[5], c->asked };

		alias_add_view(mm, &v);
	}
}

static void commit_mprotect(struct mm_space *mm, const struct pending_call *c)
{
	uint64_t start = c->args[0], end = start + EMT_PAGE_UP(c->args[1]);

	track_range(&mm->map, start, end, c);
}

static void commit_brk(struct mm_space *mm, uint64_t brk)
{
	if (mm->brk && brk < mm->brk)
		regions_remove(&mm->map, brk, mm->brk);
	mm->brk = brk;
}

/* The call succeeded: bring the map up to date. */
static void commit_success(struct mm_space *mm, const struct pending_call *c,
			   uint64_t ret)
{
	const uint64_t *a = c->args;
	uint64_t end = a[0] + EMT_PAGE_UP(a[1]);

	switch (c->nr) {
	case ARCH_NR_MMAP:
		commit_mmap(mm, c, ret);
		break;
	case ARCH_NR_MPROTECT:
	case ARCH_NR_PKEY_MPROTECT:
		commit_mprotect(mm, c);
		break;
	case ARCH_NR_MUNMAP:
		regions_remove(&mm->map, a[0], end);
		alias_unmap(mm, a[0], end);
		break;
	case ARCH_NR_MREMAP:
		alias_unmap(mm, a[0], end);
		regions_move(&mm->map, a[0], EMT_PAGE_UP(a[1]), ret,
			     EMT_PAGE_UP(a[2]), a[3] & MREMAP_DONTUNMAP);
		break;
	case ARCH_NR_BRK:
		commit_brk(mm, ret);
		break;
	}
}

static void report_call(struct emt_monitor *mon, struct thread *t, int64_t ret)
{
	const struct pending_call *c = &t->call;
	struct emt_event *ev = event_new(mon, EMT_EVENT_SYSCALL, t);

	if (!ev)
		return;
	ev->syscall_nr = c->nr;
	memcpy(ev->args, c->args, sizeof(ev->args));
	ev->retval = ret;
	ev->prot_asked = c->asked;
	ev->prot_granted = c->granted;
	if (c->nr == ARCH_NR_MUNMAP || c->nr == ARCH_NR_MREMAP || c->nr == ARCH_NR_BRK)
		ev->prot_asked = ev->prot_granted = 0;
	event_emit(mon, ev);
}

void syscalls_commit(struct emt_monitor *mon, struct thread *t, int64_t ret)
{
	struct pending_call *c = &t->call;

	if (!(ret < 0 && ret > -4096) || c->nr == ARCH_NR_BRK)
		commit_success(t->proc->mm, c, (uint64_t)ret);
	if (c->report)
		report_call(mon, t, ret);
	c->nr = 0;
}

void syscalls_on_stop(struct emt_monitor *mon, struct thread *t, bool seccomp)
{
	struct __ptrace_syscall_info info;

	(void)seccomp;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(info), &info) <= 0) {
		thread_resume(mon, t, 0);
		return;
	}
	if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
		if (t->call.nr)
			syscalls_commit(mon, t, info.exit.rval);
	} else if (!inject_in_tramp(t, info.instruction_pointer) &&
		   !t->proc->passive) {
		if (info.arch != AUDIT_ARCH_X86_64)
			emt_log(mon, EMT_LOG_WARN,
				"%d: syscall of another ABI not interpreted", t->tid);
		else if (info.op == PTRACE_SYSCALL_INFO_SECCOMP)
			on_entry(mon, t, (long)info.seccomp.nr,
				 (const uint64_t *)info.seccomp.args);
		else
			on_entry(mon, t, (long)info.entry.nr,
				 (const uint64_t *)info.entry.args);
	}
	thread_resume(mon, t, 0);
}
