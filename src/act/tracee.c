/* SPDX-License-Identifier: MIT */
/*
 * Small ptrace wrappers shared by the parts that drive a stopped thread.
 */
#include <errno.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "monitor.h"
#include "act/act.h"
#include "events/events.h"
#include "model/model.h"
#include "ptrace/pt.h"
#include "ptrace/procfs.h"

/* A lost thread's registers are another image's or thread's now. */
int thread_getregs(struct thread *t, arch_regs *regs)
{
	if (thread_lost(t))
		return -ESRCH;
	return pt_getregs(t->tid, regs);
}

int thread_setregs(struct thread *t, const arch_regs *regs)
{
	if (thread_lost(t))
		return -ESRCH;
	return pt_setregs(t->tid, regs);
}

void thread_exiting(struct emt_monitor *mon, struct thread *t)
{
	if (t->proc && t->proc->live_tid == t->tid)
		proc_pick_live_tid(mon, t->proc, t->tid);
	int rc = pt_cont(t->tid, 0);

	if (rc && rc != -ESRCH)
		emt_log(mon, EMT_LOG_WARN, "resume %d at its exit: %s", t->tid, strerror(-rc));
	t->state = THREAD_EXITING;
	thread_requeue(t);
}

void thread_resume(struct emt_monitor *mon, struct thread *t, int sig)
{
	int rc;

	if (thread_lost(t))
		return;
	/* Its call is handled first, as at the stop it met while emt drove
	 * it: the loop takes that stop again (stops_reap). */
	if (t->late_held) {
		thread_defer_stop(mon, t, W_STOPCODE(SIGSTOP));
		return;
	}
	if (!sig)
		sig = thread_take_signal(mon, t);
	/* After a seccomp stop only PTRACE_SYSCALL yields the syscall-exit
	 * stop the commit needs (ptrace(2), PTRACE_EVENT_SECCOMP). */
	if (t->call.op || mon->syscall_mode || (t->proc && t->proc->syscall_mode))
		rc = pt_syscall(t->tid, sig);
	else
		rc = pt_cont(t->tid, sig);
	if (rc && rc != -ESRCH)
		emt_log(mon, EMT_LOG_WARN, "resume %d: %s", t->tid, strerror(-rc));
	t->state = THREAD_RUNNING;
	thread_requeue(t);
}

/* Waits for one thread while emt drives it. Its death is only noted: the
 * callers up the stack still hold the thread, which is freed once the
 * stop that led here has been handled (stops_reap). */
int thread_wait_stop(struct emt_monitor *mon, struct thread *t, int *status)
{
	for (;;) {
		pid_t r = pt_wait(t->tid, status, __WALL);

		if (r >= 0 && WIFSTOPPED(*status)) {
			t->state = THREAD_STOPPED;
			t->stop_status = *status;
			return 0;
		}
		t->state = THREAD_DEAD;
		t->stop_status = r < 0 ? 0 : *status;
		mon->n_dead++;
		return -ESRCH;
	}
}

void thread_defer_stop(struct emt_monitor *mon, struct thread *t, int status)
{
	t->state = THREAD_DEFERRED;
	t->stop_status = status;
	mon->n_deferred++;
}
