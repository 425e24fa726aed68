/* SPDX-License-Identifier: MIT */
/*
 * Classification of every ptrace stop and exit reported by waitpid, and
 * the process-tree bookkeeping that goes with clone, fork, vfork and exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "loop/loop.h"
#include "model/model.h"
#include "ptrace/pt.h"
#include "decide/stealth.h"
#include "ptrace/procfs.h"

static void adopt_orphans(struct emt_monitor *mon, struct proc *dead, int status);
static void adopt_unknown_orphan(struct emt_monitor *mon, struct thread *c);

static void proc_exited(struct emt_monitor *mon, struct proc *p, int status)
{
	event_process(mon, p->pid, p->parent, EMT_PROCESS_EXIT, status);
	if (p->pid == mon->main_pid)
		mon->exit_status = status;
	adopt_orphans(mon, p, status);
	if (kin_may_leave_orphans(p, status))
		kin_bury(mon, p);
	stops_forget_proc(mon, p);
	/* An orphan that waited for this death and was not p's: its parent
	 * died earlier, and is among the graves. */
	for_each_thread(mon, c)
		if (c->state == THREAD_HELD && !c->proc && c->held_parent < 0)
			adopt_unknown_orphan(mon, c);
}

void stops_forget_proc(struct emt_monitor *mon, struct proc *p)
{
	late_report_strays(mon);
	watcher_remove(mon, p);
	stealth_proc_free(p);
	proc_remove(mon, p);
}

static void on_death(struct emt_monitor *mon, pid_t tid, int status)
{
	struct thread *t = thread_find(mon, tid);
	struct proc *p;

	if (!t)
		return;
	p = t->proc;
	thread_remove(mon, t);
	if (!p)
		return;
	/* The leader's status is the group's exit status; it is reported
	 * once the other threads are gone (ptrace(2), "Death under ptrace"). */
	if (tid == p->pid || p->n_threads == 0)
		p->exit_status = status;
	if (p->n_threads == 0)
		proc_exited(mon, p, p->exit_status);
}

static struct thread *first_deferred(struct emt_monitor *mon)
{
	for_each_thread(mon, t)
		if (t->state == THREAD_DEFERRED)
			return t;
	return NULL;
}

void stops_reap(struct emt_monitor *mon)
{
	struct thread *d;

	/* Called after every stop: the table is only walked when a thread
	 * died or deferred a stop meanwhile. */
	while (mon->n_dead || mon->n_deferred) {
		if (mon->n_dead) {
			mon->n_dead = 0;
			for_each_thread(mon, t)
				if (t->state == THREAD_DEAD)
					on_death(mon, t->tid, t->stop_status);
		}
		if (mon->n_deferred) {
			mon->n_deferred--;
			d = first_deferred(mon);
			if (d)
				stops_handle(mon, d->tid, d->stop_status);
		}
	}
}

/* What the child is, from the kernel (kin.c): the clone flags in the
 * program's memory may have changed since the call read them. */
static uint64_t clone_flags_of(struct thread *t, pid_t child, int event)
{
	uint64_t flags;

	if (kin_clone_flags(t->tid, child, &flags) == 0)
		return flags;
	return event == PTRACE_EVENT_VFORK ? CLONE_VM : 0; /* the child is gone */
}

static struct proc *child_proc(struct emt_monitor *mon, struct proc *parent,
			       pid_t child, uint64_t flags)
{
	struct mm_space *mm;
	struct proc *p;

	if (flags & CLONE_THREAD)
		return parent;
	mm = (flags & CLONE_VM) ? mm_get(parent->mm) : mm_fork(parent->mm);
	if (!mm)
		return NULL;
	p = proc_add(mon, child, mm);
	if (!p) {
		mm_put(mm);
		return NULL;
	}
	p->parent = parent->pid;
	p->passive = parent->passive || (mon->opts.flags & EMT_OPT_NO_FOLLOW);
	/* What the kernel keeps for a child: its parent's filters, its
	 * personality. */
	p->watched = parent->watched;
	p->syscall_mode = parent->syscall_mode;
	p->own_filter = parent->own_filter;
	stealth_fork(parent, p);
	watcher_add(mon, p);

	event_process(mon, child, p->parent, EMT_PROCESS_START, 0);
	if (mm->views_lost) {
		mm->views_lost = false;
		event_blind(mon, child, child, EMT_BLIND_UNENFORCEABLE, 0, UINT64_MAX, -1,
			    "emt ran out of memory following the file mappings of the process: "
			    "code changed through another mapping of a file is not captured");
	}
	return p;
}

