/* SPDX-License-Identifier: MIT */
/*
 * Calls that would take a process out of emt's sight: a child created
 * untraced, a seccomp filter of the program's own; calls aimed at emt
 * itself (shield.c decides). And the calls that make the kernel write the
 * caller's buffers (kwrite.c decides).
 */
#include <errno.h>
#include <linux/personality.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "model/model.h"

/* A child created with CLONE_UNTRACED would run outside emt with the
 * stripped pages it inherits: drop the flag. */
static void keep_child_traced(struct emt_monitor *mon, struct thread *t,
			      const struct sc_call *sc)
{
	uint64_t flags = sc->args[0];

	if (!(flags & CLONE_UNTRACED))
		return;
	emt_log(mon, EMT_LOG_INFO, "%d: clone without CLONE_UNTRACED", t->tid);
	syscalls_rewrite_arg(t, sc, 0, flags & ~(uint64_t)CLONE_UNTRACED);
}

/* Without a scratch area (no trampoline, another ABI): in the program's
 * struct, which a sibling thread could set again before the kernel reads
 * it. */
static void drop_untraced_in_place(struct emt_monitor *mon, struct thread *t,
				   const struct sc_call *sc)
{
	uint64_t flags;

	if (mem_read(mon, t->proc, sc->args[0], &flags, sizeof(flags)) ||
	    !(flags & CLONE_UNTRACED))
		return;
	flags &= ~(uint64_t)CLONE_UNTRACED;
	emt_log(mon, EMT_LOG_INFO, "%d: clone3 without CLONE_UNTRACED", t->tid);
	mem_write(mon, t->proc, sc->args[0], &flags, sizeof(flags));
}

/* The smallest struct clone_args the kernel takes (CLONE_ARGS_SIZE_VER0);
 * it reads at most a page of one. */
#define CLONE_ARGS_MIN 64u

/* 0 when the bytes of clone3's struct past what emt copies are zero, as
 * the kernel wants of bytes past what it knows (copy_struct_from_user);
 * else -E2BIG, or -EFAULT. */
static int tail_is_zero(struct emt_monitor *mon, struct thread *t, uint64_t at,
			uint64_t len)
{
	uint8_t buf[EMT_PAGE_SIZE];

	if (mem_read(mon, t->proc, at, buf, len))
		return -EFAULT;
	for (uint64_t i = 0; i < len; i++)
		if (buf[i])
			return -E2BIG;
	return 0;
}

/* The first n bytes of clone3's struct, CLONE_UNTRACED dropped; the rest
 * must be zero. */
static int read_clone_args(struct emt_monitor *mon, struct thread *t,
			   const struct sc_call *sc, uint8_t *args, uint64_t n)
{
	uint64_t size = sc->args[1], flags;

	if (mem_read(mon, t->proc, sc->args[0], args, n))
		return -EFAULT;
	if (size > n) {
		int rc = tail_is_zero(mon, t, sc->args[0] + n, size - n);

		if (rc)
			return rc;
	}
	memcpy(&flags, args, sizeof(flags));
	if (flags & CLONE_UNTRACED)
		emt_log(mon, EMT_LOG_INFO, "%d: clone3 without CLONE_UNTRACED", t->tid);
	flags &= ~(uint64_t)CLONE_UNTRACED;
	memcpy(args, &flags, sizeof(flags));
	return 0;
}

/* clone3 reads its flags from the program's memory, which a sibling
 * thread can rewrite after emt read it: the kernel is given emt's copy,
 * in t's scratch area of the trampoline (which the program cannot write),
 * CLONE_UNTRACED dropped. Both registers are the program's again at the
 * exit and in the child (proccalls_exit, stops.c start_child). A struct
 * emt cannot copy whole fails as natively. */
static bool private_clone_args(struct emt_monitor *mon, struct thread *t,
			       struct pending_call *c)
{
	uint64_t size = c->sc.args[1], scratch, n;
	uint8_t args[TRAMP_SCRATCH_SIZE];
	int rc;

	if (size < CLONE_ARGS_MIN || size > EMT_PAGE_SIZE)
		return false; /* refused by the kernel before it reads */
	if (c->sc.abi != ABI_NATIVE || tramp_slot(t) < 0 ||
	    !(scratch = tramp_scratch(t->proc->mm, t))) {
		drop_untraced_in_place(mon, t, &c->sc);
		return false;
	}
	n = size < sizeof(args) ? size : sizeof(args);
	rc = read_clone_args(mon, t, &c->sc, args, n);
	if (!rc)
		rc = mem_poke(mon, t->proc, scratch, args, n);
	if (!rc)
		rc = syscalls_rewrite_arg(t, &c->sc, 0, scratch) ?:
		     syscalls_rewrite_arg(t, &c->sc, 1, n);
	if (rc) {
		syscalls_refuse(t, rc == -E2BIG ? rc : -EFAULT);
		return false;
	}
	c->args_moved = true;
	return true;
}

/* A seccomp filter of the program's own with a listener can answer calls
 * itself (SECCOMP_RET_USER_NOTIF outranks emt's RET_TRACE), or let them
 * run (SECCOMP_USER_NOTIF_FLAG_CONTINUE) without emt's filter ever
 * tracing them. A syscall-entry stop comes before any filter runs
 * (syscall_trace_enter: ptrace, then seccomp): from then on, the process
 * and its children stop at every call, and emt sees each one first. */
