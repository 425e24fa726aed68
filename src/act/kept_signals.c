/* SPDX-License-Identifier: MIT */
/*
 * Signals met while emt drives a stopped thread. Every single-step and
 * remote call resumes the thread for an instant, and the kernel dequeues a
 * pending signal into a signal-delivery-stop before the instruction runs
 * (get_signal() in kernel/signal.c). None may be lost, none delivered
 * twice, and a synchronous one (a fault, an int3) must arrive with its own
 * siginfo.
 *
 * The first kept signal is re-injected when the thread is resumed from a
 * signal-delivery-stop, with its siginfo (PTRACE_SETSIGINFO); a kernel-made
 * one (si_code > 0) takes that place before one sent by a process. Any
 * other waits in the thread until it runs, then is sent again: with
 * rt_tgsigqueueinfo and its own siginfo where the kernel accepts that from
 * another process (si_code < 0 but not SI_TKILL), else with tgkill. Sent
 * while emt still steps the thread, it would be dequeued again by the next
 * step, for ever.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"
#include "act/act.h"
#include "events/events.h"
#include "ptrace/callwatch.h"
#include "ptrace/pt.h"

static bool from_kernel(const siginfo_t *si)
{
	return si->si_code > 0;
}

/* A fault the kernel raised for an instruction: it is raised again when
 * the instruction runs again. */
static bool is_fault(const siginfo_t *si)
{
	return from_kernel(si) && (si->si_signo == SIGSEGV || si->si_signo == SIGBUS ||
				   si->si_signo == SIGILL || si->si_signo == SIGFPE);
}

/* Room for one more kept signal: false when there is none. */
static bool requeue_room(struct thread *t)
{
	siginfo_t *grown;
	int cap;

	if (t->n_requeue < t->cap_requeue)
		return true;
	if (t->cap_requeue >= THREAD_REQUEUE_MAX)
		return false;
	cap = t->cap_requeue ? t->cap_requeue * 2 : 16;
	grown = realloc(t->requeue, (size_t)cap * sizeof(*grown));
	if (!grown)
		return false;
	t->requeue = grown;
	t->cap_requeue = cap;
	return true;
}

/* A standard signal pending twice is pending once (the kernel does not
 * queue it twice either); a real-time one is queued as often as it came,
 * as the kernel would while the thread did not run. */
static void add_requeue(struct emt_monitor *mon, struct thread *t, const siginfo_t *si)
{
	for (int i = 0; si->si_signo < SIGRTMIN && i < t->n_requeue; i++)
		if (t->requeue[i].si_signo == si->si_signo)
			return;
	if (!requeue_room(t)) {
		emt_log(mon, EMT_LOG_WARN, "signal %d of %d lost: %d arrived while emt held it",
			si->si_signo, t->tid, t->n_requeue);
		return;
	}
	t->requeue[t->n_requeue++] = *si;
}

static void set_first(struct thread *t, const siginfo_t *si, bool has_siginfo)
{
	t->deliver_sig = si->si_signo;
	t->saved_siginfo = *si;
	t->has_siginfo = has_siginfo;
}

bool thread_stop_siginfo(const struct thread *t, int sig, siginfo_t *si)
{
	if (pt_getsiginfo(t->tid, si) == 0)
		return true;
	memset(si, 0, sizeof(*si));
	si->si_signo = sig;
	si->si_code = SI_USER;
	return false;
}

/* The call watcher's SIGSTOP (sent by the kernel, its call recorded):
 * never delivered, since a stop signal delivered stops the process. */
static bool watcher_stop(struct emt_monitor *mon, const struct thread *t,
			 const siginfo_t *si, bool has_siginfo)
{
	return has_siginfo && si->si_signo == SIGSTOP && from_kernel(si) &&
	       mon->callwatch && callwatch_pending(mon->callwatch, t->tid);
}

void thread_keep_siginfo(struct emt_monitor *mon, struct thread *t,
			 const siginfo_t *si, bool has_siginfo)
{
	if (watcher_stop(mon, t, si, has_siginfo)) {
		t->late_held = true;
		return;
	}
	if (!t->deliver_sig) {
		set_first(t, si, has_siginfo);
	} else if (has_siginfo && from_kernel(si) && !from_kernel(&t->saved_siginfo)) {
		add_requeue(mon, t, &t->saved_siginfo);
		set_first(t, si, has_siginfo);
	} else {
		add_requeue(mon, t, si);
	}
}

void thread_keep_signal(struct emt_monitor *mon, struct thread *t, int sig)
{
	siginfo_t si;
	bool has = thread_stop_siginfo(t, sig, &si);

	thread_keep_siginfo(mon, t, &si, has);
}

void thread_deliver_first(struct emt_monitor *mon, struct thread *t, const siginfo_t *si)
{
	if (t->deliver_sig)
		add_requeue(mon, t, &t->saved_siginfo);
	set_first(t, si, true);
}

static void send_again(const struct thread *t, const siginfo_t *si)
{
	pid_t tgid = t->proc ? t->proc->pid : t->tid;
	siginfo_t copy = *si;

	if (si->si_code < 0 && si->si_code != SI_TKILL &&
	    syscall(SYS_rt_tgsigqueueinfo, tgid, t->tid, si->si_signo, &copy) == 0)
		return;
	syscall(SYS_tgkill, tgid, t->tid, si->si_signo);
}

void thread_requeue(struct thread *t)
{
	for (int i = 0; i < t->n_requeue; i++)
		send_again(t, &t->requeue[i]);
	t->n_requeue = 0;
}

/* Whether t's stop takes a signal to deliver on resume: only a
 * signal-delivery-stop does; at an event or syscall stop the kernel
 * ignores it (ptrace(2), "Signal injection and suppression"). */
static bool at_signal_stop(const struct thread *t)
{
	return pt_stop_of(t->stop_status) == STOP_SIGNAL;
}

int thread_take_signal(struct emt_monitor *mon, struct thread *t)
{
	int sig = t->deliver_sig;

	if (!sig)
		return 0;
	t->deliver_sig = 0;
	if (!at_signal_stop(t)) {
		if (!t->has_siginfo || !is_fault(&t->saved_siginfo))
			add_requeue(mon, t, &t->saved_siginfo);
		t->has_siginfo = false;
		return 0;
	}
	if (t->has_siginfo)
		pt_setsiginfo(t->tid, &t->saved_siginfo);
	t->has_siginfo = false;
	return sig;
}
