/* SPDX-License-Identifier: MIT */
/*
 * Files opened for writing: each one is remembered (written.c), since a
 * file a traced process could write may hold code it wrote, whatever its
 * time stamps say.
 */
#include <fcntl.h>
#include <linux/openat2.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"

/* Whether open flags can change the file: write access, or O_TRUNC. */
static bool writes(uint64_t flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

static bool open_entry(struct emt_monitor *mon, struct thread *t,
		       struct pending_call *c)
{
	const uint64_t *a = c->sc.args;
	struct open_how how = { 0 };

	switch (c->op) {
	case SC_OPEN:
		c->truncating = a[1] & O_TRUNC;
		return writes(a[1]);
	case SC_OPENAT:
	case SC_OPEN_BY_HANDLE_AT:
		c->truncating = a[2] & O_TRUNC;
		return writes(a[2]);
	case SC_OPENAT2:
		/* The flags are in memory another thread could change: the
		 * access mode is read from the open file at exit instead. */
		if (mem_read(mon, t->proc, a[2], &how, sizeof(how.flags)) == 0)
			c->truncating = how.flags & O_TRUNC;
		return true;
	case SC_CREAT:
	case SC_MEMFD_CREATE:
		c->truncating = true;
		return true;
	default:
		return false;
	}
}

bool filecalls_entry(struct emt_monitor *mon, struct thread *t,
		     struct pending_call *c)
{
	c->asked = c->granted = 0;
	return open_entry(mon, t, c);
}

void filecalls_exit(struct emt_monitor *mon, struct thread *t,
		    struct pending_call *c, int64_t ret, bool failed)
{
	if (failed || sysent_group(c->op) != SCG_OPEN)
		return;
	written_note_fd(mon, t->tid, (int)ret, c->truncating);
	written_watch_fd(mon, t, (int)ret);
}
