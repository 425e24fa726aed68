/* SPDX-License-Identifier: MIT */
/*
 * Attach mode: seize every thread, stop them all, arm the W+X pages the
 * process already has, resume them stopping at every syscall (a filter
 * cannot be installed into a running process). Detach: stop every thread,
 * put every page back to what the program asked for, remove the
 * trampoline, detach with pending signals delivered.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "procfs.h"

#define ATTACH_OPTIONS                                                         \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |    \
	 PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC)

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* Seize every thread listed in /proc/PID/task; returns how many were new,
 * or -errno when one that is still there cannot be seized. */
static int seize_tasks(struct emt_monitor *mon, struct proc *p)
{
	char path[64];
	struct dirent *d;
	int added = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", p->pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((d = readdir(dir))) {
		pid_t tid = (pid_t)atoi(d->d_name);

		if (tid <= 0 || thread_find(mon, tid))
			continue;
		if (ptrace(PTRACE_SEIZE, tid, 0, ATTACH_OPTIONS) < 0) {
			if (errno == ESRCH && tid != p->pid)
				continue; /* exited meanwhile */
			/* A thread another tracer holds would run unseen. */
			added = errno == ESRCH ? -ESRCH : tracee_seize_error(mon, tid, errno);
			break;
		}
		struct thread *t = thread_add(mon, tid, p);
		if (!t) {
			added = -ENOMEM;
			break;
		}
		t->state = THREAD_RUNNING;
		ptrace(PTRACE_INTERRUPT, tid, 0, 0);
		added++;
	}
	closedir(dir);
	return added;
}

/* Bring one interrupted thread to a stop emt can work in. A signal met
 * first is kept for delivery; a group-stop is remembered. */
static void settle_thread(struct emt_monitor *mon, struct thread *t)
{
	int status;

	if (stops_wait_thread(mon, t, &status))
		return;
	int sig = WSTOPSIG(status), event = status >> 16;

	if (event == 0 && sig != (SIGTRAP | 0x80)) {
		thread_keep_signal(mon, t, sig);
		t->expect_attach_stop = true; /* the interrupt is still due */
	} else if (event == PTRACE_EVENT_STOP && is_stop_signal(sig)) {
		t->stop_status = status;
	}
}

static void resume_settled(struct emt_monitor *mon, struct thread *t)
{
	if (WIFSTOPPED(t->stop_status) && (t->stop_status >> 16) == PTRACE_EVENT_STOP &&
	    is_stop_signal(WSTOPSIG(t->stop_status))) {
		if (ptrace(PTRACE_LISTEN, t->tid, 0, 0) == 0)
			t->state = THREAD_LISTENING;
		return;
	}
	thread_resume(mon, t, 0);
}

/* The thread group of pid: a thread's id names its whole process. */
static pid_t tgid_of(pid_t pid)
{
	char path[64], line[128];
	pid_t tgid = pid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return pid;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

int tracee_attach(struct emt_monitor *mon)
{
	pid_t pid = tgid_of(mon->opts.pid);
	struct mm_space *mm = mm_new();
	struct proc *p = mm ? proc_add(mon, pid, mm) : NULL;
	struct thread *leader;
	int rc;

	if (!p) {
		mm_put(mm);
		return -ENOMEM;
	}
	mon->main_pid = pid;
	mon->syscall_mode = true;
	mon->since_ns = procfs_start_ns(pid);
	rc = seize_tasks(mon, p);
	if (rc < 0)
		return rc;
	/* Threads created while seizing were either auto-attached by a
	 * seized parent or show up in a second listing. */
	while ((rc = seize_tasks(mon, p)) > 0)
		;
	for_each_thread(mon, t)
		if (t->state == THREAD_RUNNING)
			settle_thread(mon, t);
	stops_reap(mon);
	leader = thread_find(mon, p->pid);
	if (!leader)
		return -ESRCH;
	tramp_create(mon, leader);
	written_scan_fds(mon, p->pid);
	sweep(mon, leader, true);
	event_process(mon, p->pid, 0, EMT_PROCESS_START, 0);
	for_each_thread(mon, t)
		if (t->state == THREAD_STOPPED)
			resume_settled(mon, t);
	return 0;
}

/* Detaching: bring every thread to a stop where a remote call is safe. */
static void detach_stop(struct emt_monitor *mon, pid_t tid, int status)
{
	struct thread *t = thread_find(mon, tid);
	struct __ptrace_syscall_info info;
	int sig = WSTOPSIG(status), event = status >> 16;

	if (!WIFSTOPPED(status) || !t || !t->proc) {
		stops_handle(mon, tid, status);
		return;
	}
	t->state = THREAD_STOPPED;
	t->stop_status = status;
	if (sig == (SIGTRAP | 0x80) &&
	    ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(info), &info) > 0) {
		if (info.op == PTRACE_SYSCALL_INFO_EXIT && t->call.op)
			syscalls_commit(mon, t, info.exit.rval);
		if (info.op != PTRACE_SYSCALL_INFO_EXIT)
			thread_resume(mon, t, 0); /* run to the exit stop */
	} else if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK ||
		   event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_EXEC) {
		stops_handle(mon, tid, status); /* tracks the child, resumes */
		ptrace(PTRACE_INTERRUPT, tid, 0, 0);
	} else if (event == 0 && sig != SIGTRAP) {
		siginfo_t si;
		bool ours = ptrace(PTRACE_GETSIGINFO, tid, 0, &si) == 0 &&
			    faults_on_tracked(t, &si);
		/* An emt fault needs no delivery: the instruction succeeds
		 * once the protections are restored. */
		if (!ours)
			thread_keep_signal(mon, t, sig);
	}
}