/* Put a not-followed child's pages back to what it asked for. */
static void unarm_proc(struct emt_monitor *mon, struct thread *t)
{
	inject_restore_asked(mon, t);
}

static void start_child(struct emt_monitor *mon, struct thread *c)
{
	if (c->fix_args) {
		/* Both return from clone3 with the parent's registers. */
		for (int i = 0; i < 2; i++)
			syscalls_rewrite_arg(c, &c->fix_sc, i, c->fix_arg[i]);
		c->fix_args = false;
	}
	if (c->proc->passive && c->proc->pid == c->tid)
		unarm_proc(mon, c);
	thread_resume(mon, c, 0);
}

/* Give c what its parent's call changed in its registers (clone3's). */
static void inherit_fix(struct thread *c, const struct thread *parent)
{
	const struct pending_call *pc = &parent->call;

	if (pc->op != SC_CLONE3 || !pc->args_moved)
		return;
	c->fix_args = true;
	c->fix_sc = pc->sc;
	c->fix_arg[0] = pc->sc.args[0];
	c->fix_arg[1] = pc->sc.args[1];
}

/* Held child c belongs to parent (alive, or dead and kept by kin.c):
 * false when it could not be tracked (then it is killed, never left
 * stopped). */
static bool take_child(struct emt_monitor *mon, struct thread *c, struct proc *parent,
		       uint64_t flags)
{
	struct proc *p = child_proc(mon, parent, c->tid, flags);

	if (!p) {
		emt_log(mon, EMT_LOG_ERROR, "out of memory tracking %d", c->tid);
		kill(c->tid, SIGKILL);
		return false;
	}
	c->proc = p;
	proc_count_thread(p);
	return true;
}

static void adopt(struct emt_monitor *mon, struct thread *c, struct proc *parent,
		  uint64_t flags)
{
	if (take_child(mon, c, parent, flags))
		start_child(mon, c);
}

/* A dead parent's orphan shares its address space only with a live
 * process that shared the parent's (kcmp against each). */
static uint64_t orphan_flags(struct emt_monitor *mon, const struct proc *dead,
			     pid_t child)
{
	for (struct proc *q = mon->procs; q; q = q->next)
		if (q != dead && q->mm == dead->mm && kin_same_vm(q->live_tid, child))
			return CLONE_VM;
	return 0;
}

static void adopt_orphan(struct emt_monitor *mon, struct thread *c,
			 struct proc *dead)
{
	emt_log(mon, EMT_LOG_INFO, "%d: adopted, no clone event will come from %d",
		c->tid, dead->pid);
	adopt(mon, c, dead, orphan_flags(mon, dead, c->tid));
}

/* p execs: its other threads are gone, a fork they had begun reports no
 * event; its child has the old image. */
static void adopt_before_exec(struct emt_monitor *mon, struct proc *p)
{
	for_each_thread(mon, c)
		if (c->state == THREAD_HELD && !c->proc && c->held_parent == p->pid)
			adopt_orphan(mon, c, p);
}

/* Its held children are dead's; a child whose parent is unknown (gone
 * before its stop was seen) may be dead's only if dead could have died
 * inside fork: a sibling from the same lineage that exited by itself
 * has the same trampoline, but no orphan (kin_may_leave_orphans). */
