/* SPDX-License-Identifier: MIT */
/*
 * Memory that is executable without any call emt could intercept: what
 * execve maps (a W+X segment, an executable stack, an image or interpreter
 * written while traced, such as a memfd run with fexecve), and, when
 * attaching, whatever the process made before emt came. Read from
 * /proc/PID/maps and armed before the program runs (or goes on).
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "model/model.h"
#include "ptrace/procfs.h"

#define WX (PROT_WRITE | PROT_EXEC)

/* Mappings the kernel makes for itself, never the program's code. */
static bool special(const struct maps_entry *e)
{
	return e->ino == 0 && (strcmp(e->path, "[vdso]") == 0 ||
			       strcmp(e->path, "[vsyscall]") == 0 ||
			       strcmp(e->path, "[vvar]") == 0 ||
			       strcmp(e->path, "[vvar_vclock]") == 0);
}

/* The file behind e may hold code written while traced. Its name may have
 * changed hands since it was mapped: when the file at that path is not the
 * one mapped, assume the worst. */
static bool written_mapping(struct emt_monitor *mon, const struct maps_entry *e)
{
	struct stat st;

	if (e->ino == 0 || e->path[0] != '/')
		return false;
	if (origin_written_path(e->path))
		return true;
	if (stat(e->path, &st) < 0 || st.st_ino != e->ino || st.st_dev != e->dev)
		return true;
	return st.st_nlink == 0 || origin_new_file(mon, &st);
}

static bool anonymous(const struct maps_entry *e)
{
	return e->ino == 0 && e->path[0] == '\0';
}

/* The origin of e's code if emt must arm it, else EMT_ORIGIN_NONE. */
static enum emt_origin sweep_origin(struct emt_monitor *mon, const struct mm_space *mm,
				    const struct maps_entry *e, bool attaching)
{
	if (!(e->prot & PROT_EXEC) || special(e) || tramp_contains(mm, e->start))
		return EMT_ORIGIN_NONE;
	if ((e->prot & WX) == WX)
		return attaching ? EMT_ORIGIN_WX_MAP : EMT_ORIGIN_EXEC_IMAGE;
	if (mon->opts.flags & EMT_OPT_ONLY_WX)
		return EMT_ORIGIN_NONE;
	if (written_mapping(mon, e) || (attaching && anonymous(e)))
		return attaching ? EMT_ORIGIN_EXEC_MAP : EMT_ORIGIN_EXEC_IMAGE;
	return EMT_ORIGIN_NONE;
}

static void arm(struct emt_monitor *mon, struct thread *t, const struct maps_entry *e,
		enum emt_origin origin)
{
	struct region_attr attr = { .asked = (uint8_t)e->prot,
				    .granted = (uint8_t)prot_armed(e->prot),
				    .origin = (uint8_t)origin };

	/* The main stack grows down into pages that get the protection of
	 * the mapping, which emt changed: they are tracked as they come. */
	if (strcmp(e->path, "[stack]") == 0)
		attr.flags |= REGION_GROWSDOWN;
	if (inject_protect(mon, t, e->start, e->end - e->start, attr.granted)) {
		event_blind(mon, t->proc->pid, t->tid, EMT_BLIND_UNENFORCEABLE, e->start,
			    e->end - e->start, -1, "executable %s%s cannot be armed",
			    e->path[0] ? "mapping of " : "memory", e->path);
		return;
	}
	if (regions_set(&t->proc->mm->map, e->start, e->end, &attr) < 0) {
		inject_protect(mon, t, e->start, e->end - e->start, e->prot);
		event_blind(mon, t->proc->pid, t->tid, EMT_BLIND_UNENFORCEABLE, e->start,
			    e->end - e->start, -1, "no memory left to track it");
		return;
	}
	event_flip(mon, t, e->start, e->end - e->start, attr.asked, attr.granted);
}

/* Executable file mappings are views (views.c): a write to their file
 * changes their code. True for one of a file a program may write. */
static bool add_view(struct emt_monitor *mon, struct thread *t, const struct maps_entry *e)
{
	struct view v = { e->start, e->end, e->dev, e->ino, e->offset, e->prot, e->shared };

	if (e->ino == 0 || e->path[0] != '/' || !(e->prot & PROT_EXEC))
		return false;
	untrack_views(mon, t, views_add(t->proc->mm, &v));
	return written_has(mon, e->dev, e->ino);
}

void sweep(struct emt_monitor *mon, struct thread *t, bool attaching)
{
	struct maps_reader r;
	struct maps_entry e;
	bool written = false;

	if (procfs_maps_open(&r, t->tid))
		return;
	while (procfs_maps_next(&r, &e)) {
		enum emt_origin origin = sweep_origin(mon, t->proc->mm, &e, attaching);

		written |= add_view(mon, t, &e);
		if (origin != EMT_ORIGIN_NONE)
			arm(mon, t, &e, origin);
	}
	procfs_maps_close(&r);
	if (written)
		watch_everyone(mon, t, WATCH_WRITES);
}
