/* SPDX-License-Identifier: MIT */
/*
 * SIGSEGV classification. A fault is emt's only when it is SEGV_ACCERR on
 * a tracked page whose missing right emt withheld: a fetch from a page
 * armed without PROT_EXEC (capture, then make it executable), or a write
 * to a page made executable (make it writable again). Anything else is
 * the program's and is delivered with its original siginfo.
 */
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <string.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "model/model.h"
#include "ptrace/pt.h"
#include "ptrace/procfs.h"

struct fault {
	siginfo_t si;
	arch_regs regs;
	uint64_t addr, page;
	struct region_attr attr;
	struct region span;
	bool sync;            /* flip by steps (its failure must be seen) */
};

struct grant {
	int prot;
	bool ran; /* captured: the next capture is the next version */
};

static void set_granted(struct region_attr *attr, void *ctx)
{
	const struct grant *g = ctx;

	attr->granted = (uint8_t)g->prot;
	attr->seq += g->ran;
}

/* One update, so that a map out of memory fails it before anything is
 * changed or captured. */
static int set_page_granted(struct mm_space *mm, uint64_t page, int prot, bool ran)
{
	struct grant g = { prot, ran };

	return regions_update(&mm->map, page, page + EMT_PAGE_SIZE, set_granted, &g);
}

/* The fetch of the instruction at rip faults at an address no further
 * than one maximal instruction past it (possibly on the next page). */
static bool is_fetch(const struct fault *f)
{
	uint64_t pc = arch_pc(&f->regs);

	return f->addr >= pc && f->addr - pc < ARCH_MAX_INSN_LEN;
}

/* One stop per flip through the trampoline is only exact when no other
 * thread shares the memory: with several, another thread could write
 * between the capture and the moment the trampoline's mprotect lands, and
 * two threads' trampolines can land out of order. Then the flip is made
 * synchronously, before the capture. */
static bool shared_memory(const struct thread *t)
{
	return t->proc->n_threads > 1 || t->proc->mm->refs > 1;
}

/* Whether every page of [start, end) is tracked as having asked for prot. */
static bool asked_all_over(const struct region_map *map, uint64_t start, uint64_t end,
			   int prot)
{
	uint64_t at = start;

	for (const struct region *r = regions_find(map, at); r && r->start <= at;
	     r = regions_find(map, at)) {
		if (r->attr.asked != prot)
			return false;
		at = r->end;
		if (at >= end)
			return true;
	}
	return false;
}

/* emt cannot give the page the protection it needs (it is sealed, part
 * of a huge page, the process has as many mappings as the kernel allows,
 * a filter of the program's refuses emt's mprotect, the map has no memory
 * left...): faulting again would loop for ever. Give it what the program
 * asked, stop tracking it, and say so. */
static void give_up(struct emt_monitor *mon, struct thread *t, const struct fault *f,
		    int rc)
{
	uint64_t start = f->page, end = f->page + EMT_PAGE_SIZE;
	struct maps_entry e;

	/* Changing part of a mapping needs a split the kernel may refuse
	 * (too many mappings): then the whole mapping, if emt holds all of
	 * it for what this page asked. */
	if (inject_protect(mon, t, start, EMT_PAGE_SIZE, f->attr.asked) &&
	    procfs_maps_find(t->tid, f->page, &e, NULL, 0) == 0 &&
	    asked_all_over(&t->proc->mm->map, e.start, e.end, f->attr.asked) &&
	    inject_protect(mon, t, e.start, e.end - e.start, f->attr.asked) == 0) {
		start = e.start;
		end = e.end;
	}
	untrack(mon, t, start, end, f->attr.asked, rc);
	thread_resume(mon, t, 0);
}

