/* SPDX-License-Identifier: MIT */
/*
 * Calls that would take a process out of emt's sight: a child created
 * untraced, a seccomp filter of the program's own; calls aimed at emt
 * itself (shield.c decides). And the calls that make the kernel write the
 * caller's buffers (kwrite.c decides).
 */
#include <linux/personality.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

#include "internal.h"

/* A child created with CLONE_UNTRACED would run outside emt with the
 * stripped pages it inherits: drop the flag. */
static void keep_child_traced(struct emt_monitor *mon, struct thread *t,
			      const struct sc_call *sc)
{
	uint64_t flags = sc->args[0];

	if (sc->op == SC_CLONE3 &&
	    mem_read(mon, t->proc, sc->args[0], &flags, sizeof(flags)) < 0)
		return;
	if (!(flags & CLONE_UNTRACED))
		return;
	flags &= ~(uint64_t)CLONE_UNTRACED;
	emt_log(mon, EMT_LOG_INFO, "%d: clone without CLONE_UNTRACED", t->tid);
	if (sc->op == SC_CLONE3)
		mem_write(mon, t->proc, sc->args[0], &flags, sizeof(flags));
	else
		syscalls_rewrite_arg(t, sc, 0, flags);
}

/* A seccomp filter of the program's own that answers memory calls itself
 * (SECCOMP_RET_USER_NOTIF outranks emt's RET_TRACE) hides them from emt. */
static void warn_own_filter(struct emt_monitor *mon, struct thread *t,
			    const struct sc_call *sc)
{
	const uint64_t *a = sc->args;
	bool filter = sc->op == SC_SECCOMP ? a[0] == SECCOMP_SET_MODE_FILTER
					   : a[0] == PR_SET_SECCOMP && a[1] == SECCOMP_MODE_FILTER;

	if (filter)
		emt_log(mon, EMT_LOG_WARN,
			"%d installs its own seccomp filter: memory calls it answers "
			"itself (SECCOMP_RET_USER_NOTIF) will not be seen",
			t->proc->pid);
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

void proccalls_exit(struct emt_monitor *mon, struct thread *t,
		    struct pending_call *c, int64_t ret, bool failed)
{
	if (c->op == SC_PERSONALITY && !failed)
		personality_exit(mon, t, c, ret);
}

bool proccalls_entry(struct emt_monitor *mon, struct thread *t,
		     struct pending_call *c)
{
	switch (c->op) {
	case SC_PERSONALITY:
		return personality_entry(mon, t, c);
	case SC_CLONE:
	case SC_CLONE3:
		keep_child_traced(mon, t, &c->sc);
		return false;
	case SC_SECCOMP:
	case SC_PRCTL:
		warn_own_filter(mon, t, &c->sc);
		return false;
	case SC_PRLIMIT64:
		shield_refuse(mon, t, &c->sc);
		return false;
	default:
		if (kwrite_is_candidate(c->op) && !regions_empty(&t->proc->mm->map))
			kwrite_prepare(mon, t, &c->sc);
		return false;
	}
}
