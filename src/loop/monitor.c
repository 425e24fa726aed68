/* SPDX-License-Identifier: MIT */
/*
 * The public life cycle: new -> start -> (next_event)* -> stop -> free, and
 * the tracer thread that owns every ptrace call.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "loop/loop.h"
#include "model/model.h"
#include "ptrace/pt.h"
#include "ptrace/procfs.h"

#define DEFAULT_QUEUE 1024

static char **copy_argv(char *const *argv)
{
	size_t n = 0;
	char **v;

	while (argv[n])
		n++;
	v = calloc(n + 1, sizeof(*v));
	for (size_t i = 0; v && i < n; i++) {
		v[i] = strdup(argv[i]);
		if (!v[i]) {
			while (i--)
				free(v[i]);
			free(v);
			return NULL;
		}
	}
	return v;
}

static void free_argv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static int check_options(const struct emt_options *o)
{
	if (!o || o->size < offsetof(struct emt_options, log_level))
		return -EINVAL;
	if ((o->pid > 0) == (o->argv && o->argv[0]))
		return -EINVAL;
	return 0;
}

struct emt_monitor *emt_monitor_new(const struct emt_options *opts)
{
	struct emt_monitor *mon;
	int rc = check_options(opts);

	if (rc) {
		errno = -rc;
		return NULL;
	}
	mon = calloc(1, sizeof(*mon));
	if (!mon)
		return NULL;
	memcpy(&mon->opts, opts, opts->size < sizeof(mon->opts) ? opts->size
								 : sizeof(mon->opts));
	mon->opts.size = sizeof(mon->opts);
	mon->up = (struct upcalls){ .handle_stop = stops_handle, .commit_call = syscalls_commit };
	if (!mon->opts.event_mask)
		mon->opts.event_mask = EMT_EVENT_MASK(EMT_EVENT_EXEC);
	mon->launch = opts->pid <= 0;
	mon->exec_err_fd = -1;
	mon->wake_fd = -1;
	mon->wake_rd = -1;
	mon->exit_status = -1;
	if ((mon->launch && !(mon->argv = copy_argv(opts->argv))) ||
	    !(mon->traced = traced_new()) ||
	    queue_init(&mon->queue, opts->queue_capacity ? opts->queue_capacity
							 : DEFAULT_QUEUE)) {
		free_argv(mon->argv);
		traced_free(mon->traced);
		free(mon);
		errno = ENOMEM;
		return NULL;
	}
	return mon;
}

static void free_tables(struct emt_monitor *mon)
{
	for_each_thread(mon, t)
		thread_remove(mon, t);
	while (mon->procs)
		stops_forget_proc(mon, mon->procs);
	kin_free(mon);
}

static void set_start_result(struct emt_monitor *mon, int rc)
{
	pthread_mutex_lock(&mon->queue.lock);
	mon->start_done = true;
	mon->start_result = rc;
	if (!rc)
		atomic_store(&mon->running, true);
	pthread_cond_broadcast(&mon->queue.nonempty);
	pthread_mutex_unlock(&mon->queue.lock);
}

static bool stop_requested(struct emt_monitor *mon, enum emt_stop_mode *mode)
{
	bool req;

	pthread_mutex_lock(&mon->queue.lock);
	req = mon->cmd == CMD_STOP;
	*mode = mon->stop_mode;
	pthread_mutex_unlock(&mon->queue.lock);
	return req;
}

static void handle_stop_request(struct emt_monitor *mon, enum emt_stop_mode mode)
{
	if (mode == EMT_STOP_DETACH && !mon->use_seccomp) {
		tracee_detach_all(mon);
		return;
	}
	/* A filtered process must never run without its tracer (seccomp(2):
	 * RET_TRACE without one fails the call with ENOSYS): kill it. */
	if (mode != EMT_STOP_WAIT)
		tracee_kill_all(mon);
}

static void launch_settled(struct emt_monitor *mon)
{
	if (mon->start_done || !mon->launch)
		return;
	if (mon->main_exec_seen)
		set_start_result(mon, 0);
	else if (!proc_find(mon, mon->main_pid))
		set_start_result(mon, stops_exec_error(mon) ?: -ECHILD);
}

/* Tracing goes on while a traced thread is left; a stop the user asked
 * for is carried out first. */
static bool tracing_goes_on(struct emt_monitor *mon, void *ctx)
{
	bool *stopping = ctx;
	enum emt_stop_mode mode;

	if (!*stopping && stop_requested(mon, &mode)) {
		*stopping = true;
		handle_stop_request(mon, mode);
	}
	if (!*stopping)
		waker_respawn(mon);
	return mon->n_threads > 0;
}

static void trace_status(struct emt_monitor *mon, pid_t tid, int status)
{
	stops_handle(mon, tid, status);
	stops_reap(mon);
	launch_settled(mon);
}

static void trace_loop(struct emt_monitor *mon)
{
	bool stopping = false;

	loop_wait(mon, tracing_goes_on, trace_status, &stopping);
}

/* PTRACE_O_SUSPEND_SECCOMP needs CAP_SYS_ADMIN and a tracer with no
 * filter of its own (ptrace(2)). */
static bool may_suspend_seccomp(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct caps[2];

	if (syscall(SYS_capget, &hdr, caps) < 0)
		return false;
	return (caps[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32))) &&
	       procfs_status_field(getpid(), "Seccomp") == 0;
}

