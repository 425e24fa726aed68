/* SPDX-License-Identifier: MIT */
/*
 * The kernel about to write pages a program may run, on its behalf and
 * with no fault in the program: a write to /proc/PID/mem (which ignores
 * the pages' protection, FOLL_FORCE), a write to a file an executable
 * view shows, a userfaultfd fill, an madvise that discards pages. Every
 * executable page in the range is armed first, so that its next run is
 * captured again (origin kernel_write, with the call that wrote it); the
 * caller then makes the call within the same stop (syscalls_run_now): no
 * other stop is handled between the arming and the write, and a thread
 * that runs the page meanwhile faults and waits for emt, which by then
 * sees what was written.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "model/model.h"
#include "ptrace/procfs.h"

#define PIECES_MAX 64

/* A run of pages to arm, with what the program asked for them and what
 * they have now. */
struct piece {
	uint64_t start, end;
	int asked, now;
	bool tracked;
};

struct pieces {
	struct piece v[PIECES_MAX];
	size_t n;
};

static void add_piece(struct pieces *ps, uint64_t start, uint64_t end, int asked,
		      int now, bool tracked)
{
	if (start < end && ps->n < PIECES_MAX)
		ps->v[ps->n++] = (struct piece){ start, end, asked, now, tracked };
}

/* Tracked pages of [start, end) emt lets run now, of those the program
 * asked at least want for. */
static void tracked_pieces(const struct region_map *map, uint64_t start, uint64_t end,
			   int want, struct pieces *ps)
{
	for (const struct region *r = regions_next(map, start); r && r->start < end;
	     r = regions_next(map, r->end)) {
		if ((r->attr.granted & PROT_EXEC) && (r->attr.asked & want) == want)
			add_piece(ps, r->start > start ? r->start : start,
				  r->end < end ? r->end : end, r->attr.asked,
				  r->attr.granted, true);
	}
}

/* Executable pages of [start, end) emt does not track, as the kernel
 * has them: a library's code, the vDSO's... */
static void untracked_pieces(pid_t pid, const struct mm_space *mm, uint64_t start,
			     uint64_t end, struct pieces *ps)
{
	struct maps_reader rd;
	struct maps_entry e;

	if (procfs_maps_open(&rd, pid))
		return;
	while (procfs_maps_next(&rd, &e) && e.start < end) {
		uint64_t lo = e.start > start ? e.start : start, hi = e.end < end ? e.end : end;

		if (hi <= lo || !(e.prot & PROT_EXEC) || tramp_overlaps(mm, lo, hi - lo) ||
		    strcmp(e.path, "[vsyscall]") == 0)
			continue;
		/* Cut out what is tracked: it was looked at above. */
		for (uint64_t at = lo; at < hi;) {
			const struct region *r = regions_next(&mm->map, at);
			uint64_t gap_end = r && r->start < hi ? r->start : hi;

			add_piece(ps, at, gap_end, e.prot, e.prot, false);
			if (!r || r->start >= hi)
				break;
			at = r->end;
		}
	}
	procfs_maps_close(&rd);
}

struct rearm {
	int granted;
	uint16_t by;
};

static void rearmed(struct region_attr *attr, void *ctx)
{
	const struct rearm *ra = ctx;

	attr->granted = (uint8_t)ra->granted;
	attr->origin = EMT_ORIGIN_KERNEL_WRITE;
	attr->written_by = ra->by;
}

static void arm_piece(struct emt_monitor *mon, struct thread *actor,
		      const struct piece *pc, enum sc_op by)
{
	struct region_map *map = &actor->proc->mm->map;
	struct rearm ra = { prot_armed(pc->asked), (uint16_t)by };
	struct region_attr fresh = { .asked = (uint8_t)pc->asked, .granted = (uint8_t)ra.granted,
				     .origin = EMT_ORIGIN_KERNEL_WRITE, .written_by = (uint16_t)by };
	uint64_t len = pc->end - pc->start;

	if (inject_protect(mon, actor, pc->start, len, ra.granted)) {
		event_blind(mon, actor->proc->pid, actor->tid, EMT_BLIND_UNENFORCEABLE,
			    pc->start, len, sysent_native_nr(by),
			    "executable pages the kernel is about to write cannot be armed");
		return;
	}
	if ((pc->tracked ? regions_update(map, pc->start, pc->end, rearmed, &ra)
			 : regions_set(map, pc->start, pc->end, &fresh)) < 0) {
		/* Untracked, the pages would fault for the program. */
		untrack(mon, actor, pc->start, pc->end, pc->asked, -ENOMEM);
		return;
	}
	event_flip(mon, actor, pc->start, len, pc->now, ra.granted);
}

