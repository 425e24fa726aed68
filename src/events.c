/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

bool event_wanted(const struct emt_monitor *mon, enum emt_event_type type)
{
	return mon->opts.event_mask & EMT_EVENT_MASK(type);
}

struct emt_event *event_new(struct emt_monitor *mon, enum emt_event_type type,
			    const struct thread *t)
{
	struct emt_event *ev = calloc(1, sizeof(*ev));

	if (!ev) {
		emt_log(mon, EMT_LOG_ERROR, "out of memory for an event");
		return NULL;
	}
	ev->type = type;
	ev->timestamp = emt_now_ns();
	if (t) {
		ev->pid = t->proc->pid;
		ev->tid = t->tid;
	}
	return ev;
}

void event_emit(struct emt_monitor *mon, struct emt_event *ev)
{
	bool drop = mon->opts.flags & EMT_OPT_DROP_WHEN_FULL;

	if (queue_push(&mon->queue, ev, drop) == -ENOBUFS)
		mon->n_dropped++;
}

void event_flip(struct emt_monitor *mon, const struct thread *t, uint64_t addr,
		uint64_t len, int from, int to)
{
	struct emt_event *ev;

	if (!event_wanted(mon, EMT_EVENT_FLIP))
		return;
	ev = event_new(mon, EMT_EVENT_FLIP, t);
	if (!ev)
		return;
	ev->addr = addr;
	ev->len = len;
	ev->prot_old = from;
	ev->prot_new = to;
	event_emit(mon, ev);
}

void event_process(struct emt_monitor *mon, pid_t pid, pid_t parent,
		   enum emt_process_change change, int status)
{
	struct emt_event *ev;

	if (!event_wanted(mon, EMT_EVENT_PROCESS))
		return;
	ev = event_new(mon, EMT_EVENT_PROCESS, NULL);
	if (!ev)
		return;
	ev->pid = pid;
	ev->tid = pid;
	ev->parent = parent;
	ev->change = change;
	ev->wait_status = status;
	event_emit(mon, ev);
}

void emt_event_free(struct emt_event *event)
{
	if (!event)
		return;
	free(event->bytes);
	free(event);
}