static int flip(struct emt_monitor *mon, struct thread *t,
		const struct fault *f, int prot, bool ran)
{
	struct mm_space *mm = t->proc->mm;
	int rc = set_page_granted(mm, f->page, prot, ran);

	if (rc)
		return rc;
	event_flip(mon, t, f->page, EMT_PAGE_SIZE, f->attr.granted, prot);
	/* From now on a read() into this page would fail with EFAULT. */
	if ((f->attr.asked & PROT_WRITE) && !(prot & PROT_WRITE))
		watch_add(mon, t, WATCH_READS);
	/* By steps when its result must be known: a flip through the slot
	 * that fails only shows as the same fault again. */
	if (shared_memory(t) || f->sync)
		rc = inject_protect(mon, t, f->page, EMT_PAGE_SIZE, prot);
	else
		rc = tramp_flip(mon, t, &f->regs, f->page, EMT_PAGE_SIZE, prot);
	return rc;
}

static bool handle_fault(struct emt_monitor *mon, struct thread *t,
			 const siginfo_t *si, const arch_regs *regs);

/* The instruction that faulted has run: a later fault at the same place
 * is a new one, not a repetition (is_stale). */
static void forget_stale(struct thread *t)
{
	t->stale_count = 0;
	t->last_fault_pc = t->last_fault_addr = 0;
}

/* The siginfo of a fault t met while emt stepped it, read at once: later
 * remote calls leave that signal-delivery-stop. */
static bool fault_met(struct thread *t, siginfo_t *si)
{
	return pt_getsiginfo(t->tid, si) == 0;
}

/* Handle the fault t met while stepped, or deliver it unchanged. */
static void handle_fault_met(struct emt_monitor *mon, struct thread *t,
			     const siginfo_t *si)
{
	if (handle_fault(mon, t, si, NULL))
		return;
	thread_deliver_first(mon, t, si);
	thread_resume(mon, t, 0);
}

/* A syscall instruction is never stepped: PTRACE_SINGLESTEP reports no
 * syscall-entry-stop, so emt would not see a call it relies on syscall
 * stops for, and a blocking call (poll, futex) would keep emt waiting for
 * this thread alone while the thread that would wake it waits for emt. */
static bool at_syscall_insn(struct emt_monitor *mon, struct thread *t,
			    const struct fault *f)
{
	uint8_t insn[ARCH_SYSCALL_INSN_LEN];

	return is_fetch(f) &&
	       (mem_read(mon, t->proc, arch_pc(&f->regs), insn, sizeof(insn)) ||
		arch_is_syscall_insn(insn));
}

/* How deep faults met while stepping may nest: an instruction that writes,
 * through another view, the file page it runs from would otherwise fault
 * from one view to the other without end, on emt's stack. */
#define STEP_DEPTH_MAX 3

/* In memory other threads share, the flip made for one thread can be
 * undone by another thread's before the first one's instruction ran: a
 * writer and a runner of one page (HotSpot's GC marking an nmethod while
 * Java threads run it) would fault in turn for ever, and a fault handled
 * late looks stale. Single-stepped before emt handles any other stop, the
 * instruction runs once with the page as it was just made. */
static void resume_after_flip(struct emt_monitor *mon, struct thread *t,
			      const struct fault *f)
{
	siginfo_t si;
	int rc, status;

	if (!shared_memory(t) || t->step_depth >= STEP_DEPTH_MAX ||
	    at_syscall_insn(mon, t, f)) {
		thread_resume(mon, t, 0);
		return;
	}
	rc = inject_step_program(mon, t, arch_pc(&f->regs), &status);
	if (rc == 0)
		forget_stale(t);
	if (rc == -EFAULT && fault_met(t, &si)) {
		t->step_depth++;
		handle_fault_met(mon, t, &si);
		t->step_depth--;
	} else if (rc == -EAGAIN) {
		thread_defer_stop(mon, t, status); /* a group-stop came first */
	} else if (rc != -ESRCH) {
		thread_resume(mon, t, 0);
	}
}

static void on_exec_fault(struct emt_monitor *mon, struct thread *t,
			  const struct fault *f)
{
	/* Flip first: once the page is not writable, what is captured is
	 * what will run. */
	int rc = flip(mon, t, f, prot_after_exec(f->attr.asked), true);

	if (rc == -ESRCH)
		return;
	/* Captured even when emt cannot go on: it is what runs now. */
	if (rc) {
		capture_exec(mon, t, &f->regs, f->page, f->addr, &f->span);
		give_up(mon, t, f, rc);
		return;
	}
	alias_after_exec(mon, t, f->page);
	capture_exec(mon, t, &f->regs, f->page, f->addr, &f->span);
	resume_after_flip(mon, t, f);
}