static void adopt_orphans(struct emt_monitor *mon, struct proc *dead, int status)
{
	bool may = kin_may_leave_orphans(dead, status);

	for_each_thread(mon, c)
		if (c->state == THREAD_HELD && !c->proc &&
		    (c->held_parent == dead->pid ||
		     (c->held_parent < 0 && may && kin_has_tramp(c->tid, dead->mm))))
			adopt_orphan(mon, c, dead);
}

/* Whether traced process p is exiting: its death, and the orphans it
 * leaves, are still to be reported. */
static bool dying(const struct proc *p)
{
	char st = procfs_state(p->live_tid);

	return st == 0 || st == 'Z' || st == 'X';
}

/* c's parent exited before c's stop was seen (c's PPid is its reaper's
 * now): adopt it from that dead parent, or wait for its death's report. */
static void adopt_if_orphan(struct emt_monitor *mon, struct thread *c)
{
	if (c->held_parent == 0 || (c->held_parent > 0 && proc_find(mon, c->held_parent)))
		return; /* its parent's event, or its death, will come */
	c->held_parent = -1;
	adopt_unknown_orphan(mon, c);
}

/* c's parent is gone, which one unknown: a traced process of its lineage
 * that is dying may be it, else the dead one whose pages fit c's. */
static void adopt_unknown_orphan(struct emt_monitor *mon, struct thread *c)
{
	struct proc *g;

	for (struct proc *p = mon->procs; p; p = p->next)
		if (dying(p) && kin_has_tramp(c->tid, p->mm))
			return; /* adopted when that death is reported */
	g = kin_grave_of(mon, c->tid);
	if (g)
		adopt_orphan(mon, c, g);
}

static void on_clone(struct emt_monitor *mon, struct thread *t, int event)
{
	unsigned long msg = 0;
	uint64_t flags = 0;
	struct thread *c;
	struct proc *p;

	/* A parent killed meanwhile may have left the event's stop for its
	 * exit's, whose message is its status: the child, if any, is then
	 * adopted as an orphan (adopt_orphans). */
	if (pt_eventmsg(t->tid, &msg) ||
	    !kin_traced_by((pid_t)msg, mon->tracer_tid)) {
		thread_resume(mon, t, 0);
		return;
	}
	c = thread_find(mon, (pid_t)msg);
	if (c && c->proc) {
		/* Adopted already (adopt_if_orphan took its parent for dead). */
		thread_resume(mon, t, 0);
		return;
	}
	flags = clone_flags_of(t, (pid_t)msg, event);
	p = child_proc(mon, t->proc, (pid_t)msg, flags);
	if (!p) {
		emt_log(mon, EMT_LOG_ERROR, "out of memory tracking %lu", msg);
		/* Never left stopped, untracked, with stripped pages. */
		kill((pid_t)msg, SIGKILL);
	} else if (c && c->state == THREAD_HELD) {
		/* Its attach stop came first and was held for this. */
		inherit_fix(c, t);
		c->proc = p;
		proc_count_thread(p);
		start_child(mon, c);
	} else if (!c) {
		c = thread_add(mon, (pid_t)msg, p);
		if (c) {
			c->state = THREAD_RUNNING;
			c->expect_attach_stop = true;
			inherit_fix(c, t);
		}
	}
	/* The child has its parent's personality (copy_process). */
	if (c)
		c->read_implies_exec = t->read_implies_exec;
	thread_resume(mon, t, 0);
}

static void read_exec_report(struct emt_monitor *mon);