/* A start that failed half way: what was seized is let go (attach) or
 * killed (launch, where the loop then sees it die), so that the loop has
 * nothing to wait for that would never come. */
static void abandon_start(struct emt_monitor *mon)
{
	if (mon->launch)
		tracee_kill_all(mon);
	else
		tracee_detach_all(mon);
}

static void *tracer_main(void *arg)
{
	struct emt_monitor *mon = arg;
	int rc;

	mon->can_suspend_seccomp = may_suspend_seccomp();
	testhooks_from_env();
	mon->tracer_tid = (pid_t)syscall(SYS_gettid);
	rc = waker_start(mon);
	if (!rc)
		rc = mon->launch ? tracee_launch(mon, &mon->child_mask) : tracee_attach(mon);
	if (rc) {
		set_start_result(mon, rc);
		abandon_start(mon);
	} else if (!mon->launch) {
		set_start_result(mon, 0);
	}
	trace_loop(mon);
	launch_settled(mon);
	watcher_stop(mon);
	free_tables(mon);
	capture_free(mon);
	written_free(mon);
	asynccalls_free(mon);
	waker_end(mon);
	atomic_store(&mon->running, false);
	queue_finish(&mon->queue);
	return NULL;
}

int emt_monitor_start(struct emt_monitor *mon)
{
	sigset_t all, old;
	int rc;

	if (!mon || mon->tracer_started)
		return -EINVAL;
	/* The program gets the caller's signal mask; the tracer thread
	 * blocks everything so the host's signals go to the host's threads,
	 * except SIGCHLD: the kernel sends it to the tracer at every ptrace
	 * stop, and only while no thread blocks it does its default (ignore)
	 * drop it at once instead of waking another thread. */
	pthread_sigmask(SIG_SETMASK, NULL, &mon->child_mask);
	sigfillset(&all);
	sigdelset(&all, SIGCHLD);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(&mon->tracer, NULL, tracer_main, mon);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return rc;
	mon->tracer_started = true;
	pthread_mutex_lock(&mon->queue.lock);
	while (!mon->start_done)
		pthread_cond_wait(&mon->queue.nonempty, &mon->queue.lock);
	rc = mon->start_result;
	pthread_mutex_unlock(&mon->queue.lock);
	if (rc) {
		pthread_join(mon->tracer, NULL);
		mon->tracer_started = false;
		mon->stopped = true;
	}
	return rc;
}

bool emt_monitor_is_running(const struct emt_monitor *mon)
{
	return mon && atomic_load(&mon->running);
}

pid_t emt_monitor_pid(const struct emt_monitor *mon)
{
	return mon ? mon->main_pid : 0;
}

bool emt_monitor_traces(const struct emt_monitor *mon, pid_t pid)
{
	return mon && pid > 0 && traced_has(mon->traced, pid);
}

int emt_monitor_next_event(struct emt_monitor *mon, int timeout_ms,
			   struct emt_event **event)
{
	if (!mon || !event)
		return -EINVAL;
	if (!mon->tracer_started && !mon->stopped)
		return -EINVAL;
	if (!mon->tracer_started)
		return queue_pop(&mon->queue, 0, event) == 0 ? 0 : -ECHILD;
	return queue_pop(&mon->queue, timeout_ms, event);
}

static struct emt_result *collect_result(struct emt_monitor *mon)
{
	struct emt_result *res = calloc(1, sizeof(*res));

	if (!res)
		return NULL;
	res->n_events = queue_drain(&mon->queue, &res->events);
	res->n_captures = mon->n_captures;
	res->n_dropped = mon->n_dropped;
	res->n_syscalls = mon->n_syscalls;
	res->n_faults = mon->n_faults;
	res->n_blind = mon->n_blind;
	res->exit_status = mon->exit_status;
	return res;
}

int emt_monitor_stop(struct emt_monitor *mon, enum emt_stop_mode mode,
		     struct emt_result **result)
{
	if (!mon)
		return -EINVAL;
	if (mon->tracer_started) {
		pthread_mutex_lock(&mon->queue.lock);
		mon->cmd = CMD_STOP;
		mon->stop_mode = mode;
		pthread_mutex_unlock(&mon->queue.lock);
		queue_set_unbounded(&mon->queue);
		waker_wake(mon);
		pthread_join(mon->tracer, NULL);
		mon->tracer_started = false;
	}
	mon->stopped = true;
	if (mon->wake_fd >= 0) {
		close(mon->wake_fd);
		mon->wake_fd = -1;
	}
	if (result) {
		*result = collect_result(mon);
		if (!*result)
			return -ENOMEM;
	}
	return 0;
}

void emt_result_free(struct emt_result *result)
{
	if (!result)
		return;
	for (size_t i = 0; i < result->n_events; i++)
		emt_event_free(result->events[i]);
	free(result->events);
	free(result);
}

void emt_monitor_free(struct emt_monitor *mon)
{
	if (!mon)
		return;
	if (mon->tracer_started)
		emt_monitor_stop(mon, mon->launch ? EMT_STOP_KILL : EMT_STOP_DETACH,
				 NULL);
	if (mon->exec_err_fd >= 0)
		close(mon->exec_err_fd);
	queue_destroy(&mon->queue);
	traced_free(mon->traced);
	free_argv(mon->argv);
	free(mon->exe_path);
	free(mon);
}