/* Code writing into the page it runs from would fault for ever between
 * the write and the next fetch: let that one instruction run with the page
 * as the program asked (RWX), then leave it writable so the next fetch is
 * captured as a new version. The same for code writing the file page it
 * runs from through another, writable view: the executable view is
 * re-armed once the write is done. */
static void smc_step(struct emt_monitor *mon, struct thread *t,
		     const struct fault *f)
{
	struct mm_space *mm = t->proc->mm;
	int after = prot_after_write(f->attr.asked), now;
	siginfo_t si;
	int rc;

	rc = inject_protect(mon, t, f->page, EMT_PAGE_SIZE, f->attr.asked);
	if (rc) {
		/* Nothing changed: the write faults again when resumed. */
		if (rc != -ESRCH)
			thread_resume(mon, t, 0);
		return;
	}
	rc = inject_step(mon, t, arch_pc(&f->regs));
	if (rc == -EFAULT && !fault_met(t, &si))
		rc = -ESRCH;
	if (rc == -ESRCH)
		return;
	/* The map says what the page is, even when it could not be made
	 * what it should (then it stays as the program asked). */
	now = inject_protect(mon, t, f->page, EMT_PAGE_SIZE, after) ? f->attr.asked : after;
	if (now != after)
		emt_log(mon, EMT_LOG_ERROR, "0x%llx in %d left as the program asked",
			(unsigned long long)f->page, t->proc->pid);
	if (set_page_granted(mm, f->page, now, false) < 0)
		untrack(mon, t, f->page, f->page + EMT_PAGE_SIZE, f->attr.asked, -ENOMEM);
	else
		event_flip(mon, t, f->page, EMT_PAGE_SIZE, f->attr.granted, now);
	/* Written through another view: that view's next run is new code. */
	alias_after_write(mon, t, f->page);
	/* The write reached another protected page: handle that fault; the
	 * instruction is retried with this page writable. */
	if (rc == -EFAULT) {
		handle_fault_met(mon, t, &si);
		return;
	}
	if (rc == 0)
		forget_stale(t);
	thread_resume(mon, t, 0);
}

static void on_write_fault(struct emt_monitor *mon, struct thread *t,
			   const struct fault *f)
{
	uint64_t pc = arch_pc(&f->regs);
	bool same_page = EMT_PAGE_DOWN(pc) == f->page ||
			 EMT_PAGE_DOWN(pc + ARCH_MAX_INSN_LEN - 1) == f->page;

	if ((same_page && (f->attr.asked & PROT_EXEC)) ||
	    alias_runs_from(t->proc->mm, f->page, pc)) {
		smc_step(mon, t, f);
		return;
	}
	int rc = flip(mon, t, f, prot_after_write(f->attr.asked), false);

	if (rc) {
		if (rc != -ESRCH)
			give_up(mon, t, f, rc);
		return;
	}
	alias_after_write(mon, t, f->page);
	resume_after_flip(mon, t, f);
}

bool faults_on_tracked(const struct thread *t, const siginfo_t *si)
{
	return si->si_signo == SIGSEGV && si->si_code == SEGV_ACCERR &&
	       regions_find(&t->proc->mm->map, (uint64_t)(uintptr_t)si->si_addr);
}

/* A fault below a tracked stack, in pages the kernel has added to it
 * since emt armed it: they have the protection emt gave the stack, and
 * are tracked like it. True when they could not be: they were given
 * what the program asked, and the access can be retried as it is. */
