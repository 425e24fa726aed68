/* SPDX-License-Identifier: MIT */
/*
 * rwx_monitor: attach to a process and print each piece of generated
 * code it runs, until it exits or ^C; then detach, leaving the process
 * as it was, and print the counts.
 *
 *   rwx_monitor --pid PID
 */
#include <emt/emt.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t interrupted;
/* Who sent it: 0 for the terminal, -1 when the siginfo names no one. */
static volatile sig_atomic_t sender;

static void on_signal(int sig, siginfo_t *si, void *uctx)
{
	(void)sig;
	(void)uctx;
	if (si->si_code == SI_KERNEL)
		sender = 0;
	else if (si->si_code == SI_USER || si->si_code == SI_TKILL || si->si_code == SI_QUEUE)
		sender = si->si_pid;
	else
		sender = -1;
	interrupted = 1;
}

/* The traced program runs as our user and may signal us too: only the
 * user (the terminal, or a process the monitor does not trace) may end
 * monitoring. */
static bool user_asked(struct emt_monitor *mon)
{
	if (!interrupted)
		return false;
	if (sender == 0 || (sender > 0 && !emt_monitor_traces(mon, sender)))
		return true;
	fprintf(stderr, "rwx_monitor: ignored a signal from the program\n");
	interrupted = 0;
	return false;
}

static int parse_args(int argc, char **argv, pid_t *pid)
{
	const char *arg = NULL;
	char *end;
	long v;

	if (argc == 3 && strcmp(argv[1], "--pid") == 0)
		arg = argv[2];
	else if (argc == 2 && strncmp(argv[1], "--pid=", 6) == 0)
		arg = argv[1] + 6;
	if (!arg)
		return -1;
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v <= 0 || v > 0x3fffffff)
		return -1;
	*pid = (pid_t)v;
	return 0;
}

static void print_capture(const struct emt_event *ev)
{
	if (ev->capture_error) {
		printf("tid %d addr %#" PRIx64 " len %" PRIu64 " seq %" PRIu64
		       " error %s\n", ev->tid, ev->addr, ev->len,
		       ev->capture_sequence, strerror(-ev->capture_error));
	} else {
		printf("tid %d addr %#" PRIx64 " len %" PRIu64 " seq %" PRIu64
		       " sha256 ", ev->tid, ev->addr, ev->len, ev->capture_sequence);
		for (int i = 0; i < 8; i++)
			printf("%02x", ev->sha256[i]);
		putchar('\n');
	}
	fflush(stdout);
}

static void install_handlers(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };

	sigfillset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Until the target exits or a signal asks to stop. 0 or -errno. */
static int watch(struct emt_monitor *mon)
{
	struct emt_event *ev;
	int rc;

	while (!user_asked(mon)) {
		rc = emt_monitor_next_event(mon, 250, &ev);
		if (rc == -EAGAIN || rc == -EINTR)
			continue;
		if (rc == -ECHILD)
			return 0;
		if (rc < 0)
			return rc;
		if (ev->type == EMT_EVENT_EXEC)
			print_capture(ev);
		emt_event_free(ev);
	}
	return 0;
}

static int finish(struct emt_monitor *mon)
{
	struct emt_result *result = NULL;
	int rc = emt_monitor_stop(mon, EMT_STOP_DETACH, &result);

	if (rc < 0) {
		fprintf(stderr, "rwx_monitor: detaching: %s\n", strerror(-rc));
		return 1;
	}
	for (size_t i = 0; i < result->n_events; i++)
		print_capture(result->events[i]);
	printf("captures %" PRIu64 ", dropped %" PRIu64 ", syscalls %" PRIu64
	       ", faults %" PRIu64 "\n", result->n_captures, result->n_dropped,
	       result->n_syscalls, result->n_faults);
	emt_result_free(result);
	return 0;
}

int main(int argc, char **argv)
{
	struct emt_options opts = { .size = sizeof(opts) };
	struct emt_monitor *mon;
	int rc, status;

	if (parse_args(argc, argv, &opts.pid) < 0) {
		fprintf(stderr, "usage: rwx_monitor --pid PID\n");
		return 1;
	}
	install_handlers();
	mon = emt_monitor_new(&opts);
	if (!mon) {
		fprintf(stderr, "rwx_monitor: %s\n", strerror(errno));
		return 1;
	}
	rc = emt_monitor_start(mon);
	if (rc < 0) {
		fprintf(stderr, "rwx_monitor: cannot attach to pid %d: %s\n",
			opts.pid, strerror(-rc));
		emt_monitor_free(mon);
		return 1;
	}
	rc = watch(mon);
	if (rc < 0)
		fprintf(stderr, "rwx_monitor: reading events: %s\n", strerror(-rc));
	status = finish(mon);
	emt_monitor_free(mon);
	return rc < 0 ? 1 : status;
}
