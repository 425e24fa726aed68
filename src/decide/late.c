/* SPDX-License-Identifier: MIT */
/*
 * Calls seen after the kernel made them: in attach mode the call watcher
 * (ptrace/callwatch.h) stops a thread on its way back from a call emt must
 * see, before it runs another instruction. The call is decided as at its
 * entry (syscalls_decide; what would change the call is recorded, not
 * made: syscalls.c), committed with its result, and then made true:
 * - memory the kernel gave what the program asked is given what emt
 *   decided (W+X made writable only);
 * - a call into buffers emt keeps read-only that failed with EFAULT is
 *   made again once they are writable;
 * - READ_IMPLIES_EXEC set is taken over; emt's trampoline, if the call
 *   replaced or emptied it, is made again;
 * - a call of another ABI emt does not read is reported, and what it may
 *   have made executable is armed by a sweep of the mappings.
 * Between the call's return and this stop, another thread of the process
 * can run what the call made executable: README, "Attach mode".
 */
#include <errno.h>
#include <sys/mman.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "model/model.h"
#include "ptrace/callwatch.h"
#include "ptrace/procfs.h"

static enum sc_abi abi_of(const struct cw_rec *rec)
{
	if (rec->compat)
		return ABI_I386;
	return rec->nr & CW_X32_BIT ? ABI_X32 : ABI_NATIVE;
}

/* Whether a thread that shares t's memory may have run while t's call
 * was on its way to emt: one emt does not hold stopped. */
static bool others_ran(struct emt_monitor *mon, const struct thread *t)
{
	if (t->proc->mm->refs > 1)
		return true;
	for_each_thread(mon, o)
		if (o != t && o->proc == t->proc && o->state != THREAD_STOPPED &&
		    o->state != THREAD_HELD)
			return true;
	return false;
}

/* Memory the kernel made executable and emt armed only now: another
 * thread could run it in between, unseen. */
static void window(struct emt_monitor *mon, struct thread *t, uint64_t start,
		   uint64_t end, const struct sc_call *sc)
{
	if (!others_ran(mon, t))
		return;
	event_blind(mon, t->proc->pid, t->tid, EMT_BLIND_WINDOW, start, end - start,
		    sysent_native_nr(sc->op),
		    "%s made this executable before emt could arm it (attached, emt "
		    "sees a call after the kernel): another thread could run it unseen "
		    "meanwhile", sysent_name(sc->op));
}

/* Give every tracked page of [start, end) that the map says emt keeps
 * from what was asked what emt grants: the kernel applied what was
 * asked. */
static void enforce(struct emt_monitor *mon, struct thread *t, uint64_t start,
		    uint64_t end, const struct sc_call *sc)
{
	uint64_t at = EMT_PAGE_DOWN(start);

	end = EMT_PAGE_UP(end);
	while (at < end) {
		const struct region *r = regions_next(&t->proc->mm->map, at);
		uint64_t s, e;
		int asked, granted;

		if (!r || r->start >= end)
			return;
		s = r->start > at ? r->start : at;
		e = r->end < end ? r->end : end;
		asked = r->attr.asked;
		granted = r->attr.granted;
		at = r->end;
		if (granted == asked)
			continue;
		if ((asked & PROT_EXEC) && !(granted & PROT_EXEC))
			window(mon, t, s, e, sc);
		/* r dies with the next change of the map (untrack). */
		if (inject_protect(mon, t, s, e - s, granted))
			untrack(mon, t, s, e, asked, -EPERM);
	}
}

/* The range the call changed, as the kernel made it. */
static bool changed_range(const struct thread *t, const struct sc_call *sc, int64_t ret,
			  uint64_t old_brk, uint64_t *start, uint64_t *end)
{
	const uint64_t *a = sc->args;
	struct maps_entry e;

	switch (sc->op) {
	case SC_MMAP:
		*start = (uint64_t)ret;
		*end = (uint64_t)ret + a[1];
		return true;
	case SC_MPROTECT:
	case SC_PKEY_MPROTECT:
		*start = a[0];
		*end = a[0] + a[1];
		/* PROT_GROWSDOWN reaches down to the mapping's start. */
		if ((a[2] & PROT_GROWSDOWN) && procfs_maps_find(t->tid, a[0], &e, NULL, 0) == 0)
			*start = e.start;
		return true;
	case SC_SHMAT:
		if (procfs_maps_find(t->tid, (uint64_t)ret, &e, NULL, 0))
			return false;
		*start = e.start;
		*end = e.end;
		return true;
	case SC_BRK:
		/* The heap's new pages under READ_IMPLIES_EXEC (memcalls.c). */
		*start = old_brk;
		*end = (uint64_t)ret;
		return *end > *start;
	default:
		return false;
	}
}