static bool follow_growth(struct emt_monitor *mon, struct thread *t,
			  const siginfo_t *si)
{
	struct region_map *map = &t->proc->mm->map;
	uint64_t addr = (uint64_t)(uintptr_t)si->si_addr;
	const struct region *r;
	struct region_attr attr;
	struct maps_entry e;

	if (si->si_signo != SIGSEGV || si->si_code != SEGV_ACCERR ||
	    regions_find(map, addr))
		return false;
	r = regions_next(map, addr);
	if (!r || !(r->attr.flags & REGION_GROWSDOWN) ||
	    procfs_maps_find(t->tid, addr, &e, NULL, 0) ||
	    e.end < r->start || e.start > addr)
		return false;
	attr = r->attr;
	if (regions_set(map, e.start, r->start, &attr) == 0)
		return false;
	untrack(mon, t, e.start, r->start, attr.asked, -ENOMEM);
	return true;
}

/* Whether the kernel's view of addr in t's address space allows a write. */
static bool kernel_allows_write(const struct thread *t, uint64_t addr)
{
	struct maps_entry e;

	return procfs_maps_find(t->tid, addr, &e, NULL, 0) == 0 &&
	       (e.prot & PROT_WRITE);
}

/* Whether the kernel raised f for the instruction at rip. A program can
 * send its own thread a SIGSEGV with any si_code and si_addr
 * (rt_tgsigqueueinfo, rt_sigqueueinfo(2)): that signal is the program's,
 * delivered unchanged, and no page is flipped for it.
 * - An exception entry stores orig_rax = -1; a signal a thread sent itself
 *   is dequeued at that call's exit, with its number (arch_fault_regs).
 * - A fetch faults within the instruction at rip (is_fetch); a write comes
 *   from an instruction that ran: not one on a page emt keeps
 *   non-executable, in memory no other thread can have flipped since.
 * - In such memory, a write the kernel allows cannot have faulted.
 * A signal dequeued at rt_sigreturn (which stores -1 too) or by a thread
 * interrupted in user mode still passes when its si_addr suits the
 * thread's rip: telling that apart would take decoding the instruction. */
static bool kernel_raised(struct thread *t, const struct fault *f)
{
	const struct region *code;

	if (!arch_fault_regs(&f->regs))
		return false;
	if (is_fetch(f) || shared_memory(t))
		return true;
	code = regions_find(&t->proc->mm->map, arch_pc(&f->regs));
	if (code && !(code->attr.granted & PROT_EXEC))
		return false;
	return !(f->attr.granted & PROT_WRITE) || !kernel_allows_write(t, f->addr);
}

/* regs: t's registers at this stop, or NULL to read them. */
static bool classify(struct thread *t, const siginfo_t *si, const arch_regs *regs,
		     struct fault *f)
{
	const struct region *r;

	f->si = *si;
	if (!faults_on_tracked(t, si))
		return false;
	f->addr = (uint64_t)(uintptr_t)f->si.si_addr;
	f->page = EMT_PAGE_DOWN(f->addr);
	r = regions_find(&t->proc->mm->map, f->addr);
	if (!r)
		return false;
	if (regs)
		f->regs = *regs;
	else if (thread_getregs(t, &f->regs))
		return false;
	f->attr = r->attr;
	f->span = *r;
	return kernel_raised(t, f);
}

/* A fault reported after another thread already flipped the page (the
 * map now allows what faulted) is stale: the instruction only needs to
 * run again. If the same fault comes back, the page's real protection
 * differs from the map: flips made by two threads through their
 * trampolines can reach the kernel in the other order. Apply the map's
 * protection synchronously. A third time it was no fetch but a write a
 * few bytes past rip that looked like one (code patching its next
 * instruction). */
enum stale { NOT_STALE, STALE_RETRY, STALE_RESYNC };

static enum stale is_stale(struct thread *t, const struct fault *f, bool fetch)
{
	int granted = f->attr.granted;
	bool allowed = fetch ? (granted & PROT_EXEC) : (granted & PROT_WRITE);
	bool repeated = t->last_fault_pc == arch_pc(&f->regs) &&
			t->last_fault_addr == f->addr;