static void on_exec(struct emt_monitor *mon, struct thread *t)
{
	struct proc *p = t->proc;
	unsigned long former = 0;
	struct mm_space *mm = mm_new();

	pt_eventmsg(t->tid, &former);
	/* The exec'ing thread took the leader's tid; every other thread of
	 * the group is gone (ptrace(2), "execve(2) under ptrace"). */
	for_each_thread(mon, o)
		if (o != t && o->proc == p)
			thread_remove(mon, o);
	adopt_before_exec(mon, p);
	if (mm) {
		mm_put(p->mm);
		p->mm = mm;
	} else {
		regions_clear(&p->mm->map);
	}
	t->slot = -1;
	t->flip = (struct slot_flip){ 0 };
	p->live_tid = p->pid; /* the exec'ing thread is the leader now */
	event_process(mon, p->pid, p->parent, EMT_PROCESS_EXECVE, 0);
	if (p->pid == mon->main_pid && !mon->main_exec_seen)
		read_exec_report(mon);
	/* A 64-bit execve clears READ_IMPLIES_EXEC (set_personality_64bit). */
	t->read_implies_exec = false;
	if (!p->passive) {
		written_scan_fds(mon, t);
		tramp_create(mon, t);
		sweep(mon, t, false);
	}
	thread_resume(mon, t, 0);
}

static void on_event_stop(struct emt_monitor *mon, struct thread *t, int status)
{
	if (t->expect_attach_stop) {
		t->expect_attach_stop = false;
		start_child(mon, t);
		return;
	}
	/* With PTRACE_SEIZE a group-stop is a PTRACE_EVENT_STOP carrying the
	 * stopping signal; PTRACE_LISTEN keeps it stopped without blocking
	 * later notifications such as SIGCONT (ptrace(2), "Group-stop"). */
	if (pt_is_group_stop(status)) {
		if (pt_listen(t->tid) == 0)
			t->state = THREAD_LISTENING;
		return;
	}
	thread_resume(mon, t, 0);
}

/* A child t's call made with CLONE_UNTRACED, seen late (late.c): traced
 * from now on, as if its clone event had come. Held (interrupted) first,
 * so that it is stopped when it is adopted. */
static void seize_untraced(struct emt_monitor *mon, struct thread *t)
{
	pid_t child = t->untraced_child;
	struct thread *c;
	uint64_t flags;
	int status;

	t->untraced_child = 0;
	if (kin_clone_flags(t->tid, child, &flags) || pt_seize(child, mon->ptrace_options) ||
	    pt_interrupt(child))
		return;
	c = thread_add(mon, child, NULL);
	if (!c) {
		pt_detach(child, 0);
		return;
	}
	if (thread_wait_stop(mon, c, &status))
		return; /* gone: its death is handled with the stops */
	/* A signal it met first (a fault on a page emt armed, which it ran
	 * untraced) is handled as any traced thread's. */
	if (pt_stop_of(status) != STOP_SIGNAL)
		adopt(mon, c, t->proc, flags);
	else if (take_child(mon, c, t->proc, flags))
		stops_handle(mon, c->tid, status);
}

/* What a signal-delivery-stop says, read once for all who look at it:
 * each ptrace request is a round trip to the kernel, and a fault is the
 * stop emt meets most. */
struct signal_stop {
	siginfo_t si;
	arch_regs regs;
	bool has_si;    /* the kernel gave a siginfo */
	bool has_regs;
};

static void read_signal_stop(struct thread *t, int sig, bool landed, struct signal_stop *s)
{
	bool fault = sig == SIGSEGV || t->flip.stop_pc || landed;

	s->has_si = fault && thread_stop_siginfo(t, sig, &s->si);
	s->has_regs = (fault || t->proc->mm->tramp) && thread_getregs(t, &s->regs) == 0;
}

/* A fault met in or just out of a trampoline slot emt sent t through. */
static bool slot_fault(struct emt_monitor *mon, struct thread *t,
		       const struct signal_stop *s, bool landed)
{
	if (!t->flip.stop_pc && !landed)
		return false;
	if (!s->has_si || s->si.si_code <= 0 || !s->has_regs)
		return false;
	return tramp_recover(mon, t, &s->regs, landed);
}

