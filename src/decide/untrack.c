/* SPDX-License-Identifier: MIT */
/*
 * Pages emt cannot keep under W^X: its map could not take them (no memory
 * left), or the kernel refused a protection they need. Left stripped and
 * unknown to the map, they would fault for the program, or be written and
 * run unseen without a word. Instead they get what the program asked,
 * leave the map, and a blind event says that what runs there is no longer
 * captured.
 */
#include <string.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "model/model.h"

/* Not even the removal went through (it may have to split a region): the
 * map is wrong about these pages, and would make emt act on them for ever.
 * Every page of the address space gets what its program asked and the map
 * is dropped, which frees its memory; what is mapped from now on is
 * tracked again. */
static void forget_all(struct emt_monitor *mon, struct thread *t, uint64_t skip_start,
		       uint64_t skip_end)
{
	inject_restore_asked_outside(mon, t, skip_start, skip_end);
	event_blind(mon, t->proc->pid, t->tid, EMT_BLIND_UNENFORCEABLE, 0, UINT64_MAX, -1,
		    "emt ran out of memory: every page of the process is left as the "
		    "program asked, and what runs there is not captured");
}

void untrack_gone(struct emt_monitor *mon, struct thread *t, uint64_t start, uint64_t end)
{
	if (regions_remove(&t->proc->mm->map, start, end) == 0)
		return;
	/* Left in the map, these pages would be given what the old ones
	 * asked, at detach or by the next forget_all, whatever is mapped
	 * there now; and they are no longer the old ones to restore. */
	forget_all(mon, t, start, end);
}

void untrack_views(struct emt_monitor *mon, struct thread *t, int rc)
{
	if (rc >= 0)
		return;
	views_clear(t->proc->mm);
	event_blind(mon, t->proc->pid, t->tid, EMT_BLIND_UNENFORCEABLE, 0, UINT64_MAX, -1,
		    "emt ran out of memory following the file mappings of the process: "
		    "code changed through another mapping of a file is not captured");
}

void untrack(struct emt_monitor *mon, struct thread *t, uint64_t start, uint64_t end,
	     int asked, int err)
{
	inject_protect(mon, t, start, end - start, asked);
	if (regions_remove(&t->proc->mm->map, start, end) < 0) {
		forget_all(mon, t, 0, 0);
		return;
	}
	event_blind(mon, t->proc->pid, t->tid, EMT_BLIND_UNENFORCEABLE, start,
		    end - start, -1,
		    "emt cannot keep these pages under W^X (%s): they are left as "
		    "the program asked, and what runs there later is not captured",
		    strerror(-err));
}
