/* SPDX-License-Identifier: MIT */
/*
 * More calls a process must send to emt once it does something that makes
 * them matter (runs code emt made read-only, turns on READ_IMPLIES_EXEC):
 * a seccomp filter added to the process then, so that a program that
 * never does pays nothing. A filter cannot be added to a process without
 * emt's own (attach mode stops at every call anyway), or when the kernel
 * refuses (the program filled the room filters may take): then every
 * call of the process stops in emt, never one unseen.
 */
#include <linux/filter.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "model/model.h"

static void stop_at_every_call(struct emt_monitor *mon, struct thread *t, int rc)
{
	emt_log(mon, EMT_LOG_WARN,
		"%d: cannot add a seccomp filter (%d): stopping at its every syscall",
		t->proc->pid, rc);
	watcher_every_call(mon, t->proc);
}

void watch_add(struct emt_monitor *mon, struct thread *t, unsigned int which)
{
	struct proc *p = t->proc;
	struct sock_fprog prog = { 0 };
	int rc;

	which &= ~p->watched;
	if (which && mon->callwatch && !p->syscall_mode) {
		/* The watcher's entry for the process, instead of a filter. */
		p->watched |= which;
		watcher_add(mon, p);
		asynccalls_io_uring_meets_code(mon, t);
		return;
	}
	if (!which || !mon->use_seccomp || p->syscall_mode)
		return;
	for (unsigned int bit = 1; bit <= which; bit <<= 1) {
		if (!(which & bit))
			continue;
		rc = filter_build_watch(mon, bit, &prog);
		if (!rc)
			rc = inject_filter(mon, t, &prog);
		filter_free(&prog);
		if (rc) {
			stop_at_every_call(mon, t, rc);
			return;
		}
		p->watched |= bit;
	}
	asynccalls_io_uring_meets_code(mon, t);
}

void watch_everyone(struct emt_monitor *mon, struct thread *t, unsigned int which)
{
	pid_t pids[256];
	size_t n = 0;

	/* By pid first: stopping a process may handle events that change
	 * the list. */
	for (struct proc *p = mon->procs; p && n < 256; p = p->next)
		if ((p->watched & which) != which && !p->passive)
			pids[n++] = p->pid;
	for (size_t i = 0; i < n; i++) {
		struct proc *p = proc_find(mon, pids[i]);
		struct thread *actor = p ? borrow_thread_of(mon, p, t) : NULL;

		if (!actor)
			continue;
		watch_add(mon, actor, which);
		borrow_return(mon, actor, t);
	}
}
