/* SPDX-License-Identifier: MIT */
/*
 * The one wait loop, for tracing, attaching and detaching alike: every
 * status the kernel reports goes through it, to the waker's handler or to
 * the phase's own (stops_handle while tracing; attach.c settles threads).
 */
#include <errno.h>
#include <sys/wait.h>

#include "monitor.h"
#include "loop/loop.h"
#include "model/model.h"
#include "ptrace/pt.h"

/* One stop that waitpid reported. */
struct reported {
	pid_t tid;
	int status;
	bool noted;    /* its thread was known: see note_pending */
};

#define BATCH_MAX 256

/* A stop collected but not handled yet: the thread is stopped, whatever
 * emt's table says, and another thread's handling may need it first. */
static bool note_pending(struct emt_monitor *mon, pid_t tid, int status)
{
	struct thread *t = thread_find(mon, tid);

	if (!t || !t->proc)
		return false;
	t->batch_pending = true;
	t->batch_status = status;
	return true;
}

/* Collects every stop the kernel has ready, blocking for the first.
 * waitpid(-1) scans the tracer's tracees newest first, so a thread that
 * stops again as soon as it is resumed would be reported before older
 * threads for ever; handling a whole batch before waiting again gives
 * every stopped thread its turn. Returns the count, or -errno. */
static int wait_batch(struct emt_monitor *mon, struct reported *batch)
{
	/* WUNTRACED: a job-control stop of the waker before it traced
	 * itself (waker.c); the tracees' stops are reported without it. */
	int n = 0, flags = __WALL | __WNOTHREAD | WUNTRACED;
	/* With one tracee nothing else can be ready: spare the empty
	 * WNOHANG call at every stop. */
	int max = mon->n_threads > 1 ? BATCH_MAX : 1;
	pid_t tid = 0;

	while (n < max) {
		tid = pt_wait(-1, &batch[n].status, flags);
		if (tid <= 0)
			break;
		batch[n].noted = note_pending(mon, tid, batch[n].status);
		batch[n++].tid = tid;
		flags |= WNOHANG;
	}
	return n ? n : (tid < 0 ? tid : -ECHILD);
}

static void handle_batch(struct emt_monitor *mon, const struct reported *batch, int n,
			 loop_status_fn on_status)
{
	for (int i = 0; i < n; i++) {
		struct thread *t = thread_find(mon, batch[i].tid);

		if (waker_report(mon, batch[i].tid, batch[i].status))
			continue;
		/* Taken and handled by a borrow meanwhile (borrow.c). */
		if (batch[i].noted && (!t || !t->batch_pending))
			continue;
		if (t)
			t->batch_pending = false;
		on_status(mon, batch[i].tid, batch[i].status);
	}
}

void loop_wait(struct emt_monitor *mon, loop_go_on_fn go_on, loop_status_fn on_status,
	       void *ctx)
{
	struct reported batch[BATCH_MAX];
	int n;

	while (go_on(mon, ctx)) {
		n = wait_batch(mon, batch);
		if (n < 0)
			break;
		handle_batch(mon, batch, n, on_status);
	}
}