/* What replaced or emptied emt's trampoline is the program's now. */
static void tramp_again(struct emt_monitor *mon, struct thread *t, const struct sc_call *sc)
{
	const uint64_t *a = sc->args;
	struct mm_space *mm = t->proc->mm;
	bool hit;

	switch (sc->op) {
	case SC_MMAP:
		hit = (a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && tramp_overlaps(mm, a[0], a[1]);
		break;
	case SC_MPROTECT:
	case SC_PKEY_MPROTECT:
	case SC_MUNMAP:
	case SC_MREMAP:
	case SC_MADVISE:
		hit = tramp_overlaps(mm, a[0], a[1] ? a[1] : 1);
		break;
	default:
		hit = false;
	}
	if (!hit)
		return;
	emt_log(mon, EMT_LOG_INFO, "%d: %s over emt's trampoline: making another",
		t->proc->pid, sysent_name(sc->op));
	tramp_renew(mon, t);
}

/* A call into buffers emt keeps read-only fails with EFAULT where it would
 * succeed natively: made again once they are writable, if the thread is
 * still where the call left it (no handler was set up meanwhile). */
static bool again_if_refused(struct emt_monitor *mon, struct thread *t,
			     const struct sc_call *sc, const struct cw_rec *rec)
{
	arch_regs regs;

	if (rec->ret != -EFAULT || !kwrite_is_candidate(sc->op) ||
	    regions_empty(&t->proc->mm->map) || thread_getregs(t, &regs) ||
	    arch_pc(&regs) != rec->ip)
		return false;
	return kwrite_prepare(mon, t, sc);
}

/* A child the kernel made without telling emt (CLONE_UNTRACED): ptrace
 * reports a new child before the call returns (PTRACE_EVENT_CLONE, from
 * kernel_clone), so by now emt knows every child it traces. */
static void untraced_child(struct emt_monitor *mon, struct thread *t,
			   const struct sc_call *sc, int64_t ret)
{
	if ((sc->op != SC_CLONE && sc->op != SC_CLONE3) || ret <= 0 ||
	    thread_find(mon, (pid_t)ret))
		return;
	emt_log(mon, EMT_LOG_INFO, "%d: child %lld made with CLONE_UNTRACED: taking it; "
		"the process stops at its every call from now on", t->tid, (long long)ret);
	t->untraced_child = (pid_t)ret;
	watcher_every_call(mon, t->proc);
}

static void foreign(struct emt_monitor *mon, struct thread *t, const struct sc_call *sc)
{
	event_blind(mon, t->proc->pid, t->tid, EMT_BLIND_FOREIGN_ABI, 0, 0, -1,
		    "%s syscall %ld made (attached: emt sees it after the kernel): "
		    "what it made executable is armed now",
		    sc->abi == ABI_I386 ? "i386" : "x32", sc->nr);
	sweep(mon, t, false);
}

static void decide_late(struct emt_monitor *mon, struct thread *t, const struct sc_call *sc,
			const struct cw_rec *rec)
{
	struct pending_call *c = &t->call;
	uint64_t start, end, old_brk = t->proc->mm->brk;
	bool again;

	*c = (struct pending_call){ .op = sc->op, .sc = *sc, .late = true,
				    .late_ret = rec->ret, .late_ip = rec->ip };
	if (again_if_refused(mon, t, sc, rec)) {
		*c = (struct pending_call){ .op = SC_NONE }; /* seen at its next return */
		return;
	}
	if (syscalls_decide(mon, t, c))
		mon->n_syscalls++;
	again = c->late_again;
	/* Committed by the part itself when it made the call in its place;
	 * not at all when it has the call made again. */
	if (c->op != SC_NONE && !again)
		syscalls_commit(mon, t, rec->ret);
	*c = (struct pending_call){ .op = SC_NONE };
	if (again || sysent_failed(rec->ret))
		return;
	untraced_child(mon, t, sc, rec->ret);
	tramp_again(mon, t, sc);
	if (changed_range(t, sc, rec->ret, old_brk, &start, &end))
		enforce(mon, t, start, end, sc);
	if (sc->op == SC_PERSONALITY)
		proccalls_take_persona(mon, t);
}

void late_on_call(struct emt_monitor *mon, struct thread *t, const struct cw_rec *rec)
{
	struct sc_call sc;

	sysent_decode(abi_of(rec), (long)rec->nr, (const uint64_t *)rec->args, &sc);
	if (t->proc->passive) {
		shield_refuse(mon, t, &sc);
		return;
	}
	syscalls_note_caller(mon, t, &sc, rec->ip);
	if (sc.op == SC_FOREIGN)
		foreign(mon, t, &sc);
	else if (sc.op != SC_NONE)
		decide_late(mon, t, &sc, rec);
}

void late_report_strays(struct emt_monitor *mon)
{
	pid_t tid, tgid;
	uint64_t missed;

	if (!mon->callwatch)
		return;
	/* The kernel refused a SIGSTOP, or the record had no room. */
	missed = callwatch_missed(mon->callwatch);
	if (missed > mon->callwatch_missed) {
		event_blind(mon, mon->main_pid, 0, EMT_BLIND_UNSEEN_EXEC, 0, 0, -1,
			    "the call watcher could not stop %llu calls it should have "
			    "(the kernel refused the signal): what they did is not seen",
			    (unsigned long long)(missed - mon->callwatch_missed));
		mon->callwatch_missed = missed;
	}
	while (callwatch_take_stray(mon->callwatch, &tid, &tgid) == 0)
		event_blind(mon, tgid, tid, EMT_BLIND_UNSEEN_EXEC, 0, 0, -1,
			    "thread %d ran untraced (made with CLONE_UNTRACED; attached, "
			    "emt sees the call after the kernel made it): what it ran "
			    "before emt took it is not seen", tid);
}

bool late_take(struct emt_monitor *mon, struct thread *t)
{
	struct cw_rec rec;
	/* A stop deferred for it is the watcher's, its record taken or not. */
	bool held = t->late_held;

	t->late_held = false;
	if (!mon->callwatch || callwatch_take(mon->callwatch, t->tid, &rec))
		return held;
	late_on_call(mon, t, &rec);
	late_report_strays(mon);
	return true;
}