/* [*start, *end) out to whole pages; an end that wrapped is the top. */
static void whole_pages(uint64_t *start, uint64_t *end)
{
	*start = EMT_PAGE_DOWN(*start);
	*end = *end < *start ? UINT64_MAX : EMT_PAGE_UP(*end);
}

static void arm(struct emt_monitor *mon, struct thread *actor, uint64_t start,
		uint64_t end, enum sc_op by, bool forced)
{
	struct mm_space *mm = actor->proc->mm;
	struct pieces ps = { .n = 0 };

	whole_pages(&start, &end);
	tracked_pieces(&mm->map, start, end, forced ? 0 : PROT_WRITE, &ps);
	if (forced)
		untracked_pieces(actor->tid, mm, start, end, &ps);
	if (ps.n == PIECES_MAX)
		event_blind(mon, actor->proc->pid, actor->tid, EMT_BLIND_UNENFORCEABLE,
			    start, end - start, sysent_native_nr(by),
			    "more executable runs than emt arms at once in a range "
			    "the kernel writes");
	for (size_t i = 0; i < ps.n; i++)
		arm_piece(mon, actor, &ps.v[i], by);
}

void kwin_arm(struct emt_monitor *mon, struct thread *actor, uint64_t start,
	      uint64_t end, enum sc_op by)
{
	arm(mon, actor, start, end, by, true);
}

bool kwin_writable_code(const struct mm_space *mm, uint64_t start, uint64_t end)
{
	struct pieces ps = { .n = 0 };

	whole_pages(&start, &end);
	tracked_pieces(&mm->map, start, end, PROT_WRITE, &ps);
	return ps.n > 0;
}

void kwin_arm_writable(struct emt_monitor *mon, struct thread *actor, uint64_t start,
		       uint64_t end, enum sc_op by)
{
	arm(mon, actor, start, end, by, false);
}

/* An executable view of a file being written, found in some address
 * space: copied out, since stopping another process to arm it may handle
 * events that change the views. */
struct target {
	pid_t pid;
	uint64_t start, end;
};

struct targets {
	struct target v[PIECES_MAX];
	size_t n;
};

static void collect_view(struct emt_monitor *mon, struct proc *p, const struct view *v,
			 uint64_t start, uint64_t end, void *ctx)
{
	struct targets *ts = ctx;

	(void)mon;
	if ((v->prot & PROT_EXEC) && ts->n < PIECES_MAX)
		ts->v[ts->n++] = (struct target){ p->pid, start, end };
}

static void arm_target(struct emt_monitor *mon, struct thread *self,
		       const struct target *tg, enum sc_op by)
{
	struct proc *p = proc_find(mon, tg->pid);
	struct thread *actor = p ? borrow_thread(mon, p, self) : NULL;

	if (!actor) {
		event_blind(mon, tg->pid, 0, EMT_BLIND_SHARED_OUTSIDE, tg->start,
			    tg->end - tg->start, sysent_native_nr(by),
			    "no thread of this process could be stopped to arm its view "
			    "of a file being written");
		return;
	}
	kwin_arm(mon, actor, tg->start, tg->end, by);
	borrow_return(mon, actor, self);
}

void kwin_arm_file(struct emt_monitor *mon, struct thread *self, uint64_t dev,
		   uint64_t ino, enum sc_op by)
{
	struct targets ts = { .n = 0 };

	views_for_file(mon, dev, ino, 0, UINT64_MAX, collect_view, &ts);
	for (size_t i = 0; i < ts.n; i++)
		arm_target(mon, self, &ts.v[i], by);
}

bool kwin_file_runs(struct emt_monitor *mon, uint64_t dev, uint64_t ino)
{
	return views_count_file(mon, dev, ino, PROT_EXEC) > 0;
}
