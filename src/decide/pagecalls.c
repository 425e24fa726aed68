/* SPDX-License-Identifier: MIT */
/*
 * Calls that change what pages hold without writing them, or that take
 * them out of emt's reach:
 *
 * - madvise (and process_madvise on itself) that discards pages
 *   (MADV_DONTNEED, MADV_FREE, MADV_REMOVE, guard regions): an anonymous
 *   page comes back zero-filled or filled by userfaultfd, a private file
 *   page goes back to the file's content;
 * - remap_file_pages: a shared file view shows other file pages;
 * - mseal: pages can no longer change protection, so emt can no longer
 *   withhold execution from them.
 *
 * For the first two, the executable pages of the range are armed first and
 * the call is made by emt within the stop (kwin.c); for mseal, emt gives the
 * pages what the program asked for, stops tracking them and says so.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "model/model.h"

#define IOV_MAX_SEEN 64

/* Whether emt lets some page of [start, start+len) run now. */
static bool runs_in(const struct mm_space *mm, uint64_t start, uint64_t len)
{
	uint64_t end = EMT_PAGE_UP(start + len);

	for (const struct region *r = regions_next(&mm->map, EMT_PAGE_DOWN(start));
	     r && r->start < end; r = regions_next(&mm->map, r->end))
		if (r->attr.granted & PROT_EXEC)
			return true;
	return false;
}

/* Arm the executable pages of the ranges, then make the call. */
static void arm_and_run(struct emt_monitor *mon, struct thread *t,
			struct pending_call *c, const struct iovec *v, size_t n)
{
	int64_t ret;

	for (size_t i = 0; i < n; i++) {
		uint64_t start = (uint64_t)(uintptr_t)v[i].iov_base;

		kwin_arm(mon, t, start, start + v[i].iov_len, c->op);
	}
	if (syscalls_run_now(mon, t, &ret) == 0)
		syscalls_commit(mon, t, ret);
}

static bool madvise_entry(struct emt_monitor *mon, struct thread *t,
			  struct pending_call *c)
{
	const uint64_t *a = c->sc.args;
	struct iovec v = { (void *)(uintptr_t)a[0], a[1] };

	if (stoprules_discards(a[2]) && runs_in(t->proc->mm, a[0], a[1]))
		arm_and_run(mon, t, c, &v, 1);
	return false;
}

/* process_madvise(pidfd, iovec, n, advice, flags): only on itself can it
 * discard (PIDFD_SELF, Linux 6.13); a pidfd of another process is taken
 * for its own too, which only costs an arming. */
static bool process_madvise_entry(struct emt_monitor *mon, struct thread *t,
				  struct pending_call *c)
{
	const uint64_t *a = c->sc.args;
	struct iovec v[IOV_MAX_SEEN];
	size_t n = a[2] < IOV_MAX_SEEN ? a[2] : IOV_MAX_SEEN;
	bool runs = false;

	if (!stoprules_discards(a[3]) || !n || mem_read(mon, t->proc, a[1], v, n * sizeof(v[0])))
		return false;
	for (size_t i = 0; i < n; i++)
		runs |= runs_in(t->proc->mm, (uint64_t)(uintptr_t)v[i].iov_base, v[i].iov_len);
	if (runs)
		arm_and_run(mon, t, c, v, n);
	return false;
}

/* The view now shows other file pages: what the kernel says it shows. */
static void refresh_views(struct emt_monitor *mon, struct thread *t, uint64_t start,
			  uint64_t len)
{
	struct view v;

	if (mapped_view_at(t->tid, start, &v)) {
		untrack_views(mon, t, views_unmap(t->proc->mm, start, start + len));
		untrack_views(mon, t, views_add(t->proc->mm, &v));
	}
}

static bool remap_entry(struct emt_monitor *mon, struct thread *t,
			struct pending_call *c)
{
	const uint64_t *a = c->sc.args;
	const struct view *v = views_at(t->proc->mm, a[0]);
	struct iovec range = { (void *)(uintptr_t)a[0], a[1] };

	if (!v)
		return false;
	arm_and_run(mon, t, c, &range, 1);
	refresh_views(mon, t, a[0], a[1]);
	return false;
}

/* Sealed pages keep their protection for good: give the tracked ones what
 * the program asked for first, and stop tracking them. */
static void unseal_tracked(struct emt_monitor *mon, struct thread *t, uint64_t start,
			   uint64_t len)
{
	struct region_map *map = &t->proc->mm->map;
	uint64_t end = EMT_PAGE_UP(start + len);
	uint64_t at = EMT_PAGE_DOWN(start);

	while (at < end) {
		const struct region *r = regions_next(map, at);
		uint64_t lo, hi;
		int asked;

		if (!r || r->start >= end)
			break;
		lo = r->start > at ? r->start : at;
		hi = r->end < end ? r->end : end;
		asked = r->attr.asked;
		at = hi;
		inject_protect(mon, t, lo, hi - lo, asked);
		if (regions_remove(map, lo, hi) < 0)
			untrack_gone(mon, t, lo, hi); /* drops the map */
		if (asked & PROT_EXEC)
			event_blind(mon, t->proc->pid, t->tid, EMT_BLIND_UNENFORCEABLE, lo,
				    hi - lo, sysent_native_nr(SC_MSEAL),
				    "mseal: emt can no longer withhold execution from "
				    "these pages; later code there is not captured");
	}
}

static bool mseal_entry(struct emt_monitor *mon, struct thread *t,
			struct pending_call *c)
{
	const uint64_t *a = c->sc.args;
	uint64_t end = EMT_PAGE_UP(a[0] + a[1]);
	const struct region *r = regions_next(&t->proc->mm->map, EMT_PAGE_DOWN(a[0]));
	int64_t ret;

	if (!r || r->start >= end)
		return false;
	unseal_tracked(mon, t, a[0], a[1]);
	if (syscalls_run_now(mon, t, &ret) == 0)
		syscalls_commit(mon, t, ret);
	return false;
}

bool pagecalls_entry(struct emt_monitor *mon, struct thread *t,
		     struct pending_call *c)
{
	c->asked = c->granted = 0;
	switch (c->op) {
	case SC_MADVISE:
		return madvise_entry(mon, t, c);
	case SC_PROCESS_MADVISE:
		return process_madvise_entry(mon, t, c);
	case SC_REMAP_FILE_PAGES:
		return remap_entry(mon, t, c);
	case SC_MSEAL:
		return mseal_entry(mon, t, c);
	default:
		return false;
	}
}
