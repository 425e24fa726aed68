/* SPDX-License-Identifier: MIT */
/*
 * Views: which file pages each file mapping of an address space shows
 * (device, inode, offset), as what the program asked. Two views of one
 * file page, one executable and one writable, or a write to the file by a
 * syscall, change code without a fault on the executable view (alias.c,
 * kwin.c): the views say where that code is.
 *
 * A view follows its pages exactly: a partial munmap or mprotect splits
 * it, mremap moves it (or, with old_size 0, duplicates a shared one). A
 * view forgotten too early would be a silent route.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "monitor.h"
#include "model/model.h"
#include "model/regions_node.h"

/* Through the test suite's allocator when it has one (testhooks.c). */
static void *views_alloc(size_t size)
{
	return regions_alloc_hook ? regions_alloc_hook(size) : malloc(size);
}

static int reserve(struct mm_space *mm, size_t extra)
{
	size_t cap = mm->cap_views ? mm->cap_views : 8;
	struct view *nv;

	if (mm->n_views + extra <= mm->cap_views)
		return 0;
	while (cap < mm->n_views + extra)
		cap *= 2;
	nv = regions_alloc_hook ? views_alloc(cap * sizeof(*nv))
				: realloc(mm->views, cap * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	if (regions_alloc_hook) {
		if (mm->n_views)
			memcpy(nv, mm->views, mm->n_views * sizeof(*nv));
		free(mm->views);
	}
	mm->views = nv;
	mm->cap_views = cap;
	return 0;
}

/* The part of v inside [start, end), or an empty view. */
static struct view clip(const struct view *v, uint64_t start, uint64_t end)
{
	struct view c = *v;

	if (c.start < start) {
		c.off += start - c.start;
		c.start = start;
	}
	if (c.end > end)
		c.end = end;
	if (c.end <= c.start)
		c.end = c.start;
	return c;
}

/* Cut [start, end) out of every view: what lies either side stays. At
 * most one view straddles each end, so at most one more entry. */
static int cut(struct mm_space *mm, uint64_t start, uint64_t end)
{
	size_t n = mm->n_views, keep = 0;

	if (reserve(mm, 1) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct view v = mm->views[i];
		struct view left = clip(&v, v.start, start);
		struct view right = clip(&v, end, v.end);

		if (v.end <= start || v.start >= end) {
			mm->views[keep++] = v;
			continue;
		}
		if (left.end > left.start)
			mm->views[keep++] = left;
		if (right.end > right.start)
			mm->views[mm->n_views++] = right; /* past n: seen once */
	}
	/* Move the right parts, appended past n, down after the kept. */
	memmove(&mm->views[keep], &mm->views[n], (mm->n_views - n) * sizeof(*mm->views));
	mm->n_views = keep + (mm->n_views - n);
	return 0;
}

int views_add(struct mm_space *mm, const struct view *v)
{
	int rc = cut(mm, v->start, v->end);

	if (!rc)
		rc = reserve(mm, 1);
	if (!rc)
		mm->views[mm->n_views++] = *v;
	return rc;
}

int views_unmap(struct mm_space *mm, uint64_t start, uint64_t end)
{
	return mm->n_views ? cut(mm, start, end) : 0;
}

/* mprotect: the views in the range now show what was asked, prot. */
int views_protect(struct mm_space *mm, uint64_t start, uint64_t end, int prot)
{
	struct view *parts = NULL;
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < mm->n_views; i++) {
		struct view in = clip(&mm->views[i], start, end);

		if (in.end <= in.start || in.prot == prot)
			continue;
		if (!parts && !(parts = views_alloc(mm->n_views * sizeof(*parts))))
			return -ENOMEM;
		in.prot = prot;
		parts[n++] = in;
	}
	for (size_t i = 0; !rc && i < n; i++)
		rc = views_add(mm, &parts[i]);
	free(parts);
	return rc;
}

/* mremap: the views of the old range follow the pages to new_addr (also
 * kept at the old place with MREMAP_DONTUNMAP); with old_len 0 a shared
 * mapping is duplicated, and the new place shows the same file pages. */
int views_move(struct mm_space *mm, uint64_t old_addr, uint64_t old_len,
	       uint64_t new_addr, uint64_t new_len, bool keep_old)
{
	uint64_t span = old_len ? old_len : new_len;
	struct view moved[2];
	size_t n_moved = 0;
	int rc = 0;

	for (size_t i = 0; i < mm->n_views && n_moved < 2; i++) {
		struct view v = clip(&mm->views[i], old_addr, old_addr + span);

		if (v.end <= v.start)
			continue;
		v.end = new_addr + (v.end - old_addr);
		v.start = new_addr + (v.start - old_addr);
		if (v.end > new_addr + new_len)
			v.end = new_addr + new_len;
		if (v.end > v.start)
			moved[n_moved++] = v;
	}
	if (old_len && !keep_old)
		rc = cut(mm, old_addr, old_addr + old_len);
	if (!rc)
		rc = cut(mm, new_addr, new_addr + new_len);
	for (size_t i = 0; !rc && i < n_moved; i++)
		rc = views_add(mm, &moved[i]);
	return rc;
}

const struct view *views_at(const struct mm_space *mm, uint64_t addr)
{
	for (size_t i = 0; i < mm->n_views; i++)
		if (addr >= mm->views[i].start && addr < mm->views[i].end)
			return &mm->views[i];
	return NULL;
}

int views_copy(struct mm_space *dst, const struct mm_space *src)
{
	if (!src->n_views)
		return 0;
	dst->views = views_alloc(src->n_views * sizeof(*dst->views));
	if (!dst->views)
		return -ENOMEM;
	memcpy(dst->views, src->views, src->n_views * sizeof(*dst->views));
	dst->n_views = dst->cap_views = src->n_views;
	return 0;
}

void views_for_file(struct emt_monitor *mon, uint64_t dev, uint64_t ino,
		    uint64_t off, uint64_t len,
		    void (*fn)(struct emt_monitor *, struct proc *, const struct view *,
			       uint64_t start, uint64_t end, void *),
		    void *ctx)
{
	uint64_t end = off + len < off ? UINT64_MAX : off + len;

	for (struct proc *p = mon->procs; p; p = p->next) {
		const struct mm_space *mm = p->mm;

		if (proc_mm_seen_before(mon, p))
			continue;
		for (size_t i = 0; i < mm->n_views; i++) {
			const struct view *v = &mm->views[i];
			uint64_t vend = v->off + (v->end - v->start);
			uint64_t lo = off > v->off ? off : v->off, hi = end < vend ? end : vend;

			if (v->dev != dev || v->ino != ino || lo >= hi)
				continue;
			fn(mon, p, v, EMT_PAGE_DOWN(v->start + (lo - v->off)),
			   EMT_PAGE_UP(v->start + (hi - v->off)), ctx);
		}
	}
}

struct view_count {
	int prot;
	size_t n;
};

static void count_view(struct emt_monitor *mon, struct proc *p, const struct view *v,
		       uint64_t start, uint64_t end, void *ctx)
{
	struct view_count *vc = ctx;

	(void)mon;
	(void)p;
	(void)start;
	(void)end;
	vc->n += (v->prot & vc->prot) == vc->prot;
}

size_t views_count_file(struct emt_monitor *mon, uint64_t dev, uint64_t ino, int prot)
{
	struct view_count vc = { prot, 0 };

	views_for_file(mon, dev, ino, 0, UINT64_MAX, count_view, &vc);
	return vc.n;
}

void views_clear(struct mm_space *mm)
{
	free(mm->views);
	mm->views = NULL;
	mm->n_views = mm->cap_views = 0;
}