	if (!repeated)
		t->stale_count = 0;
	t->last_fault_pc = arch_pc(&f->regs);
	t->last_fault_addr = f->addr;
	if (!allowed || t->stale_count >= 2) {
		forget_stale(t);
		return NOT_STALE;
	}
	return t->stale_count++ ? STALE_RESYNC : STALE_RETRY;
}

/* The same fault again: emt's map says the page allows the access, the
 * kernel does not. The kernel is right (a flip that failed, a map taken
 * over from another process): its protection goes into the map, and the
 * fault is handled as what it is. Never just made executable: the page
 * would then run uncaptured. */
static void resync(struct emt_monitor *mon, struct thread *t,
		   const struct fault *f)
{
	struct fault g = *f;
	struct maps_entry e;

	if (procfs_maps_find(t->tid, f->page, &e, NULL, 0)) {
		resume_after_flip(mon, t, f);
		return;
	}
	g.attr.granted = (uint8_t)(e.prot & (PROT_READ | PROT_WRITE | PROT_EXEC));
	g.sync = true;
	if (set_page_granted(t->proc->mm, f->page, g.attr.granted, false) < 0) {
		untrack(mon, t, f->page, f->page + EMT_PAGE_SIZE, f->attr.asked, -ENOMEM);
		thread_resume(mon, t, 0);
		return;
	}
	mon->n_faults++;
	if (is_fetch(&g) && !(g.attr.granted & PROT_EXEC) && (g.attr.asked & PROT_EXEC))
		on_exec_fault(mon, t, &g);
	else if (!(g.attr.granted & PROT_WRITE) && (g.attr.asked & PROT_WRITE))
		on_write_fault(mon, t, &g);
	else
		resume_after_flip(mon, t, f);
}

static bool handle_fault(struct emt_monitor *mon, struct thread *t,
			 const siginfo_t *si, const arch_regs *regs)
{
	struct fault f = { .sync = false };
	bool fetch;

	if (follow_growth(mon, t, si)) {
		thread_resume(mon, t, 0);
		return true;
	}
	if (!classify(t, si, regs, &f))
		return false;
	fetch = is_fetch(&f);
	switch (is_stale(t, &f, fetch)) {
	case STALE_RETRY:
		resume_after_flip(mon, t, &f);
		return true;
	case STALE_RESYNC:
		resync(mon, t, &f);
		return true;
	case NOT_STALE:
		break;
	}
	if (fetch && (f.attr.granted & PROT_EXEC))
		fetch = false; /* the repeated near-rip write */
	if (fetch && (f.attr.asked & PROT_EXEC)) {
		mon->n_faults++;
		on_exec_fault(mon, t, &f);
		return true;
	}
	if (!fetch && (f.attr.asked & PROT_WRITE) && !(f.attr.granted & PROT_WRITE)) {
		mon->n_faults++;
		on_write_fault(mon, t, &f);
		return true;
	}
	return false;
}

/* What emt knew of a SIGSEGV it passes on: for -v, since a program that
 * dies of one is the first thing to look at. */
static void log_passed(struct emt_monitor *mon, struct thread *t,
		       const siginfo_t *si)
{
	uint64_t addr = (uint64_t)(uintptr_t)si->si_addr;
	const struct region *r = regions_find(&t->proc->mm->map, addr);
	arch_regs regs;
	uint64_t pc = thread_getregs(t, &regs) == 0 ? arch_pc(&regs) : 0;

	emt_log(mon, EMT_LOG_DEBUG,
		"SIGSEGV of %d passed on: code %d addr 0x%llx pc 0x%llx, %s asked %d granted %d",
		t->tid, si->si_code, (unsigned long long)addr, (unsigned long long)pc,
		r ? "tracked" : "untracked", r ? r->attr.asked : -1,
		r ? r->attr.granted : -1);
}

bool faults_on_segv(struct emt_monitor *mon, struct thread *t, const siginfo_t *si,
		    const arch_regs *regs)
{
	if (handle_fault(mon, t, si, regs))
		return true;
	if (mon->opts.log_level >= EMT_LOG_DEBUG)
		log_passed(mon, t, si);
	return false;
}
