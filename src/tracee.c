/* SPDX-License-Identifier: MIT */
/*
 * Small ptrace wrappers shared by the parts that drive a stopped thread.
 */
#include <errno.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "internal.h"

int thread_getregs(struct thread *t, arch_regs *regs)
{
	return ptrace(PTRACE_GETREGS, t->tid, 0, regs) < 0 ? -errno : 0;
}

int thread_setregs(struct thread *t, const arch_regs *regs)
{
	return ptrace(PTRACE_SETREGS, t->tid, 0, regs) < 0 ? -errno : 0;
}

/* A signal saved while emt was using the thread replaces a suppressed one:
 * PTRACE_SETSIGINFO makes the kernel deliver it with its original siginfo
 * rather than the one of the stop we resume from (ptrace(2)). */
static int take_saved_signal(struct thread *t)
{
	int sig = t->deliver_sig;

	if (!sig)
		return 0;
	if (t->has_siginfo)
		ptrace(PTRACE_SETSIGINFO, t->tid, 0, &t->saved_siginfo);
	t->deliver_sig = 0;
	t->has_siginfo = false;
	return sig;
}

void thread_resume(struct emt_monitor *mon, struct thread *t, int sig)
{
	enum __ptrace_request req = PTRACE_CONT;

	if (t->state == THREAD_DEAD)
		return;
	if (!sig)
		sig = take_saved_signal(t);
	/* After a seccomp stop only PTRACE_SYSCALL yields the syscall-exit
	 * stop the commit needs (ptrace(2), PTRACE_EVENT_SECCOMP). */
	if (t->call.nr || mon->syscall_mode)
		req = PTRACE_SYSCALL;
	if (ptrace(req, t->tid, 0, (long)sig) < 0 && errno != ESRCH)
		emt_log(mon, EMT_LOG_WARN, "resume %d: %m", t->tid);
	t->state = THREAD_RUNNING;
}
