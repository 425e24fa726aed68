/* SPDX-License-Identifier: MIT */
/*
 * emt: run a program, or attach to one, and record the code it generates.
 * Events go to the human log on stderr and to the output directory; emt
 * ends with the program's exit status.
 */
#include <emt/emt.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "annotate.h"
#include "cli.h"
#include "diag.h"
#include "humanlog.h"
#include "names.h"
#include "output.h"
#include "signals.h"
#include "start.h"

/* How long a wait for events lasts before the run loop looks at signals
 * and writes out what it holds. */
#define POLL_MS 250
/* Signals from the traced program said on stderr, at most. */
#define IGNORED_SAID_MAX 32

struct session {
	struct cli cli;
	struct emt_monitor *mon;
	struct output *out;
	struct humanlog *log;
	struct annotator *annotator;
	pid_t pid;
	int exit_status;  /* of pid, from its exit event; -1 until then */
	bool detached;    /* attach mode, ended by a signal */
	int n_ignored;    /* signals from the program said ignored */
};

static int handle_event(struct session *s, const struct emt_event *ev)
{
	const struct annotation *ann = annotator_event(s->annotator, ev);

	if (ev->type == EMT_EVENT_PROCESS && ev->change == EMT_PROCESS_EXIT &&
	    ev->pid == s->pid)
		s->exit_status = ev->wait_status;
	if (s->log)
		humanlog_event(s->log, ev, ann);
	return s->out ? output_event(s->out, ev, ann) : 0;
}

/* ^C reaches the whole foreground process group: the program got it
 * already when it shares emt's group. */
static void forward(struct session *s, int sig, bool from_terminal)
{
	if (from_terminal && getpgid(s->pid) == getpgrp())
		return;
	kill(s->pid, sig);
}

/* Only the user may end or stop monitoring: at the terminal, or from a
 * process emt does not trace. The traced program, which usually runs as
 * the same user, may signal emt too (its TracerPid names emt's tracer
 * thread, and a signal to a thread's id reaches its whole process). */
static bool from_program(struct session *s, const struct signal_note *n)
{
	return !n->from_terminal &&
	       (n->sender == SIGNAL_NO_SENDER || emt_monitor_traces(s->mon, n->sender));
}

/* One line per signal ignored, up to a bound: a program sending signals
 * without end must not flood the terminal. */
static void say_ignored(struct session *s, const struct signal_note *n)
{
	char name[NAMES_BUF];

	if (s->cli.quiet || s->n_ignored >= IGNORED_SAID_MAX)
		return;
	names_signal(n->sig, name, sizeof(name));
	if (n->sender == SIGNAL_NO_SENDER)
		diag("ignored %s: its siginfo names no sender", name);
	else
		diag("ignored %s from traced process %d", name, n->sender);
	if (++s->n_ignored == IGNORED_SAID_MAX)
		diag("further signals from traced processes are ignored without a word");
}

/* False when the session should end. */
static bool check_signals(struct session *s)
{
	struct signal_note n;

	while (signals_take(&n)) {
		if (from_program(s, &n)) {
			say_ignored(s, &n);
			continue;
		}
		if (signals_is_job_stop(n.sig)) {
			signals_stop_self(n.sig);
			continue;
		}
		if (s->cli.pid) {
			s->detached = true;
			return false;
		}
		forward(s, n.sig, n.from_terminal);
	}
	return true;
}

static int flush(struct session *s)
{
	return s->out ? output_flush(s->out) : 0;
}

/* What next_event's rc means for the run: 1 to go on, 0 when every
 * traced process has ended, -errno on failure (already reported). */
static int consume(struct session *s, int rc, struct emt_event *ev)
{
	if (rc == 0) {
		rc = handle_event(s, ev);
		emt_event_free(ev);
		return rc < 0 ? rc : 1;
	}
	if (rc == -EAGAIN || rc == -EINTR)
		return 1;
	if (rc == -ECHILD)
		return 0;
	diag("reading events: %s", strerror(-rc));
	return rc;
}

/* Until the program ends (0), a signal ends an attach session (0), or
 * something fails (-errno, already reported). */
