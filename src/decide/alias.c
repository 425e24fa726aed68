/* SPDX-License-Identifier: MIT */
/*
 * Dual mappings: two views of one file's pages (a memfd, a shm segment, a
 * deleted file), one writable, one executable. Writing through the
 * writable view changes the code the executable view runs without any
 * fault on the executable view. So once an executable view's page has run,
 * the writable views of the same file page are kept read-only; a write
 * fault there re-arms every executable view of that file page, and the
 * next execution is captured again with a higher sequence number.
 *
 * Views are known by the device, inode and offset of the file behind each
 * file mapping emt saw being made (mmap of a shared or executable file
 * mapping stops in emt).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "model/model.h"

#define PROT_MASK (PROT_READ | PROT_WRITE | PROT_EXEC)

struct alias_change {
	int prot;
	uint64_t writer; /* the page written through, or 0 */
};

static void set_prot(struct region_attr *attr, void *ctx)
{
	const struct alias_change *ch = ctx;

	attr->granted = (uint8_t)ch->prot;
	if (ch->writer) {
		attr->origin = EMT_ORIGIN_ALIAS;
		attr->writer = ch->writer;
	}
}

/* Give page q of view w the protection prot, tracking it if needed; with
 * a writer, its next capture says it ran what was written through that
 * page. One update of the map, so that none is half done. */
static void protect_alias(struct emt_monitor *mon, struct thread *t,
			  const struct view *w, uint64_t q, int prot, uint64_t writer)
{
	struct region_map *map = &t->proc->mm->map;
	const struct region *r = regions_find(map, q);
	int from = r ? r->attr.granted : w->prot, asked = r ? r->attr.asked : w->prot;
	struct alias_change ch = { prot, writer };
	struct region_attr attr = { .asked = (uint8_t)w->prot,
				    .granted = (uint8_t)prot,
				    .origin = EMT_ORIGIN_ALIAS,
				    .writer = writer };

	if (from == prot && (!r || !writer))
		return;
	if (from != prot && inject_protect(mon, t, q, EMT_PAGE_SIZE, prot))
		return;
	if ((r ? regions_update(map, q, q + EMT_PAGE_SIZE, set_prot, &ch)
	       : regions_set(map, q, q + EMT_PAGE_SIZE, &attr)) < 0)
		untrack(mon, t, q, q + EMT_PAGE_SIZE, asked, -ENOMEM);
	else if (from != prot)
		event_flip(mon, t, q, EMT_PAGE_SIZE, from, prot);
}

/* Whether w is another view, with a protection that includes want, of
 * file offset off that view v shows; *q: the page of w that shows it. */
static bool alias_of(const struct view *v, uint64_t off, const struct view *w,
		     int want, uint64_t *q)
{
	/* Only a shared view writes the file; any view (a private one too,
	 * until its page is copied) shows what was written. */
	if (w == v || w->dev != v->dev || w->ino != v->ino || !(w->prot & want) ||
	    (want == PROT_WRITE && !w->shared) || (want == PROT_EXEC && !v->shared) ||
	    off < w->off || off - w->off >= w->end - w->start)
		return false;
	*q = w->start + (off - w->off);
	return true;
}

/* A view of the file page, found in some address space. */
struct alias {
	pid_t pid;             /* a process with that address space */
	struct view w;         /* the view, as it was when found */
	uint64_t q;            /* its page that shows the file page */
};

#define ALIASES_MAX 64

/* Every other view, in any traced address space, of the file page behind
 * page, whose protection includes want. Copied out: acting on one may
 * stop another process, whose events may change the views. */
static size_t find_aliases(struct emt_monitor *mon, struct thread *t, uint64_t page,
			   int want, struct alias *out)
{
	const struct view *v = views_at(t->proc->mm, page);
	size_t n = 0;
	uint64_t off, q;

	if (!v)
		return 0;
	off = v->off + (page - v->start);
	for (struct proc *p = mon->procs; p; p = p->next) {
		const struct mm_space *mm = p->mm;

		if (proc_mm_seen_before(mon, p))
			continue;
		for (size_t i = 0; i < mm->n_views && n < ALIASES_MAX; i++)
			if (alias_of(v, off, &mm->views[i], want, &q))
				out[n++] = (struct alias){ p->pid, mm->views[i], q };
	}
	return n;
}

/* For every other view of the file page behind page whose protection
 * includes want, call fn on the aliasing page, with a thread of the
 * address space that has it. */
static void for_each_alias(struct emt_monitor *mon, struct thread *t,
			   uint64_t page, int want,
			   void (*fn)(struct emt_monitor *, struct thread *,
				      const struct view *, uint64_t, uint64_t))
{
	struct alias found[ALIASES_MAX];
	size_t n = find_aliases(mon, t, page, want, found);

	for (size_t i = 0; i < n; i++) {
		struct proc *p = proc_find(mon, found[i].pid);
		struct thread *actor = p ? borrow_thread(mon, p, t) : NULL;

		if (!actor) {
			event_blind(mon, found[i].pid, 0, EMT_BLIND_SHARED_OUTSIDE,
				    found[i].q, EMT_PAGE_SIZE, -1,
				    "no thread of this process could be stopped to "
				    "protect its view of a page written elsewhere");
			continue;
		}
		fn(mon, actor, &found[i].w, found[i].q, page);
		borrow_return(mon, actor, t);
	}
}

static void guard_writer(struct emt_monitor *mon, struct thread *t,
			 const struct view *w, uint64_t q)
{
	const struct region *r = regions_find(&t->proc->mm->map, q);
	int asked = r ? r->attr.asked : w->prot;

	protect_alias(mon, t, w, q, asked & ~(PROT_WRITE | PROT_EXEC), 0);
}

static void rearm_exec(struct emt_monitor *mon, struct thread *t,
		       const struct view *w, uint64_t q, uint64_t page)
{
	const struct region *r = regions_find(&t->proc->mm->map, q);
	int asked = r ? r->attr.asked : w->prot;

	/* An executable view emt did not track yet (it never ran, or its
	 * file was not one a program writes) is armed all the same. */
	if (!(asked & PROT_EXEC))
		return;
	protect_alias(mon, t, w, q, prot_armed(asked), page);
}

static void guard_writer_at(struct emt_monitor *mon, struct thread *t,
			    const struct view *w, uint64_t q, uint64_t page)
{
	(void)page;
	guard_writer(mon, t, w, q);
}

bool alias_runs_from(const struct mm_space *mm, uint64_t page, uint64_t pc)
{
	const struct view *v = views_at(mm, page);
	uint64_t lo = EMT_PAGE_DOWN(pc), hi = EMT_PAGE_DOWN(pc + ARCH_MAX_INSN_LEN - 1);
	uint64_t off, q;

	if (!v)
		return false;
	off = v->off + (page - v->start);
	for (size_t i = 0; i < mm->n_views; i++)
		if (alias_of(v, off, &mm->views[i], PROT_EXEC, &q) && (q == lo || q == hi))
			return true;
	return false;
}

void alias_after_exec(struct emt_monitor *mon, struct thread *t, uint64_t page)
{
	for_each_alias(mon, t, page, PROT_WRITE, guard_writer_at);
}

void alias_after_write(struct emt_monitor *mon, struct thread *t, uint64_t page)
{
	for_each_alias(mon, t, page, PROT_EXEC, rearm_exec);
}
