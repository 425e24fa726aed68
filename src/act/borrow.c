/* SPDX-License-Identifier: MIT */
/*
 * Borrowing a thread of another traced process, to run calls in its
 * address space: another process's write (to a file, to /proc/PID/mem)
 * can change code that process runs, and emt must arm those pages before
 * the write lands, within the stop of the writer.
 *
 * The thread is brought to a stop where a remote call is safe: it is
 * interrupted (PTRACE_INTERRUPT), and whatever stop comes first keeps its
 * meaning: a syscall the thread was entering is put back to be made again
 * (the remote call would take its place), an exit is committed, a signal
 * is kept for delivery, a fault is dropped (the instruction faults again),
 * an event is handled as usual before trying again.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "monitor.h"
#include "act/act.h"
#include "ptrace/pt.h"

#define SETTLE_TRIES 8

/* A syscall stop: made again later, or committed. */
static void settle_syscall(struct emt_monitor *mon, struct thread *t)
{
	struct __ptrace_syscall_info info;
	arch_regs regs;

	if (pt_syscall_info(t->tid, &info))
		return;
	if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
		if (t->call.op)
			mon->up.commit_call(mon, t, info.exit.rval);
		return;
	}
	if (thread_getregs(t, &regs) == 0) {
		arch_rewind_syscall(&regs);
		thread_setregs(t, &regs);
	}
}

/* A signal-delivery-stop: a fault recurs when the instruction runs again;
 * anything else is kept for delivery. */
static void settle_signal(struct emt_monitor *mon, struct thread *t, int sig)
{
	siginfo_t si;
	arch_regs regs;
	bool has = thread_stop_siginfo(t, sig, &si);
	bool fault = has && si.si_code > 0 && sig != SIGTRAP &&
		     thread_getregs(t, &regs) == 0 && arch_at_fault(&regs);

	if (!fault)
		thread_keep_siginfo(mon, t, &si, has);
}

/* Whether t, stopped with status, can run calls now. */
static bool usable(struct emt_monitor *mon, struct thread *t, int status)
{
	t->state = THREAD_STOPPED;
	t->stop_status = status;
	switch (pt_stop_of(status)) {
	case STOP_EVENT_STOP:
		return true;
	case STOP_SYSCALL:
	case STOP_SECCOMP:
		settle_syscall(mon, t);
		return true;
	case STOP_SIGNAL:
		settle_signal(mon, t, WSTOPSIG(status));
		return true;
	default:
		mon->up.handle_stop(mon, t->tid, status);
		return false;
	}
}

static int stop_one(struct emt_monitor *mon, struct thread *t, int *status)
{
	if (t->batch_pending) {
		t->batch_pending = false;
		*status = t->batch_status;
		if (WIFSTOPPED(*status))
			return 0;
		t->state = THREAD_DEAD;
		t->stop_status = *status;
		mon->n_dead++;
		return -ESRCH;
	}
	if (t->state == THREAD_STOPPED) {
		*status = t->stop_status;
		return 0;
	}
	if (t->state != THREAD_RUNNING && t->state != THREAD_LISTENING)
		return -ESRCH;
	pt_interrupt(t->tid);
	return thread_wait_stop(mon, t, status);
}

static int settle(struct emt_monitor *mon, struct thread *t)
{
	int status;

	for (int i = 0; i < SETTLE_TRIES; i++) {
		if (stop_one(mon, t, &status))
			return -ESRCH;
		if (usable(mon, t, status))
			return 0;
	}
	return -EAGAIN;
}

struct thread *borrow_thread(struct emt_monitor *mon, struct proc *p,
			     struct thread *self)
{
	if (self && self->proc->mm == p->mm)
		return self;
	for_each_thread(mon, t)
		if (t->proc && t->proc->mm == p->mm && t != self &&
		    settle(mon, t) == 0)
			return t;
	return NULL;
}

struct thread *borrow_thread_of(struct emt_monitor *mon, struct proc *p,
				struct thread *self)
{
	if (self && self->proc == p)
		return self;
	for_each_thread(mon, t)
		if (t->proc == p && t != self && settle(mon, t) == 0)
			return t;
	return NULL;
}

void borrow_return(struct emt_monitor *mon, struct thread *t, struct thread *self)
{
	if (t == self || t->state != THREAD_STOPPED)
		return;
	if (pt_is_group_stop(t->stop_status) && pt_listen(t->tid) == 0) {
		t->state = THREAD_LISTENING;
		return;
	}
	thread_resume(mon, t, 0);
}
