/* SPDX-License-Identifier: MIT */
/*
 * The only structure shared between the tracer thread (producer) and the
 * user's thread (consumer). While tracing, a full queue blocks the tracer
 * unless the user asked for counted drops. Once stopping, only exec and
 * blind events are kept (the result of emt_monitor_stop, documented in
 * emt.h); the others are freed, as the user asked for no more of them,
 * and kept ones beyond OVERFLOW_MAX are counted as dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "monitor.h"
#include "events/events.h"

#define QUEUE_WAKE_BATCH 64
#define QUEUE_POLL_MS 5

int queue_init(struct event_queue *q, size_t cap)
{
	pthread_condattr_t ca;

	*q = (struct event_queue){ .cap = cap };
	q->ring = calloc(cap, sizeof(*q->ring));
	if (!q->ring)
		return -ENOMEM;
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->nonempty, &ca);
	pthread_cond_init(&q->nonfull, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

void queue_destroy(struct event_queue *q)
{
	struct emt_event *ev;

	while (queue_pop(q, 0, &ev) == 0)
		emt_event_free(ev);
	free(q->ring);
	free(q->overflow);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->nonfull);
}

/* Events waiting beyond the ring: overflow[overflow_head..n_overflow). */
static size_t overflow_len(const struct event_queue *q)
{
	return q->n_overflow - q->overflow_head;
}

/* Events held beyond the ring once stopping (EMT_STOP_WAIT keeps tracing
 * until the program ends): at most this many, about 1 GiB of pages at
 * worst; later ones are counted as dropped. */
#define OVERFLOW_MAX (256u * 1024)

static int overflow_push(struct event_queue *q, struct emt_event *ev)
{
	if (overflow_len(q) >= OVERFLOW_MAX)
		return -ENOBUFS;
	if (q->n_overflow == q->cap_overflow) {
		size_t cap = q->cap_overflow ? q->cap_overflow * 2 : 64;
		struct emt_event **v = realloc(q->overflow, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		q->overflow = v;
		q->cap_overflow = cap;
	}
	q->overflow[q->n_overflow++] = ev;
	return 0;
}

bool queue_kept_at_stop(enum emt_event_type type)
{
	return type == EMT_EVENT_EXEC || type == EMT_EVENT_BLIND;
}

int queue_push(struct event_queue *q, struct emt_event *ev, bool drop)
{
	int rc = 0;

	pthread_mutex_lock(&q->lock);
	while (q->count == q->cap && !q->unbounded && !drop)
		pthread_cond_wait(&q->nonfull, &q->lock);
	/* Once stopping, only exec and blind events reach the user (the
	 * result of emt_monitor_stop): keep no others. */
	if (q->unbounded && !queue_kept_at_stop(ev->type)) {
		pthread_mutex_unlock(&q->lock);
		emt_event_free(ev);
		return 0;
	}
	if (q->count < q->cap && overflow_len(q) == 0) {
		q->ring[(q->head + q->count) % q->cap] = ev;
		q->count++;
	} else if (q->unbounded) {
		rc = overflow_push(q, ev);
	} else {
		rc = -ENOBUFS;
	}
	/* Waking the consumer for every event costs a context switch per
	 * fault; it polls every QUEUE_POLL_MS instead and is woken only when
	 * a batch is ready. */
	if (rc == 0 && q->count + overflow_len(q) == QUEUE_WAKE_BATCH)
		pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
	if (rc)
		emt_event_free(ev);
	return rc;
}

static struct emt_event *take_locked(struct event_queue *q)
{
	struct emt_event *ev = q->ring[q->head];

	q->head = (q->head + 1) % q->cap;
	q->count--;
	/* Refill the ring from the overflow, oldest first, to keep order. */
	if (overflow_len(q) && q->count < q->cap) {
		q->ring[(q->head + q->count) % q->cap] = q->overflow[q->overflow_head++];
		q->count++;
		if (q->overflow_head == q->n_overflow)
			q->overflow_head = q->n_overflow = 0;
	}
	pthread_cond_signal(&q->nonfull);
	return ev;
}

static void deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Wait for an event, re-checking every QUEUE_POLL_MS since the producer
 * does not signal every push. */
static int wait_slice(struct event_queue *q, int timeout_ms,
		      const struct timespec *deadline)
{
	struct timespec slice, now;

	deadline_after(&slice, QUEUE_POLL_MS);
	if (timeout_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline->tv_sec ||
		    (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec))
			return ETIMEDOUT;
		if (slice.tv_sec > deadline->tv_sec ||
		    (slice.tv_sec == deadline->tv_sec && slice.tv_nsec > deadline->tv_nsec))
			slice = *deadline;
	}
	pthread_cond_timedwait(&q->nonempty, &q->lock, &slice);
	return 0;
}

int queue_pop(struct event_queue *q, int timeout_ms, struct emt_event **ev)
{
	struct timespec deadline = { 0 };
	int rc = 0;

	if (timeout_ms > 0)
		deadline_after(&deadline, timeout_ms);
	pthread_mutex_lock(&q->lock);
	while (q->count == 0 && !q->finished && rc == 0)
		rc = timeout_ms == 0 ? ETIMEDOUT : wait_slice(q, timeout_ms, &deadline);
	if (q->count) {
		*ev = take_locked(q);
		rc = 0;
	} else {
		rc = q->finished ? -ECHILD : -EAGAIN;
	}
	pthread_mutex_unlock(&q->lock);
	return rc;
}

void queue_set_unbounded(struct event_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->unbounded = true;
	pthread_cond_broadcast(&q->nonfull);
	pthread_mutex_unlock(&q->lock);
}

void queue_finish(struct event_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->finished = true;
	pthread_cond_broadcast(&q->nonempty);
	pthread_cond_broadcast(&q->nonfull);
	pthread_mutex_unlock(&q->lock);
}

size_t queue_drain(struct event_queue *q, struct emt_event ***out)
{
	size_t n = 0, cap = q->count + overflow_len(q);
	struct emt_event **v = calloc(cap ? cap : 1, sizeof(*v));
	struct emt_event *ev;

	*out = v;
	while (queue_pop(q, 0, &ev) == 0) {
		if (v && queue_kept_at_stop(ev->type))
			v[n++] = ev;
		else
			emt_event_free(ev);
	}
	return n;
}