static int run(struct session *s)
{
	struct emt_event *ev = NULL;
	int rc;

	while (check_signals(s)) {
		rc = emt_monitor_next_event(s->mon, 0, &ev);
		/* Idle: write out the queued records before waiting, so that
		 * the file follows the program closely while bursts are still
		 * written in batches. */
		if (rc == -EAGAIN) {
			rc = flush(s);
			if (rc < 0)
				return rc;
			rc = emt_monitor_next_event(s->mon, POLL_MS, &ev);
		}
		rc = consume(s, rc, ev);
		if (rc <= 0)
			return rc;
	}
	return 0;
}

static int drain_result(struct session *s, const struct emt_result *result)
{
	int rc = 0;

	for (size_t i = 0; result && i < result->n_events && rc == 0; i++)
		rc = handle_event(s, result->events[i]);
	return rc;
}

/* Stops the monitor and writes what it still held. rc is run's result. */
static int stop(struct session *s, int rc, struct emt_result **result)
{
	enum emt_stop_mode mode = EMT_STOP_DETACH;
	int src;

	if (!s->cli.pid)
		mode = rc < 0 ? EMT_STOP_KILL : EMT_STOP_WAIT;
	src = emt_monitor_stop(s->mon, mode, result);
	if (src < 0) {
		diag("%s: %s", s->cli.pid ? "detaching" : "stopping", strerror(-src));
		return rc < 0 ? rc : src;
	}
	if (rc == 0)
		rc = drain_result(s, *result);
	return rc;
}

/* emt's exit status for a program that ended with wait status st. */
static int exit_like(int st)
{
	if (st == -1) {
		diag("the exit status of the program is unknown");
		return 1;
	}
	if (WIFSIGNALED(st)) {
		signals_die_by(WTERMSIG(st));
		return 128 + WTERMSIG(st);
	}
	return WEXITSTATUS(st);
}

static int finish(struct session *s, int rc)
{
	struct emt_result *result = NULL;
	int status;

	rc = stop(s, rc, &result);
	if (output_close(s->out) < 0 && rc == 0)
		rc = -EIO;
	if (s->detached && !s->cli.quiet)
		diag("Process %d detached", s->pid);
	status = s->exit_status;
	if (result && result->exit_status != -1)
		status = result->exit_status;
	emt_result_free(result);
	emt_monitor_free(s->mon);
	humanlog_close(s->log);
	annotator_close(s->annotator);
	if (rc < 0)
		return 1;
	if (s->cli.pid)
		return 0;
	fflush(NULL);
	return exit_like(status);
}

/* Everything that can fail before the program runs, in that order, so
 * that an unusable output directory never costs a program run. */
static int setup(struct session *s)
{
	if (signals_install() < 0) {
		diag("installing signal handlers: %s", strerror(errno));
		return -1;
	}
	if (annotator_open(s->cli.yara, &s->annotator) < 0)
		return -1;
	if (s->cli.outdir && output_open(s->cli.outdir, s->cli.elf, &s->out) < 0)
		return -1;
	if (!s->cli.quiet && !(s->log = humanlog_open())) {
		diag("%s", strerror(ENOMEM));
		return -1;
	}
	s->mon = start_monitor(&s->cli);
	if (!s->mon)
		return -1;
	s->pid = emt_monitor_pid(s->mon);
	if (s->cli.pid && !s->cli.quiet)
		diag("Process %d attached", s->pid);
	return 0;
}

int main(int argc, char **argv)
{
	struct session s = { .exit_status = -1 };
	int rc = cli_parse(argc, argv, &s.cli);

	if (rc != CLI_RUN)
		return rc;
	/* The traced program usually runs as emt's user. Non-dumpable, emt
	 * cannot be ptraced by it, nor have its memory read or written
	 * (/proc/PID/mem, process_vm_readv/writev) or its descriptors taken
	 * (pidfd_getfd): all need CAP_SYS_PTRACE then (__ptrace_may_access()),
	 * and emt's /proc/PID files become root's. */
	if (prctl(PR_SET_DUMPABLE, 0) < 0) {
		diag("making emt non-dumpable: %s", strerror(errno));
		return 1;
	}
	/* Whole lines, so that the tracer thread's log lines and ours do not
	 * interleave mid-line when stderr is shared. */
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (setup(&s) < 0) {
		output_close(s.out);
		humanlog_close(s.log);
		annotator_close(s.annotator);
		return 1;
	}
	return finish(&s, run(&s));
}