static void on_signal(struct emt_monitor *mon, struct thread *t, int sig,
		      bool landed)
{
	struct signal_stop s;

	if (sig == SIGSTOP && late_take(mon, t)) {
		if (t->untraced_child)
			seize_untraced(mon, t);
		thread_resume(mon, t, 0);
		return;
	}
	read_signal_stop(t, sig, landed, &s);
	if (slot_fault(mon, t, &s, landed))
		return;
	if (sig == SIGSEGV && !t->proc->passive && s.has_si &&
	    faults_on_segv(mon, t, &s.si, s.has_regs ? &s.regs : NULL))
		return;
	/* A handler run in the middle of a trampoline slot could fault on a
	 * tracked page and have emt reuse the slot under the interrupted
	 * code: step out of the slot first, keeping the signal and its
	 * siginfo for the delivery. */
	if (t->proc->mm->tramp && s.has_regs && tramp_contains(t->proc->mm, arch_pc(&s.regs)) &&
	    !t->deliver_sig) {
		thread_keep_signal(mon, t, sig);
		inject_leave_tramp(mon, t);
		sig = 0;
	}
	thread_resume(mon, t, sig);
}

/* The stop of a thread emt does not know yet: a new child whose attach
 * stop beat its parent's clone event. Hold it until the event names it,
 * or its parent's death shows the event will never come. */
static void on_unknown_stop(struct emt_monitor *mon, pid_t tid, int status)
{
	struct thread *c = thread_add(mon, tid, NULL);

	if (!c) {
		pt_detach(tid, 0);
		return;
	}
	c->state = THREAD_HELD;
	c->stop_status = status;
	c->held_parent = kin_held_parent(tid);
	adopt_if_orphan(mon, c);
}

void stops_handle(struct emt_monitor *mon, pid_t tid, int status)
{
	struct thread *t = thread_find(mon, tid);
	enum pt_stop kind = pt_stop_of(status);
	bool landed;

	if (kind == STOP_GONE) {
		on_death(mon, tid, status);
		return;
	}
	if (!t || !t->proc) {
		if (!t)
			on_unknown_stop(mon, tid, status);
		return;
	}
	t->state = THREAD_STOPPED;
	t->stop_status = status;
	/* The stop after a slot's call tells whether the thread came back
	 * where it should (tramp_recover). */
	landed = t->flip.landing;
	t->flip.landing = false;
	switch (kind) {
	case STOP_SYSCALL:
	case STOP_SECCOMP:
		syscalls_on_stop(mon, t);
		break;
	case STOP_CLONE:
		on_clone(mon, t, pt_event_of(status));
		break;
	case STOP_EXEC:
		on_exec(mon, t);
		break;
	case STOP_EVENT_STOP:
		on_event_stop(mon, t, status);
		break;
	case STOP_EXIT:
		thread_exiting(mon, t);
		break;
	case STOP_SIGNAL:
		on_signal(mon, t, WSTOPSIG(status), landed);
		break;
	case STOP_GONE:
	case STOP_OTHER_EVENT:
		thread_resume(mon, t, 0);
		break;
	}
}

/* The launched child reports on a close-on-exec pipe: nothing when the
 * exec succeeded with the filter in place, or what went wrong. */
static void read_exec_report(struct emt_monitor *mon)
{
	int report[2];

	mon->main_exec_seen = true;
	if (mon->exec_err_fd < 0)
		return;
	while (read(mon->exec_err_fd, report, sizeof(report)) == sizeof(report)) {
		if (report[0] == 1 && mon->use_seccomp) {
			mon->use_seccomp = false;
			mon->syscall_mode = true;
			emt_log(mon, EMT_LOG_WARN,
				"seccomp filter refused (%s): stopping at every syscall",
				strerror(report[1]));
		}
	}
}

int stops_exec_error(struct emt_monitor *mon)
{
	int report[2], err = 0;

	if (mon->exec_err_fd < 0)
		return 0;
	while (read(mon->exec_err_fd, report, sizeof(report)) == sizeof(report))
		if (report[0] == 2)
			err = report[1];
	return err ? -err : 0;
}
