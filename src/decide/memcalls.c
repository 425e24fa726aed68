/* SPDX-License-Identifier: MIT */
/*
 * The calls that make, change or drop mappings: at entry decide what to
 * grant and rewrite `prot`; at exit commit to the region map only what the
 * call really did.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "model/model.h"
#include "ptrace/procfs.h"

#define PROT_MASK (PROT_READ | PROT_WRITE | PROT_EXEC)

static bool overlaps(const struct mm_space *mm, uint64_t start, uint64_t len)
{
	const struct region *r = regions_next(&mm->map, EMT_PAGE_DOWN(start));

	return r && len && r->start < EMT_PAGE_UP(start + len);
}

static bool noexec_path(const char *path)
{
	struct statvfs sv;

	return statvfs(path, &sv) == 0 && (sv.f_flag & ST_NOEXEC);
}

/* A file on a noexec mount never gets PROT_EXEC from READ_IMPLIES_EXEC
 * (do_mmap; mprotect through VM_MAYEXEC). */
static bool noexec_file(const struct thread *t, const struct pending_call *c)
{
	const uint64_t *a = c->sc.args;
	struct maps_entry e;
	char path[4096];

	if (c->op == SC_MMAP)
		return !(a[3] & MAP_ANONYMOUS) && procfs_fd_noexec(t->tid, (int)a[4]);
	return procfs_maps_find(t->tid, a[0], &e, path, sizeof(path)) == 0 &&
	       path[0] == '/' && noexec_path(path);
}

/* The protection the kernel would apply natively: what was asked, plus
 * PROT_EXEC for readable memory under READ_IMPLIES_EXEC (emulated by emt,
 * proccalls.c). */
static int effective_prot(const struct thread *t, const struct pending_call *c)
{
	int prot = (int)(c->sc.args[2] & PROT_MASK);

	if (!t->read_implies_exec || !(prot & PROT_READ) || (prot & PROT_EXEC) ||
	    noexec_file(t, c))
		return prot;
	return prot | PROT_EXEC;
}

/* Give the kernel what was decided: c->granted, beside the bits of prot
 * that are no protection (PROT_GROWSDOWN...). */
static void grant(struct thread *t, struct pending_call *c)
{
	uint64_t prot = c->sc.args[2];

	if ((int)(prot & PROT_MASK) == c->granted)
		return;
	if (syscalls_rewrite_arg(t, &c->sc, 2, (prot & ~(uint64_t)PROT_MASK) |
					       (uint64_t)c->granted))
		c->granted = (int)(prot & PROT_MASK); /* nothing to enforce */
}

/* Make the kernel grant what the program asked without PROT_EXEC. */
static void arm_call(struct pending_call *c, enum emt_origin origin)
{
	c->granted = prot_armed(c->asked);
	c->origin = (uint8_t)origin;
	c->report = true;
}

/* The call's arguments with the protection it really asks for. */
static void asked_args(const struct pending_call *c, uint64_t a[6])
{
	memcpy(a, c->sc.args, 6 * sizeof(a[0]));
	a[2] = (uint64_t)c->asked;
}

/* Armed if the call makes memory W+X (origin says how), granted either way. */
static void arm_and_grant(struct thread *t, struct pending_call *c,
			  enum emt_origin origin)
{
	if (origin != EMT_ORIGIN_NONE)
		arm_call(c, origin);
	grant(t, c);
}

static bool mmap_entry(struct emt_monitor *mon, struct thread *t,
		       struct pending_call *c)
{
	uint64_t a[6];

	asked_args(c, a);
	arm_and_grant(t, c, origin_of_map(mon, t, a));
	/* Every file view that runs code or may write a file's pages is
	 * recorded (views.c). */
	if (!(a[3] & MAP_ANONYMOUS) && ((c->asked & PROT_EXEC) || (a[3] & MAP_SHARED)))
		c->has_file = mapped_file_of_fd(t->tid, (int)a[4], &c->dev, &c->ino);
	c->report |= (c->asked & PROT_EXEC) != 0;
	return c->report || c->has_file || (a[3] & MAP_SHARED) ||
	       ((a[3] & MAP_FIXED) && (overlaps(t->proc->mm, a[0], a[1]) ||
				       t->proc->mm->n_views > 0));
}

static bool mprotect_entry(struct emt_monitor *mon, struct thread *t,
			   struct pending_call *c)
{
	uint64_t a[6];

	asked_args(c, a);
	arm_and_grant(t, c, origin_of_protect(mon, a));
	c->report |= overlaps(t->proc->mm, a[0], a[1]) || (c->asked & PROT_EXEC);
	return c->report || t->proc->mm->n_views > 0;
}

