/* SPDX-License-Identifier: MIT */
/*
 * Small ptrace wrappers shared by the parts that drive a stopped thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "internal.h"
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

int tracee_seize_error(struct emt_monitor *mon, pid_t pid, int err)
{
	long tracer;
	char comm[32];

	/* A process has one tracer: a second PTRACE_SEIZE fails with EPERM
	 * (ptrace_attach(): "if (task->ptrace) goto unlock"), the same errno
	 * as a refusal. TracerPid tells the two apart. */
	if (err != EPERM)
		return -err;
	tracer = procfs_status_field(pid, "TracerPid");
	if (tracer <= 0)
		return -EPERM;
	procfs_comm((pid_t)tracer, comm, sizeof(comm));
	emt_log(mon, EMT_LOG_INFO, "cannot trace %d: it is already traced by process %ld (%s)",
		pid, tracer, comm);
	return -EBUSY;
}
