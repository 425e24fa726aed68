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

#include "internal.h"

#define PROT_MASK (PROT_READ | PROT_WRITE | PROT_EXEC)

bool alias_file_of(pid_t pid, int fd, uint64_t *dev, uint64_t *ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	if (fd < 0 || stat(path, &st) < 0)
		return false;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return true;
}

static void view_drop_range(struct mm_space *mm, uint64_t start, uint64_t end)
{
	size_t keep = 0;

	/* Views are whole mappings; a partial unmap forgets the view. */
	for (size_t i = 0; i < mm->n_views; i++)
		if (mm->views[i].end <= start || mm->views[i].start >= end)
			mm->views[keep++] = mm->views[i];
	mm->n_views = keep;
}

void alias_add_view(struct mm_space *mm, const struct view *v)
{
	view_drop_range(mm, v->start, v->end);
	if (mm->n_views == mm->cap_views) {
		size_t cap = mm->cap_views ? mm->cap_views * 2 : 8;
		struct view *nv = realloc(mm->views, cap * sizeof(*nv));

		if (!nv)
			return;
		mm->views = nv;
		mm->cap_views = cap;
	}
	mm->views[mm->n_views++] = *v;
}

void alias_unmap(struct mm_space *mm, uint64_t start, uint64_t end)
{
	view_drop_range(mm, start, end);
}

static const struct view *view_at(const struct mm_space *mm, uint64_t addr)
{
	for (size_t i = 0; i < mm->n_views; i++)
		if (addr >= mm->views[i].start && addr < mm->views[i].end)
			return &mm->views[i];
	return NULL;
}

static void set_prot(struct region_attr *attr, void *ctx)
{
	attr->granted = (uint8_t)*(int *)ctx;
}

/* Give page q of view w the protection prot, tracking it if needed. */
static void protect_alias(struct emt_monitor *mon, struct thread *t,
			  const struct view *w, uint64_t q, int prot)
{
	struct region_map *map = &t->proc->mm->map;
	const struct region *r = regions_find(map, q);
	int from = r ? r->attr.granted : w->prot;

	if (from == prot || inject_mprotect(mon, t, q, EMT_PAGE_SIZE, prot))
		return;
	if (r) {
		regions_update(map, q, q + EMT_PAGE_SIZE, set_prot, &prot);
	} else {
		struct region_attr attr = { .asked = (uint8_t)w->prot,
					    .granted = (uint8_t)prot,
					    .origin = EMT_ORIGIN_ALIAS };
		regions_set(map, q, q + EMT_PAGE_SIZE, &attr);
	}
	event_flip(mon, t, q, EMT_PAGE_SIZE, from, prot);
}

/* Whether w is another view, with a protection that includes want, of
 * file offset off that view v shows; *q: the page of w that shows it. */
static bool alias_of(const struct view *v, uint64_t off, const struct view *w,
		     int want, uint64_t *q)
{
	if (w == v || w->dev != v->dev || w->ino != v->ino || !(w->prot & want) ||
	    off < w->off || off - w->off >= w->end - w->start)
		return false;
	*q = w->start + (off - w->off);
	return true;
}

/* For every other view of the file page behind addr whose protection
 * includes `want`, call fn on the aliasing page. */
static void for_each_alias(struct emt_monitor *mon, struct thread *t,
			   uint64_t page, int want,
			   void (*fn)(struct emt_monitor *, struct thread *,
				      const struct view *, uint64_t, uint64_t))
{
	struct mm_space *mm = t->proc->mm;
	const struct view *v = view_at(mm, page);
	uint64_t off, q;

	if (!v)
		return;
	off = v->off + (page - v->start);
	for (size_t i = 0; i < mm->n_views; i++)
		if (alias_of(v, off, &mm->views[i], want, &q))
			fn(mon, t, &mm->views[i], q, page);
}

static void guard_writer(struct emt_monitor *mon, struct thread *t,
			 const struct view *w, uint64_t q)
{
	const struct region *r = regions_find(&t->proc->mm->map, q);
	int asked = r ? r->attr.asked : w->prot;

	protect_alias(mon, t, w, q, asked & ~(PROT_WRITE | PROT_EXEC));
}

static void mark_written(struct region_attr *attr, void *ctx)
{
	attr->origin = EMT_ORIGIN_ALIAS;
	attr->writer = *(uint64_t *)ctx;
}

static void rearm_exec(struct emt_monitor *mon, struct thread *t,
		       const struct view *w, uint64_t q, uint64_t page)
{
	struct region_map *map = &t->proc->mm->map;
	const struct region *r = regions_find(map, q);

	if (!r || !(r->attr.asked & PROT_EXEC))
		return;
	protect_alias(mon, t, w, q, prot_armed(r->attr.asked));
	/* The next capture of q says it ran what was written through page. */
	regions_update(map, q, q + EMT_PAGE_SIZE, mark_written, &page);
}

static void guard_writer_at(struct emt_monitor *mon, struct thread *t,
			    const struct view *w, uint64_t q, uint64_t page)
{
	(void)page;
	guard_writer(mon, t, w, q);
}

bool alias_runs_from(const struct mm_space *mm, uint64_t page, uint64_t pc)
{
	const struct view *v = view_at(mm, page);
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

int alias_copy(struct mm_space *dst, const struct mm_space *src)
{
	if (!src->n_views)
		return 0;
	dst->views = malloc(src->n_views * sizeof(*dst->views));
	if (!dst->views)
		return -ENOMEM;
	for (size_t i = 0; i < src->n_views; i++)
		dst->views[i] = src->views[i];
	dst->n_views = dst->cap_views = src->n_views;
	return 0;
}