static void own_filter_exit(struct emt_monitor *mon, struct thread *t,
			    const struct pending_call *c)
{
	/* Its filters see emt's remote calls too (inject.c). */
	t->proc->own_filter = true;
	if (c->op != SC_SECCOMP || !(c->sc.args[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER))
		return;
	if (!mon->can_suspend_seccomp)
		event_blind(mon, t->proc->pid, t->tid, EMT_BLIND_SECCOMP_NOTIFY, 0, 0,
			    sysent_native_nr(SC_SECCOMP),
			    "a seccomp filter of the program's own with a listener also "
			    "receives emt's calls: its supervisor can refuse or delay "
			    "them (emt needs CAP_SYS_ADMIN to keep them from it)");
	if (t->proc->syscall_mode)
		return;
	emt_log(mon, EMT_LOG_INFO,
		"%d installs a seccomp filter with a listener: stopping at its every syscall",
		t->proc->pid);
	watcher_every_call(mon, t->proc);
}

/* READ_IMPLIES_EXEC makes the kernel add PROT_EXEC to every readable
 * mapping (do_mmap, mprotect, brk's VM_DATA_DEFAULT_FLAGS): memory the
 * program asked only writable would be W+X without any call saying so.
 * emt keeps the bit out of the kernel's personality and applies it itself
 * (memcalls.c), arming what it makes executable; the program reads the
 * personality it set. */
static bool personality_entry(struct emt_monitor *mon, struct thread *t,
			      struct pending_call *c)
{
	uint64_t persona = c->sc.args[0] & 0xffffffffu;

	c->rie_before = c->rie_after = t->read_implies_exec;
	if (persona != 0xffffffffu) {
		c->rie_after = persona & READ_IMPLIES_EXEC;
		if (c->rie_after)
			syscalls_rewrite_arg(t, &c->sc, 0, persona & ~(uint64_t)READ_IMPLIES_EXEC);
	}
	(void)mon;
	return c->rie_before || c->rie_after;
}

/* The old personality, as the program set it. */
static void personality_exit(struct emt_monitor *mon, struct thread *t,
			     const struct pending_call *c, int64_t ret)
{
	arch_regs regs;

	if (c->rie_before && thread_getregs(t, &regs) == 0) {
		arch_set_retval(&regs, ret | READ_IMPLIES_EXEC);
		thread_setregs(t, &regs);
	}
	t->read_implies_exec = c->rie_after;
	if (c->rie_after)
		watch_add(mon, t, WATCH_MMAPS);
}

/* A thread found with READ_IMPLIES_EXEC when emt attaches: emt takes the
 * bit over (and arms what it makes executable from then on); it goes
 * back to the thread when emt detaches. */
void proccalls_take_persona(struct emt_monitor *mon, struct thread *t)
{
	uint64_t args[6] = { 0xffffffffu, 0, 0, 0, 0, 0 };
	int64_t persona;

	if (inject_syscall(mon, t, sysent_native_nr(SC_PERSONALITY), args, &persona) ||
	    persona < 0 || !(persona & READ_IMPLIES_EXEC))
		return;
	args[0] = (uint64_t)persona & ~(uint64_t)READ_IMPLIES_EXEC;
	if (inject_syscall(mon, t, sysent_native_nr(SC_PERSONALITY), args, &persona) == 0) {
		t->read_implies_exec = true;
		watch_add(mon, t, WATCH_MMAPS);
	}
}

void proccalls_give_back_persona(struct emt_monitor *mon, struct thread *t)
{
	uint64_t args[6] = { 0xffffffffu, 0, 0, 0, 0, 0 };
	int64_t persona;

	if (!t->read_implies_exec ||
	    inject_syscall(mon, t, sysent_native_nr(SC_PERSONALITY), args, &persona) ||
	    persona < 0)
		return;
	args[0] = (uint64_t)persona | READ_IMPLIES_EXEC;
	inject_syscall(mon, t, sysent_native_nr(SC_PERSONALITY), args, &persona);
	t->read_implies_exec = false;
}

/* The argument registers clone3 returns with are the program's. */
static void restore_clone_args(struct thread *t, const struct pending_call *c)
{
	arch_regs regs;

	if (!c->args_moved || thread_getregs(t, &regs))
		return;
	for (int i = 0; i < 2; i++)
		arch_set_syscall_arg(&regs, c->sc.abi, c->sc.slot[i], c->sc.args[i]);
	thread_setregs(t, &regs);
}

void proccalls_exit(struct emt_monitor *mon, struct thread *t,
		    struct pending_call *c, int64_t ret, bool failed)
{
	if (c->op == SC_PERSONALITY && !failed)
		personality_exit(mon, t, c, ret);
	else if (c->op == SC_CLONE3)
		restore_clone_args(t, c);
	if ((c->op == SC_SECCOMP || c->op == SC_PRCTL) && !failed)
		own_filter_exit(mon, t, c);
}

bool proccalls_entry(struct emt_monitor *mon, struct thread *t,
		     struct pending_call *c)
{
	switch (c->op) {
	case SC_PERSONALITY:
		return personality_entry(mon, t, c);
	case SC_CLONE:
		/* Seen late, the child is made: late.c looks at it. */
		if (!c->late)
			keep_child_traced(mon, t, &c->sc);
		return false;
	case SC_CLONE3:
		/* Seen late, the kernel read its flags already. */
		return !c->late && private_clone_args(mon, t, c);
	case SC_SECCOMP:
		return (unsigned int)c->sc.args[0] == SECCOMP_SET_MODE_FILTER;
	case SC_PRCTL:
		return (unsigned int)c->sc.args[0] == PR_SET_SECCOMP &&
		       c->sc.args[1] == SECCOMP_MODE_FILTER;
	case SC_PRLIMIT64:
		shield_refuse(mon, t, &c->sc);
		return false;
	default:
		if (kwrite_is_candidate(c->op) && !regions_empty(&t->proc->mm->map))
			kwrite_prepare(mon, t, &c->sc);
		return false;
	}
}
