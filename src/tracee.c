/* SPDX-License-Identifier: MIT */
/*
 * Small ptrace wrappers shared by the parts that drive a stopped thread.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
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

/* A signal beyond the one deliverable with its siginfo. Past the bound
 * (a thread stopped for longer than it takes 32 signals to arrive) a
 * standard signal already waiting is not kept twice, as the kernel would
 * not queue it twice either. */
static void add_requeue(struct thread *t, int sig)
{
	for (int i = 0; t->n_requeue == THREAD_REQUEUE_MAX && i < t->n_requeue; i++)
		if (t->requeue[i] == sig)
			return;
	if (t->n_requeue < THREAD_REQUEUE_MAX)
		t->requeue[t->n_requeue++] = (uint8_t)sig;
}

void thread_keep_signal(struct thread *t, int sig)
{
	if (t->deliver_sig) {
		add_requeue(t, sig);
		return;
	}
	t->deliver_sig = sig;
	t->has_siginfo = ptrace(PTRACE_GETSIGINFO, t->tid, 0, &t->saved_siginfo) == 0;
}

void thread_deliver_first(struct thread *t, const siginfo_t *si)
{
	if (t->deliver_sig)
		add_requeue(t, t->deliver_sig);
	t->deliver_sig = si->si_signo;
	t->saved_siginfo = *si;
	t->has_siginfo = true;
}

/* Sending a kept signal while emt still drives the thread would have the
 * next PTRACE_SINGLESTEP dequeue it at once, for ever: they wait in
 * t->requeue until the thread runs. Their siginfo becomes tgkill's. */
void thread_requeue(struct thread *t)
{
	for (int i = 0; i < t->n_requeue; i++)
		tgkill(t->proc ? t->proc->pid : t->tid, t->tid, t->requeue[i]);
	t->n_requeue = 0;
}

/* Whether t's stop takes a signal to deliver on resume: only a
 * signal-delivery-stop does; at an event or syscall stop the kernel
 * ignores it (ptrace(2), "Signal injection and suppression"). */
static bool at_signal_stop(const struct thread *t)
{
	int st = t->stop_status;

	return WIFSTOPPED(st) && (st >> 16) == 0 && WSTOPSIG(st) != (SIGTRAP | 0x80);
}

/* A signal saved while emt was using the thread replaces a suppressed one:
 * PTRACE_SETSIGINFO makes the kernel deliver it with its original siginfo
 * rather than the one of the stop we resume from (ptrace(2)). */
int thread_take_signal(struct thread *t)
{
	int sig = t->deliver_sig;

	if (!sig)
		return 0;
	if (!at_signal_stop(t)) {
		add_requeue(t, sig);
		sig = 0;
	} else if (t->has_siginfo) {
		ptrace(PTRACE_SETSIGINFO, t->tid, 0, &t->saved_siginfo);
	}
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
		sig = thread_take_signal(t);
	/* After a seccomp stop only PTRACE_SYSCALL yields the syscall-exit
	 * stop the commit needs (ptrace(2), PTRACE_EVENT_SECCOMP). */
	if (t->call.nr || mon->syscall_mode)
		req = PTRACE_SYSCALL;
	if (ptrace(req, t->tid, 0, (long)sig) < 0 && errno != ESRCH)
		emt_log(mon, EMT_LOG_WARN, "resume %d: %m", t->tid);
	t->state = THREAD_RUNNING;
	thread_requeue(t);
}
