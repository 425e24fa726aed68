/* SPDX-License-Identifier: MIT */
/*
 * Attach mode: seize every thread, stop them all, arm the W+X pages the
 * process already has, resume them stopping at every syscall (a filter
 * cannot be installed into a running process). Detach: stop every thread,
 * put every page back to what the program asked for, remove the
 * trampoline, detach with pending signals delivered.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "loop/loop.h"
#include "model/model.h"
#include "ptrace/procfs.h"
#include "ptrace/pt.h"
#include "decide/stealth.h"

/* TRACEEXIT: a thread about to exit stops once, so emt knows it will
 * never stop again (a leader that exits before the others is a zombie whose
 * death is only reported once they are gone). */
#define ATTACH_OPTIONS                                                         \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |    \
	 PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT)

/* The leader refused to be seized: it is a zombie when its thread
 * called pthread_exit while others run on (ptrace_attach() refuses a task
 * with an exit_state, EPERM): the process is still pid, reached through
 * its live threads, as strace does. Any other refusal is the error. */
static int leader_refused(struct emt_monitor *mon, struct proc *p, int err)
{
	if (procfs_state(p->pid) != 'Z')
		return err == ESRCH ? -ESRCH : tracee_seize_error(mon, p->pid, err);
	emt_log(mon, EMT_LOG_INFO, "%d: the main thread has exited; attaching to the others",
		p->pid);
	return 0;
}

static int seize_one(struct emt_monitor *mon, struct proc *p, pid_t tid)
{
	struct thread *t;

	int rc;

	mon->ptrace_options = ATTACH_OPTIONS;
	rc = pt_seize(tid, ATTACH_OPTIONS);
	if (rc) {
		if (tid == p->pid)
			return leader_refused(mon, p, -rc);
		if (rc == -ESRCH)
			return 0; /* exited meanwhile */
		/* A thread another tracer holds would run unseen. */
		return tracee_seize_error(mon, tid, -rc);
	}
	t = thread_add(mon, tid, p);
	if (!t) {
		pt_detach(tid, 0);
		return -ENOMEM;
	}
	t->state = THREAD_RUNNING;
	if (p->live_tid == p->pid && tid != p->pid && !thread_find(mon, p->pid))
		p->live_tid = tid;
	pt_interrupt(tid);
	return 1;
}

struct seizing {
	struct emt_monitor *mon;
	struct proc *p;
	int added;
};

static int seize_task(pid_t tid, void *ctx)
{
	struct seizing *s = ctx;
	int rc;

	if (thread_find(s->mon, tid))
		return 0;
	rc = seize_one(s->mon, s->p, tid);
	if (rc > 0)
		s->added += rc;
	return rc;
}

/* Seize every thread of p; returns how many were new, or -errno when one
 * that is still there cannot be seized. */
static int seize_tasks(struct emt_monitor *mon, struct proc *p)
{
	struct seizing s = { mon, p, 0 };
	int rc = procfs_each_task(p->pid, seize_task, &s);

	if (rc < 0)
		return rc;
	if (s.added == 0 && p->n_threads == 0)
		return -ESRCH; /* only a zombie leader left */
	return s.added;
}

static bool any_running(struct emt_monitor *mon)
{
	for_each_thread(mon, t)
		if (t->state == THREAD_RUNNING)
			return true;
	return false;
}

/* After a stop handled in full (an event), every thread it left running,
 * the child it started included, is to stop too. Interrupting a thread
 * twice before it stops yields one stop. */
static void interrupt_running(struct emt_monitor *mon)
{
	for_each_thread(mon, t)
		if (t->state == THREAD_RUNNING)
			pt_interrupt(t->tid);
}

/* One stop of an interrupted thread: it is settled in a stop emt can work
 * in. A signal met first is kept for delivery; a group-stop is
 * remembered. A clone, fork or exec event met first is handled (the child
 * is tracked) and the thread interrupted again; one at its exit is let go. */
static void settle_stop(struct emt_monitor *mon, struct thread *t, int status)
{
	t->state = THREAD_STOPPED;
	t->stop_status = status;
	switch (pt_stop_of(status)) {
	case STOP_EXIT:
		thread_exiting(mon, t);
		break;
	case STOP_CLONE:
	case STOP_EXEC:
		stops_handle(mon, t->tid, status);
		interrupt_running(mon);
		break;
	case STOP_SIGNAL:
		thread_keep_signal(mon, t, WSTOPSIG(status));
		t->expect_attach_stop = true; /* the interrupt is still due */
		break;
	case STOP_EVENT_STOP:
		t->expect_attach_stop = false;
		break;
	default:
		break;
	}
}

