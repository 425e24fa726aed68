/* SPDX-License-Identifier: MIT */
/*
 * The processes a monitor traces, as a set the user's thread may read
 * while the tracer thread changes it (emt_monitor_traces): a host asks it
 * who sent a signal. A process is in it from before it first runs (a new
 * child is added at its parent's clone event, before emt resumes it) until
 * a few seconds after it ended or was let go: a program may signal the
 * host and exit at once, before the host looks at the signal.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "monitor.h"
#include "model/model.h"

#define TRACED_BUCKETS 1024
/* How long an ended process still counts as traced. */
#define GONE_GRACE_NS (5 * 1000000000ull)

struct traced_entry {
	pid_t tgid;
	uint64_t gone_ns;          /* CLOCK_MONOTONIC when it ended; 0: traced */
	struct traced_entry *next;
};

struct traced_set {
	pthread_mutex_t lock;
	struct traced_entry *buckets[TRACED_BUCKETS];
	size_t n_gone;
	size_t prune_at;           /* n_gone that makes the next prune */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct traced_entry **slot_of(struct traced_set *s, pid_t tgid)
{
	struct traced_entry **pp = &s->buckets[(size_t)tgid % TRACED_BUCKETS];

	while (*pp && (*pp)->tgid != tgid)
		pp = &(*pp)->next;
	return pp;
}

struct traced_set *traced_new(void)
{
	struct traced_set *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	s->prune_at = 64;
	return s;
}

void traced_free(struct traced_set *s)
{
	if (!s)
		return;
	for (size_t b = 0; b < TRACED_BUCKETS; b++)
		while (s->buckets[b]) {
			struct traced_entry *e = s->buckets[b];

			s->buckets[b] = e->next;
			free(e);
		}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int traced_add(struct traced_set *s, pid_t tgid)
{
	struct traced_entry **pp, *e;
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	pp = slot_of(s, tgid);
	if (*pp) {
		if ((*pp)->gone_ns)
			s->n_gone--;
		(*pp)->gone_ns = 0;
	} else if ((e = calloc(1, sizeof(*e)))) {
		e->tgid = tgid;
		*pp = e;
	} else {
		rc = -ENOMEM;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Forget the processes that ended more than the grace ago; called when
 * their number doubled, so the cost per ended process stays constant. */
static void prune(struct traced_set *s, uint64_t now)
{
	for (size_t b = 0; b < TRACED_BUCKETS; b++)
		for (struct traced_entry **pp = &s->buckets[b]; *pp;) {
			struct traced_entry *e = *pp;

			if (e->gone_ns && now - e->gone_ns >= GONE_GRACE_NS) {
				*pp = e->next;
				free(e);
				s->n_gone--;
			} else {
				pp = &e->next;
			}
		}
	s->prune_at = s->n_gone * 2 > 64 ? s->n_gone * 2 : 64;
}

void traced_gone(struct traced_set *s, pid_t tgid)
{
	struct traced_entry *e;
	uint64_t now = now_ns();

	pthread_mutex_lock(&s->lock);
	e = *slot_of(s, tgid);
	if (e && !e->gone_ns) {
		e->gone_ns = now;
		if (++s->n_gone >= s->prune_at)
			prune(s, now);
	}
	pthread_mutex_unlock(&s->lock);
}

bool traced_has(struct traced_set *s, pid_t tgid)
{
	struct traced_entry *e;
	bool has;

	pthread_mutex_lock(&s->lock);
	e = *slot_of(s, tgid);
	has = e && (!e->gone_ns || now_ns() - e->gone_ns < GONE_GRACE_NS);
	pthread_mutex_unlock(&s->lock);
	return has;
}
