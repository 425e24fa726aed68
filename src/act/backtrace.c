/* SPDX-License-Identifier: MIT */
/*
 * Backtraces at captures (EMT_OPT_BACKTRACE), as strace -k gives them.
 * Frame 0 is the fault. Generated code seldom has CFI, and at its first
 * instruction has not yet set up a frame: its caller is the return
 * address at the stack pointer, and libdw unwinds from there (ptrace/
 * unwind.c). A fault in the middle of code (a page crossed) has no return
 * address there: that frame is then whatever the stack holds, and the
 * frames after it are what libdw makes of it.
 */
#include <stdlib.h>

#include "monitor.h"
#include "act/act.h"
#include "events/events.h"
#include "model/model.h"
#include "ptrace/unwind.h"

/* The processes backtraced last, each with its files and CFI read. */
#define UNWINDERS_MAX 8

struct unwinders {
	struct unwinder *v[UNWINDERS_MAX];
	uint64_t used[UNWINDERS_MAX];
	uint64_t clock;
};

static struct unwinder *unwinder_of(struct emt_monitor *mon, pid_t pid)
{
	struct unwinders *us = mon->unwinders;
	size_t oldest = 0;

	if (!us && !(us = mon->unwinders = calloc(1, sizeof(*us))))
		return NULL;
	us->clock++;
	for (size_t i = 0; i < UNWINDERS_MAX; i++) {
		if (us->v[i] && unwind_pid(us->v[i]) == pid) {
			us->used[i] = us->clock;
			return us->v[i];
		}
		if (us->used[i] < us->used[oldest])
			oldest = i;
	}
	unwind_free(us->v[oldest]);
	us->v[oldest] = unwind_new(pid);
	us->used[oldest] = us->clock;
	return us->v[oldest];
}

/* A frame in memory emt tracks is generated code, whatever file libdw
 * took it for (it gives a file the span from its lowest mapping to its
 * highest: node maps parts of itself far above its text). */
static void mark_generated(const struct mm_space *mm, struct emt_frame *frames, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t at = i && frames[i].pc ? frames[i].pc - 1 : frames[i].pc;

		if (!regions_find(&mm->map, at))
			continue;
		frames[i].module[0] = '\0';
		frames[i].symbol[0] = '\0';
		frames[i].offset = 0;
	}
}

struct reading {
	struct emt_monitor *mon;
	struct proc *p;
};

/* Through mem_read, which never waits on a userfaultfd the program may
 * leave unanswered. */
static int read_stack(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct reading *r = ctx;

	return mem_read(r->mon, r->p, addr, buf, len);
}

void backtrace_capture(struct emt_monitor *mon, struct thread *t, const arch_regs *regs,
		       struct emt_event *ev)
{
	struct reading reading = { mon, t->proc };
	const struct unwind_reader rd = { read_stack, &reading };
	struct unwinder *u = unwinder_of(mon, t->proc->pid);
	struct emt_frame *frames = event_frames_buffer(ev);
	uint64_t ret, caller[ARCH_DWARF_REGS];
	bool have_caller;

	if (!u || !frames) {
		ev->frames = NULL;
		emt_log(mon, EMT_LOG_WARN, "no memory for the backtrace of %d", t->tid);
		return;
	}
	have_caller = mem_read(mon, t->proc, arch_sp(regs), &ret, sizeof(ret)) == 0;
	if (have_caller)
		arch_dwarf_after_return(regs, ret, caller);
	ev->n_frames = unwind_frames(u, t->tid, arch_pc(regs), have_caller ? caller : NULL, &rd,
				     frames, EMT_FRAMES_MAX);
	mark_generated(t->proc->mm, frames, ev->n_frames);
}

void backtrace_free(struct emt_monitor *mon)
{
	struct unwinders *us = mon->unwinders;

	if (!us)
		return;
	for (size_t i = 0; i < UNWINDERS_MAX; i++)
		unwind_free(us->v[i]);
	free(us);
	mon->unwinders = NULL;
}
