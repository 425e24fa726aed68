/* SPDX-License-Identifier: MIT */
/*
 * Events: built from what emt saw, queued for the consumer; the log.
 */
#ifndef EMT_EVENTS_H
#define EMT_EVENTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "emt/emt.h"

struct emt_monitor;
struct thread;

struct event_queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	pthread_cond_t nonfull;
	struct emt_event **ring;
	size_t cap, head, count;
	bool unbounded;        /* stop requested: never block the tracer */
	bool finished;         /* tracer is done: no more events */
	struct emt_event **overflow; /* beyond cap once unbounded */
	size_t overflow_head, n_overflow, cap_overflow;
};
/* log.c */
void emt_log(struct emt_monitor *mon, enum emt_log_level level,
	     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
uint64_t emt_now_ns(void);

/* queue.c */
int queue_init(struct event_queue *q, size_t cap);
void queue_destroy(struct event_queue *q);
/* Takes ownership of ev. Blocks while full unless drop is set or the queue
 * is unbounded; returns -ENOBUFS when the event was dropped. */
int queue_push(struct event_queue *q, struct emt_event *ev, bool drop);
int queue_pop(struct event_queue *q, int timeout_ms, struct emt_event **ev);
void queue_set_unbounded(struct event_queue *q);
void queue_finish(struct event_queue *q);
/* Whether events of that type still reach the user once stopping. */
bool queue_kept_at_stop(enum emt_event_type type);
/* Removes and returns every queued event kept at stop. */
size_t queue_drain(struct event_queue *q, struct emt_event ***out);

/* events.c */
/* A new event of type, or NULL when the user did not ask for that type
 * (or memory ran out, which is logged). */
struct emt_event *event_new(struct emt_monitor *mon, enum emt_event_type type,
			    const struct thread *t);
/* The event's buffer for len captured bytes (ev->bytes), reused if pooled
 * (up to a page); NULL when out of memory. */
uint8_t *event_bytes_buffer(struct emt_event *ev, size_t len);
/* The event's EMT_FRAMES_MAX frames (ev->frames), kept when pooled; NULL
 * when out of memory. */
struct emt_frame *event_frames_buffer(struct emt_event *ev);
void event_emit(struct emt_monitor *mon, struct emt_event *ev);
void event_flip(struct emt_monitor *mon, const struct thread *t, uint64_t addr,
		uint64_t len, int from, int to);
void event_process(struct emt_monitor *mon, pid_t pid, pid_t parent,
		   enum emt_process_change change, int status);
/* Report that code may change or run unseen at [addr, addr+len) of pid
 * (route says how); fmt says what the program did. nr: the syscall, or -1. */
void event_blind(struct emt_monitor *mon, pid_t pid, pid_t tid,
		 enum emt_blind_route route, uint64_t addr, uint64_t len, long nr,
		 const char *fmt, ...) __attribute__((format(printf, 8, 9)));

#endif