/* Settling and detaching wait until no traced thread runs. One
 * waitpid(-1) for all (loop_wait): waiting for one thread at a time would
 * wait for ever on a leader that exits meanwhile, whose death is only
 * reported once its traced threads have been reaped (ptrace(2), "Death
 * under ptrace"). */
static bool any_running_ctx(struct emt_monitor *mon, void *ctx)
{
	(void)ctx;
	return any_running(mon);
}

static void settle_status(struct emt_monitor *mon, pid_t tid, int status)
{
	struct thread *t = thread_find(mon, tid);

	if (t && t->proc && t->state == THREAD_RUNNING && WIFSTOPPED(status)) {
		settle_stop(mon, t, status);
	} else {
		stops_handle(mon, tid, status);
		interrupt_running(mon);
	}
	stops_reap(mon);
}

/* Wait until every seized thread is stopped, exiting or gone. */
static void settle_all(struct emt_monitor *mon)
{
	loop_wait(mon, any_running_ctx, settle_status, NULL);
}

static void resume_settled(struct emt_monitor *mon, struct thread *t)
{
	if (pt_is_group_stop(t->stop_status)) {
		if (pt_listen(t->tid) == 0)
			t->state = THREAD_LISTENING;
		return;
	}
	thread_resume(mon, t, 0);
}

/* The thread group of pid: a thread's id names its whole process. */
static pid_t tgid_of(pid_t pid)
{
	long tgid = procfs_status_field(pid, "Tgid");

	return tgid > 0 ? (pid_t)tgid : pid;
}

/* Seize and settle every thread of p; the thread emt works in, or NULL
 * and *rc. */
static struct thread *seize_all(struct emt_monitor *mon, struct proc *p, int *rc)
{
	struct thread *worker;

	*rc = seize_tasks(mon, p);
	if (*rc < 0)
		return NULL;
	/* Threads created while seizing were either auto-attached by a
	 * seized parent or show up in a second listing. */
	while ((*rc = seize_tasks(mon, p)) > 0)
		;
	if (*rc == -ESRCH && p->n_threads > 0)
		*rc = 0; /* the threads seized first are gone: settle tells */
	if (*rc < 0)
		return NULL;
	settle_all(mon);
	/* The process may have exited meanwhile (p is freed then). */
	p = proc_find(mon, mon->main_pid);
	worker = p ? proc_worker(mon, p) : NULL;
	*rc = worker ? 0 : -ESRCH;
	return worker;
}

/* A failed attach leaves nothing behind: what was seized is detached, as
 * it was. */
static int attach_failed(struct emt_monitor *mon, int rc)
{
	tracee_detach_all(mon);
	return rc;
}

int tracee_attach(struct emt_monitor *mon)
{
	pid_t pid = tgid_of(mon->opts.pid);
	struct mm_space *mm = mm_new();
	struct proc *p = mm ? proc_add(mon, pid, mm) : NULL;
	struct thread *worker;
	int rc;

	if (!p) {
		mm_put(mm);
		return -ENOMEM;
	}
	mon->main_pid = pid;
	mon->since_ns = procfs_start_ns(pid);
	/* Loaded first, each process watched once all its threads are held:
	 * a thread emt does not trace is never stopped for a call. */
	watcher_start(mon);
	worker = seize_all(mon, p, &rc);
	if (!worker)
		return attach_failed(mon, rc);
	watcher_add(mon, worker->proc);
	if (!worker->proc->mm->tramp) /* else an exec met while settling made it */
		tramp_create(mon, worker);
	written_scan_fds(mon, worker);
	stealth_scan_fds(mon, worker);
	for_each_thread(mon, t)
		if (t->proc == p && t->state == THREAD_STOPPED)
			proccalls_take_persona(mon, t);
	p->own_filter = procfs_status_field(worker->tid, "Seccomp_filters") > 0;
	sweep(mon, worker, true);
	event_process(mon, pid, 0, EMT_PROCESS_START, 0);
	for_each_thread(mon, t)
		if (t->state == THREAD_STOPPED)
			resume_settled(mon, t);
	return 0;
}

/* A signal met while detaching is kept for delivery, unless it is an emt
 * fault (a fault's signal, not one the program sent itself with a fault's
 * si_code, arch_fault_regs): that needs no delivery, the instruction
 * succeeds once the protections are restored. */
static void keep_unless_ours(struct emt_monitor *mon, struct thread *t, int sig)
{
	siginfo_t si;
	arch_regs regs;
	bool ours = pt_getsiginfo(t->tid, &si) == 0 && faults_on_tracked(t, &si) &&
		    thread_getregs(t, &regs) == 0 && arch_fault_regs(&regs);

	if (!ours)
		thread_keep_signal(mon, t, sig);
}

