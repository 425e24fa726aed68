/* SPDX-License-Identifier: MIT */
/*
 * SysV shared memory: shmat maps a segment, executable with SHM_EXEC (or
 * READ_IMPLIES_EXEC), writable unless SHM_RDONLY; SHM_REMAP replaces what
 * was there. An executable attach is armed like an mmap; every attach is a
 * view of the segment's shm file (views.c), so that a write through
 * another attach, in this process or another, re-arms it. A segment also
 * attached by a process emt does not trace can be changed by it unseen:
 * that is reported.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include "monitor.h"
#include "decide/decide.h"
#include "events/events.h"
#include "model/model.h"
#include "ptrace/procfs.h"

#ifndef SHM_EXEC
#define SHM_EXEC 0100000
#endif

static int shm_prot(const struct thread *t, uint64_t flags)
{
	int prot = (flags & SHM_RDONLY) ? PROT_READ : PROT_READ | PROT_WRITE;

	/* do_shmat maps with do_mmap: READ_IMPLIES_EXEC applies. */
	if ((flags & SHM_EXEC) || t->read_implies_exec)
		prot |= PROT_EXEC;
	return prot;
}

static bool shmat_entry(struct emt_monitor *mon, struct thread *t,
			struct pending_call *c)
{
	uint64_t flags = c->sc.args[2];

	c->asked = c->granted = shm_prot(t, flags);
	c->report = true;
	if (!(c->asked & PROT_EXEC) || (mon->opts.flags & EMT_OPT_ONLY_WX &&
					!(c->asked & PROT_WRITE)))
		return true;
	c->origin = (c->asked & PROT_WRITE) ? EMT_ORIGIN_WX_MAP : EMT_ORIGIN_EXEC_MAP;
	c->granted = prot_armed(c->asked);
	if ((flags & SHM_EXEC) &&
	    syscalls_rewrite_arg(t, &c->sc, 2, flags & ~(uint64_t)SHM_EXEC))
		c->granted = c->asked;
	return true;
}

bool shm_entry(struct emt_monitor *mon, struct thread *t, struct pending_call *c)
{
	const struct view *v;

	if (c->op == SC_SHMAT)
		return shmat_entry(mon, t, c);
	v = views_at(t->proc->mm, c->sc.args[0]);
	c->asked = c->granted = 0;
	c->shm_end = v ? v->end : c->sc.args[0] + EMT_PAGE_SIZE;
	return true;
}


/* Attached elsewhere than in traced processes: code there can change with
 * no call or fault emt sees. */
static void check_outside(struct emt_monitor *mon, struct thread *t,
			  const struct pending_call *c, const struct view *v)
{
	long traced, all = procfs_shm_nattch(c->sc.args[0]);

	if (!(c->asked & PROT_EXEC) || all < 0)
		return;
	traced = (long)views_count_file(mon, v->dev, v->ino, 0);
	if (all > traced)
		event_blind(mon, t->proc->pid, t->tid, EMT_BLIND_SHARED_OUTSIDE, v->start,
			    v->end - v->start, sysent_native_nr(SC_SHMAT),
			    "shm segment %llu is also attached by %ld process(es) emt does "
			    "not trace: they can change this code unseen",
			    (unsigned long long)c->sc.args[0], all - traced);
}

static void shmat_exit(struct emt_monitor *mon, struct thread *t,
		       struct pending_call *c, uint64_t addr)
{
	struct mm_space *mm = t->proc->mm;
	struct view v;
	struct region_attr attr = { .asked = (uint8_t)c->asked,
				    .granted = (uint8_t)c->granted,
				    .origin = c->origin };

	if (!mapped_view_at(t->tid, addr, &v))
		return;
	v.start = addr;
	v.prot = c->asked;
	v.shared = true;
	/* SHM_REMAP replaced whatever was there. */
	untrack_gone(mon, t, v.start, v.end);
	if (c->granted != c->asked && regions_set(&mm->map, v.start, v.end, &attr) < 0) {
		untrack(mon, t, v.start, v.end, c->asked, -ENOMEM);
		c->granted = c->asked;
	}
	untrack_views(mon, t, views_add(mm, &v));
	check_outside(mon, t, c, &v);
}

void shm_exit(struct emt_monitor *mon, struct thread *t, struct pending_call *c,
	      int64_t ret, bool failed)
{
	struct mm_space *mm = t->proc->mm;

	if (failed)
		return;
	if (c->op == SC_SHMAT) {
		shmat_exit(mon, t, c, (uint64_t)ret);
		return;
	}
	untrack_gone(mon, t, c->sc.args[0], c->shm_end);
	untrack_views(mon, t, views_unmap(mm, c->sc.args[0], c->shm_end));
}
