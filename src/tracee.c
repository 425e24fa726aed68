/* SPDX-License-Identifier: MIT */
/*
 * Small ptrace wrappers shared by the parts that drive a stopped thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "internal.h"
#include "procfs.h"

/* A lost thread's registers are another image's or thread's now. */
int thread_getregs(struct thread *t, arch_regs *regs)
{
	if (thread_lost(t))
		return -ESRCH;
	return ptrace(PTRACE_GETREGS, t->tid, 0, regs) < 0 ? -errno : 0;
}

int thread_setregs(struct thread *t, const arch_regs *regs)
{
	if (thread_lost(t))
		return -ESRCH;
	return ptrace(PTRACE_SETREGS, t->tid, 0, regs) < 0 ? -errno : 0;
}

void thread_exiting(struct emt_monitor *mon, struct thread *t)
{
	if (t->proc && t->proc->live_tid == t->tid)
		proc_pick_live_tid(mon, t->proc, t->tid);
	if (ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 && errno != ESRCH)
		emt_log(mon, EMT_LOG_WARN, "resume %d at its exit: %m", t->tid);
	t->state = THREAD_EXITING;
	thread_requeue(t);
}

void thread_resume(struct emt_monitor *mon, struct thread *t, int sig)
{
	enum __ptrace_request req = PTRACE_CONT;

	if (thread_lost(t))
		return;
	if (!sig)
		sig = thread_take_signal(mon, t);
	/* After a seccomp stop only PTRACE_SYSCALL yields the syscall-exit
	 * stop the commit needs (ptrace(2), PTRACE_EVENT_SECCOMP). */
	if (t->call.op || mon->syscall_mode || (t->proc && t->proc->syscall_mode))
		req = PTRACE_SYSCALL;
	if (ptrace(req, t->tid, 0, (long)sig) < 0 && errno != ESRCH)
		emt_log(mon, EMT_LOG_WARN, "resume %d: %m", t->tid);
	t->state = THREAD_RUNNING;
	thread_requeue(t);
}

/* The name of a process as /proc/PID/comm gives it, "?" when gone. */
static void comm_of(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f || !fgets(buf, (int)size, f))
		snprintf(buf, size, "?");
	else
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
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
	comm_of((pid_t)tracer, comm, sizeof(comm));
	emt_log(mon, EMT_LOG_INFO, "cannot trace %d: it is already traced by process %ld (%s)",
		pid, tracer, comm);
	return -EBUSY;
}