/* Detaching: bring every thread to a stop where a remote call is safe. */
static void detach_stop(struct emt_monitor *mon, pid_t tid, int status)
{
	struct thread *t = thread_find(mon, tid);
	enum pt_stop kind = pt_stop_of(status);
	struct __ptrace_syscall_info info;

	if (kind == STOP_GONE || !t || !t->proc) {
		stops_handle(mon, tid, status);
		return;
	}
	t->state = THREAD_STOPPED;
	t->stop_status = status;
	switch (kind) {
	case STOP_EXIT:
		thread_exiting(mon, t); /* never stops again */
		break;
	case STOP_SYSCALL:
		if (pt_syscall_info(t->tid, &info))
			break;
		if (info.op == PTRACE_SYSCALL_INFO_EXIT && t->call.op)
			syscalls_commit(mon, t, info.exit.rval);
		if (info.op != PTRACE_SYSCALL_INFO_EXIT)
			thread_resume(mon, t, 0); /* run to the exit stop */
		break;
	case STOP_CLONE:
	case STOP_EXEC:
		stops_handle(mon, tid, status); /* tracks the child, resumes */
		interrupt_running(mon);
		break;
	case STOP_SIGNAL:
		if (WSTOPSIG(status) == SIGSTOP && late_take(mon, t))
			break;
		if (WSTOPSIG(status) != SIGTRAP)
			keep_unless_ours(mon, t, WSTOPSIG(status));
		break;
	default:
		break;
	}
}

static void detach_status(struct emt_monitor *mon, pid_t tid, int status)
{
	struct thread *t;

	detach_stop(mon, tid, status);
	stops_reap(mon);
	t = thread_find(mon, tid);
	if (t && t->state == THREAD_RUNNING)
		pt_interrupt(tid);
}

static void wait_all_stopped(struct emt_monitor *mon)
{
	loop_wait(mon, any_running_ctx, detach_status, NULL);
}

/* A thread interrupted just after it faulted on a page emt stripped still
 * has emt's SIGSEGV queued: the interrupt trap is taken before signals are
 * dequeued (get_signal() in kernel/signal.c). Detached like that, the
 * program would die of it. PTRACE_PEEKSIGINFO reads the thread's private
 * queue without dequeuing.
 */
static bool own_fault_queued(struct emt_monitor *mon, const struct thread *t)
{
	siginfo_t queued[8];
	int n = pt_peeksiginfo(t->tid, queued, 8);

	for (int i = 0; i < n; i++)
		if (faults_on_tracked(t, &queued[i]))
			return true;
	/* The call watcher's SIGSTOP: the call's commit is still to come. */
	return watcher_pending(mon, t);
}

/* Resumes the threads with emt's SIGSEGV queued: a synchronous signal is
 * dequeued before the thread returns to user mode, so each stops at its
 * signal-delivery-stop, where detach_stop drops it. */
static int resume_own_faults(struct emt_monitor *mon)
{
	int n = 0;

	for_each_thread(mon, t) {
		if (t->state != THREAD_STOPPED || !t->proc || !own_fault_queued(mon, t))
			continue;
		if (pt_cont(t->tid, 0) == 0) {
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
			pt_interrupt(t->tid);
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
	struct thread *worker;

	for_each_thread(mon, t) {
		if (t->proc != p || t->state != THREAD_STOPPED)
			continue;
		inject_leave_tramp(mon, t);
		proccalls_give_back_persona(mon, t);
	}
	worker = proc_worker(mon, p);
	if (!worker)
		return;
	inject_restore_asked(mon, worker);
	if (p->mm->refs == 1)
		tramp_remove(mon, worker);
}

int tracee_detach_all(struct emt_monitor *mon)
{
	/* No new stop for a call; those sent already are taken (stop_all). */
	for (struct proc *p = mon->procs; p; p = p->next)
		watcher_remove(mon, p);
	stop_all(mon);
	for (struct proc *p = mon->procs; p; p = p->next)
		restore_proc(mon, p);
	for_each_thread(mon, t) {
		int sig = thread_take_signal(mon, t);

		pt_detach(t->tid, sig);
		thread_requeue(t);
		thread_remove(mon, t);
	}
	while (mon->procs)
		stops_forget_proc(mon, mon->procs);
	return 0;
}

void tracee_kill_all(struct emt_monitor *mon)
{
	for (struct proc *p = mon->procs; p; p = p->next)
		kill(p->pid, SIGKILL);
	/* Children held for their parent's event belong to no process yet. */
	for_each_thread(mon, t)
		if (!t->proc)
			kill(t->tid, SIGKILL);
}