static bool any_running(struct emt_monitor *mon)
{
	for_each_thread(mon, t)
		if (t->state == THREAD_RUNNING)
			return true;
	return false;
}

static void wait_all_stopped(struct emt_monitor *mon)
{
	int status;
	pid_t tid;

	while (any_running(mon)) {
		tid = waitpid(-1, &status, __WALL | __WNOTHREAD);
		if (tid < 0 && errno == EINTR)
			continue;
		if (tid < 0)
			break;
		if (waker_report(mon, tid, status))
			continue;
		detach_stop(mon, tid, status);
		stops_reap(mon);
		struct thread *t = thread_find(mon, tid);
		if (t && t->state == THREAD_RUNNING)
			ptrace(PTRACE_INTERRUPT, tid, 0, 0);
	}
}

/* A thread interrupted just after it faulted on a page emt stripped still
 * has emt's SIGSEGV queued: the interrupt trap is taken before signals are
 * dequeued (get_signal() in kernel/signal.c). Detached like that, the
 * program would die of it. PTRACE_PEEKSIGINFO reads the thread's private
 * queue without dequeuing.
 */
static bool own_fault_queued(const struct thread *t)
{
	struct __ptrace_peeksiginfo_args args = { .off = 0, .flags = 0, .nr = 8 };
	siginfo_t queued[8];
	long n = ptrace(PTRACE_PEEKSIGINFO, t->tid, &args, queued);

	for (long i = 0; i < n; i++)
		if (faults_on_tracked(t, &queued[i]))
			return true;
	return false;
}

/* Resumes the threads with emt's SIGSEGV queued: a synchronous signal is
 * dequeued before the thread returns to user mode, so each stops at its
 * signal-delivery-stop, where detach_stop drops it. */
static int resume_own_faults(struct emt_monitor *mon)
{
	int n = 0;

	for_each_thread(mon, t) {
		if (t->state != THREAD_STOPPED || !t->proc || !own_fault_queued(t))
			continue;
		if (ptrace(PTRACE_CONT, t->tid, 0, 0) == 0) {
			t->state = THREAD_RUNNING;
			n++;
		}
	}
	return n;
}

static void stop_all(struct emt_monitor *mon)
{
	for_each_thread(mon, t)
		if (t->state == THREAD_RUNNING || t->state == THREAD_LISTENING)
			ptrace(PTRACE_INTERRUPT, t->tid, 0, 0);
	/* Each round drops at least one queued SIGSEGV; a thread cannot
	 * queue a new one while stopped. The bound only guards a kernel
	 * that reports otherwise. */
	for (int round = 0; round < 16; round++) {
		wait_all_stopped(mon);
		if (!resume_own_faults(mon))
			break;
	}
}

static void restore_proc(struct emt_monitor *mon, struct proc *p)
{
	struct thread *worker = NULL;

	for_each_thread(mon, t) {
		if (t->proc != p)
			continue;
		inject_leave_tramp(mon, t);
		if (!worker)
			worker = t;
	}
	if (!worker)
		return;
	inject_restore_asked(mon, worker);
	if (p->mm->refs == 1)
		tramp_remove(mon, worker);
}

int tracee_detach_all(struct emt_monitor *mon)
{
	stop_all(mon);
	for (struct proc *p = mon->procs; p; p = p->next)
		restore_proc(mon, p);
	for_each_thread(mon, t) {
		int sig = thread_take_signal(mon, t);

		ptrace(PTRACE_DETACH, t->tid, 0, (long)sig);
		thread_requeue(t);
		thread_remove(mon, t);
	}
	while (mon->procs)
		proc_remove(mon, mon->procs);
	return 0;
}

void tracee_kill_all(struct emt_monitor *mon)
{
	for (struct proc *p = mon->procs; p; p = p->next)
		kill(p->pid, SIGKILL);
}