/* munmap, mremap: the map (and the views) follow the pages. */
static bool unmap_entry(struct thread *t, struct pending_call *c)
{
	const struct mm_space *mm = t->proc->mm;

	c->asked = c->granted = 0;
	c->report = overlaps(mm, c->sc.args[0], c->sc.args[1]);
	return c->report || mm->n_views > 0;
}

/* What a call may unmap, replace or change, if that includes emt's
 * trampoline: mremap also its new place. */
static bool tramp_in_way(const struct mm_space *mm, const struct pending_call *c,
			 struct tramp_avoid *av)
{
	const uint64_t *a = c->sc.args;

	*av = (struct tramp_avoid){ { a[0], 0 }, { a[1], 0 } };
	switch (c->op) {
	case SC_MMAP:
		if (!(a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
			av->len[0] = 0;
		break;
	case SC_MREMAP:
		av->len[0] = a[1] ? a[1] : 1;
		if (a[3] & MREMAP_FIXED) {
			av->start[1] = a[4];
			av->len[1] = a[2];
		}
		break;
	case SC_MPROTECT:
	case SC_PKEY_MPROTECT:
	case SC_MUNMAP:
	case SC_MSEAL:
		break;
	default:
		return false;
	}
	return tramp_overlaps(mm, av->start[0], av->len[0]) ||
	       tramp_overlaps(mm, av->start[1], av->len[1]);
}

static bool decide(struct emt_monitor *mon, struct thread *t,
		   struct pending_call *c)
{

	/* Unless armed below, the kernel applies exactly what is asked. */
	c->asked = c->granted = effective_prot(t, c);
	switch (c->op) {
	case SC_MMAP:
		return mmap_entry(mon, t, c);
	case SC_MPROTECT:
	case SC_PKEY_MPROTECT:
		return mprotect_entry(mon, t, c);
	case SC_MUNMAP:
	case SC_MREMAP:
		return unmap_entry(t, c);
	case SC_BRK:
		/* Always seen to the end: the break is known when
		 * READ_IMPLIES_EXEC makes the heap executable. */
		c->asked = c->granted = 0;
		return true;
	case SC_MADVISE:
	case SC_PROCESS_MADVISE:
	case SC_REMAP_FILE_PAGES:
	case SC_MSEAL:
		return pagecalls_entry(mon, t, c);
	case SC_SHMAT:
	case SC_SHMDT:
		return shm_entry(mon, t, c);
	default:
		return false;
	}
}

/* The program's call would unmap, replace or change emt's trampoline,
 * where natively there is nothing: it is moved out of the way first. That
 * takes remote calls, which take the place of the program's (orig_rax =
 * -1): emt then makes the call as the program asked, within this stop, so
 * that it does exactly what it would natively. */
bool memcalls_entry(struct emt_monitor *mon, struct thread *t,
		    struct pending_call *c)
{
	struct tramp_avoid av;
	bool in_way = !c->late && c->sc.abi == ABI_NATIVE &&
		      tramp_in_way(t->proc->mm, c, &av);
	bool needs_exit;
	int64_t ret;

	if (in_way) {
		emt_log(mon, EMT_LOG_INFO, "%d: %s over emt's trampoline: moving it",
			t->proc->pid, sysent_name(c->op));
		tramp_move(mon, t, &av);
	}
	needs_exit = decide(mon, t, c);
	/* decide() may have made the call itself (then it is committed). */
	if (!in_way || c->op == SC_NONE)
		return needs_exit && c->op != SC_NONE;
	if (syscalls_run_now(mon, t, &ret) == 0)
		syscalls_commit(mon, t, ret);
	return false;
}

static void set_asked(struct region_attr *attr, void *ctx)
{
	const struct pending_call *c = ctx;

	attr->asked = (uint8_t)c->asked;
	attr->granted = (uint8_t)c->granted;
}

/* mprotect: pages already tracked keep their capture count; new ones
 * start at zero. */
static int track_range(struct region_map *map, uint64_t start, uint64_t end,
		       const struct pending_call *c)
{
	struct region_attr fresh = { .asked = (uint8_t)c->asked,
				     .granted = (uint8_t)c->granted,
				     .origin = c->origin,
				     .flags = c->sc.args[2] & PROT_GROWSDOWN ? REGION_GROWSDOWN : 0 };
	uint64_t at = start;
	int rc = regions_update(map, start, end, set_asked, (void *)c);

	while (!rc && at < end) {
		/* Copied: a region pointer dies with the next change. */
		const struct region *r = regions_next(map, at);
		uint64_t next = r ? r->start : end, next_end = r ? r->end : end;
		uint64_t gap_end = next < end ? next : end;

		if (gap_end > at && c->granted != c->asked)
			rc = regions_set(map, at, gap_end, &fresh);
		if (!r || next >= end)
			break;
		at = next_end;
	}
	return rc;
}

/* The map could not take pages emt stripped: the kernel has them without
 * a right the program asked, and emt would not know them when they fault.
 * The call's event says what they have then. */
static void untracked(struct emt_monitor *mon, struct thread *t, uint64_t start,
		      uint64_t end, struct pending_call *c)
{
	untrack(mon, t, start, end, c->asked, -ENOMEM);
	c->granted = c->asked;
}

/* Whether another thread or process could have changed what an fd names
 * between emt's look at entry and the kernel's mmap (dup2). */
static bool fd_may_change(const struct thread *t)
{
	return t->proc->n_threads > 1 || t->proc->mm->refs > 1;
}

/* The file the kernel mapped at addr is not the one emt judged: it may
 * hold code emt would have armed. Arm it now; code may have run from it
 * meanwhile in another thread. */
static void fd_swapped(struct emt_monitor *mon, struct thread *t,
		       struct pending_call *c, const struct view *v)
{
	if (!(c->asked & PROT_EXEC) || c->granted != c->asked)
		return;
	if (inject_protect(mon, t, v->start, v->end - v->start, prot_armed(c->asked)))
		return;
	c->granted = prot_armed(c->asked);
	c->origin = EMT_ORIGIN_EXEC_MAP;
	event_blind(mon, t->proc->pid, t->tid, EMT_BLIND_UNSEEN_EXEC, v->start,
		    v->end - v->start, sysent_native_nr(SC_MMAP),
		    "the fd mapped was replaced while emt looked at it; "
		    "another thread may have run this code before emt armed it");
}

/* The view the new mapping is, as the kernel made it. */
static bool view_of_map(struct emt_monitor *mon, struct thread *t,
			struct pending_call *c, uint64_t addr, struct view *v)
{
	uint64_t end = addr + EMT_PAGE_UP(c->sc.args[1]);
	bool anon = c->sc.args[3] & MAP_ANONYMOUS;

	*v = (struct view){ addr, end, c->dev, c->ino, c->sc.args[5], c->asked,
			    (c->sc.args[3] & MAP_SHARED) != 0 };
	if ((anon || fd_may_change(t)) && mapped_view_at(t->tid, addr, v)) {
		if (!anon && (v->dev != c->dev || v->ino != c->ino))
			fd_swapped(mon, t, c, v);
		v->start = addr;
		v->end = end;
		v->prot = c->asked;
		return true;
	}
	return c->has_file;
}

static void commit_mmap(struct emt_monitor *mon, struct thread *t,
			struct pending_call *c, uint64_t addr)
{
	struct mm_space *mm = t->proc->mm;
	uint64_t end = addr + EMT_PAGE_UP(c->sc.args[1]);
	struct view v;
	bool has_view = (c->has_file || (c->sc.args[3] & MAP_SHARED)) &&
			view_of_map(mon, t, c, addr, &v);
	struct region_attr attr = { .asked = (uint8_t)c->asked,
				    .granted = (uint8_t)c->granted,
				    .origin = c->origin,
				    .flags = c->sc.args[3] & MAP_GROWSDOWN ? REGION_GROWSDOWN : 0 };

	/* A new mapping replaces whatever was there (MAP_FIXED). */
	untrack_gone(mon, t, addr, end);
	untrack_views(mon, t, views_unmap(mm, addr, end));
	if (c->granted != c->asked && regions_set(&mm->map, addr, end, &attr) < 0)
		untracked(mon, t, addr, end, c);
	if (has_view)
		untrack_views(mon, t, views_add(mm, &v));
	/* Code a traced process could write through a file: writes to it
	 * must be seen, from any process (another may hold the fd). */
	if (has_view && (v.prot & PROT_EXEC) && written_has(mon, v.dev, v.ino))
		watch_everyone(mon, t, WATCH_WRITES);
}

/* The heap shrank, or grew; under READ_IMPLIES_EXEC the kernel would
 * have made the new pages executable (VM_DATA_DEFAULT_FLAGS): they are
 * W+X the program never asked for in a call, and armed. */
static void commit_brk(struct emt_monitor *mon, struct thread *t, uint64_t brk)
{
	struct mm_space *mm = t->proc->mm;
	struct region_attr attr = { .asked = PROT_READ | PROT_WRITE | PROT_EXEC,
				    .granted = PROT_READ | PROT_WRITE,
				    .origin = EMT_ORIGIN_WX_MAP };

	if (mm->brk && brk < mm->brk)
		untrack_gone(mon, t, brk, mm->brk);
	if (mm->brk && brk > mm->brk && t->read_implies_exec &&
	    regions_set(&mm->map, mm->brk, brk, &attr) < 0)
		untrack(mon, t, mm->brk, brk, attr.asked, -ENOMEM);
	mm->brk = brk;
}

/*
 * The map could not follow an mremap: the tracked pages moved to new with
 * the protection emt gave them (and a grown tail with that of the last
 * one), unknown to the map there. The map still has them at old.
 */
static void move_failed(struct emt_monitor *mon, struct thread *t, uint64_t old,
			uint64_t old_len, uint64_t new, uint64_t new_len)
{
	struct region_map *map = &t->proc->mm->map;
	uint64_t moved = old_len < new_len ? old_len : new_len, at = old;
	const struct region *last = old_len ? regions_find(map, old + old_len - 1) : NULL;
	int last_asked = last ? last->attr.asked : -1;

	while (at < old + moved) {
		const struct region *r = regions_next(map, at);
		uint64_t s, e;
		int asked;

		if (!r || r->start >= old + moved)
			break;
		s = r->start > old ? r->start : old;
		e = r->end < old + moved ? r->end : old + moved;
		asked = r->attr.asked;
		at = r->end;
		/* r dies here: the map changes. */
		untrack(mon, t, s - old + new, e - old + new, asked, -ENOMEM);
	}
	if (new_len > old_len && last_asked >= 0)
		untrack(mon, t, new + old_len, new + new_len, last_asked, -ENOMEM);
}

/* Where an mprotect really starts: with PROT_GROWSDOWN the kernel
 * extends it down to the start of the mapping (do_mprotect_pkey), which
 * the mapping has now. */
static uint64_t grows_from(const struct thread *t, const struct pending_call *c)
{
	struct maps_entry e;

	if (!(c->sc.args[2] & PROT_GROWSDOWN) ||
	    procfs_maps_find(t->tid, c->sc.args[0], &e, NULL, 0))
		return c->sc.args[0];
	return e.start < c->sc.args[0] ? e.start : c->sc.args[0];
}

/* The call succeeded: bring the map up to date. */
static void commit_success(struct emt_monitor *mon, struct thread *t,
			   struct pending_call *c, uint64_t ret)
{
	struct mm_space *mm = t->proc->mm;
	const uint64_t *a = c->sc.args;
	uint64_t end = a[0] + EMT_PAGE_UP(a[1]);

	switch (c->op) {
	case SC_MMAP:
		commit_mmap(mon, t, c, ret);
		break;
	case SC_MPROTECT:
	case SC_PKEY_MPROTECT:
		if (track_range(&mm->map, grows_from(t, c), end, c) < 0 &&
		    c->granted != c->asked)
			untracked(mon, t, grows_from(t, c), end, c);
		untrack_views(mon, t, views_protect(mm, a[0], end, c->asked));
		break;
	case SC_MUNMAP:
		untrack_gone(mon, t, a[0], end);
		untrack_views(mon, t, views_unmap(mm, a[0], end));
		break;
	case SC_MREMAP:
		untrack_views(mon, t, views_move(mm, a[0], EMT_PAGE_UP(a[1]), ret,
						 EMT_PAGE_UP(a[2]), a[3] & MREMAP_DONTUNMAP));
		if (regions_move(&mm->map, a[0], EMT_PAGE_UP(a[1]), ret,
				 EMT_PAGE_UP(a[2]), a[3] & MREMAP_DONTUNMAP) < 0) {
			move_failed(mon, t, a[0], EMT_PAGE_UP(a[1]), ret, EMT_PAGE_UP(a[2]));
			if (!(a[3] & MREMAP_DONTUNMAP))
				untrack_gone(mon, t, a[0], end);
		}
		break;
	default:
		break;
	}
}

void memcalls_exit(struct emt_monitor *mon, struct thread *t,
		   struct pending_call *c, int64_t ret, bool failed)
{
	(void)mon;
	/* brk "fails" by returning the old break, which is still news. */
	if (c->op == SC_BRK)
		commit_brk(mon, t, (uint64_t)ret);
	else if (c->op == SC_SHMAT || c->op == SC_SHMDT)
		shm_exit(mon, t, c, ret, failed);
	else if (!failed)
		commit_success(mon, t, c, (uint64_t)ret);
}
