/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "monitor.h"
#include "events/events.h"

/* Freed events, with their page buffer, wait here for reuse, so a fault
 * in steady state allocates nothing. Shared by all monitors: events may
 * be freed after their monitor. As many as a default queue holds: with
 * fewer, a consumer that falls behind frees the rest into the tracer
 * thread's malloc arena, which then shrinks and grows again (mprotect and
 * page faults) at every burst. */
#define POOL_MAX 1024

struct event_box {
	struct emt_event ev;   /* first: the user holds &box->ev */
	uint8_t *buf;          /* bytes of a capture, kept across reuse when
				* no larger than a page */
	size_t buf_size;
	struct emt_frame *frames; /* EMT_FRAMES_MAX, kept across reuse */
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct event_box *pool[POOL_MAX];
static size_t pool_n;

static struct event_box *box_of(struct emt_event *ev)
{
	return (struct event_box *)ev;
}

static struct event_box *pool_take(void)
{
	struct event_box *box = NULL;

	pthread_mutex_lock(&pool_lock);
	if (pool_n)
		box = pool[--pool_n];
	pthread_mutex_unlock(&pool_lock);
	return box;
}

static bool pool_give(struct event_box *box)
{
	bool kept = false;

	/* A whole region's buffer is not kept: the pool would hold up to
	 * POOL_MAX of them. */
	if (box->buf_size > EMT_PAGE_SIZE) {
		free(box->buf);
		box->buf = NULL;
		box->buf_size = 0;
	}
	pthread_mutex_lock(&pool_lock);
	if (pool_n < POOL_MAX) {
		pool[pool_n++] = box;
		kept = true;
	}
	pthread_mutex_unlock(&pool_lock);
	return kept;
}

uint8_t *event_bytes_buffer(struct emt_event *ev, size_t len)
{
	struct event_box *box = box_of(ev);

	if (box->buf_size < len) {
		free(box->buf);
		box->buf_size = 0;
		box->buf = malloc(len < EMT_PAGE_SIZE ? EMT_PAGE_SIZE : len);
		if (box->buf)
			box->buf_size = len < EMT_PAGE_SIZE ? EMT_PAGE_SIZE : len;
	}
	ev->bytes = box->buf;
	return ev->bytes;
}

struct emt_frame *event_frames_buffer(struct emt_event *ev)
{
	struct event_box *box = box_of(ev);

	if (!box->frames)
		box->frames = malloc(EMT_FRAMES_MAX * sizeof(*box->frames));
	ev->frames = box->frames;
	return ev->frames;
}

static bool event_wanted(const struct emt_monitor *mon, enum emt_event_type type)
{
	return mon->opts.event_mask & EMT_EVENT_MASK(type);
}

struct emt_event *event_new(struct emt_monitor *mon, enum emt_event_type type,
			    const struct thread *t)
{
	struct event_box *box;
	struct emt_event *ev;

	if (!event_wanted(mon, type))
		return NULL;
	box = pool_take();
	if (!box)
		box = calloc(1, sizeof(*box));
	if (box)
		box->ev = (struct emt_event){ 0 };
	ev = box ? &box->ev : NULL;
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
	struct emt_event *ev = event_new(mon, EMT_EVENT_FLIP, t);

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
	struct emt_event *ev = event_new(mon, EMT_EVENT_PROCESS, NULL);

	if (!ev)
		return;
	ev->pid = pid;
	ev->tid = pid;
	ev->parent = parent;
	ev->change = change;
	ev->wait_status = status;
	event_emit(mon, ev);
}

void event_blind(struct emt_monitor *mon, pid_t pid, pid_t tid,
		 enum emt_blind_route route, uint64_t addr, uint64_t len, long nr,
		 const char *fmt, ...)
{
	struct emt_event *ev = event_new(mon, EMT_EVENT_BLIND, NULL);
	va_list ap;

	mon->n_blind++;
	va_start(ap, fmt);
	if (ev)
		vsnprintf(ev->what, sizeof(ev->what), fmt, ap);
	va_end(ap);
	/* A blind spot must reach whoever watches: a caller that asked for
	 * no blind events (or when memory ran out) still gets a warning. */
	emt_log(mon, ev ? EMT_LOG_DEBUG : EMT_LOG_WARN,
		"%d: blind (%s) 0x%llx len %llu: %s", pid,
		emt_blind_route_name(route), (unsigned long long)addr,
		(unsigned long long)len, ev ? ev->what : fmt);
	if (!ev)
		return;
	ev->pid = pid;
	ev->tid = tid;
	ev->blind_route = route;
	ev->addr = addr;
	ev->len = len;
	ev->syscall_nr = nr;
	event_emit(mon, ev);
}

void emt_event_free(struct emt_event *event)
{
	struct event_box *box = box_of(event);

	if (!event || pool_give(box))
		return;
	free(box->buf);
	free(box->frames);
	free(box);
}
