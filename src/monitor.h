/* SPDX-License-Identifier: MIT */
/*
 * The monitor: the one object every part is handed. Only the tracer
 * thread touches the tracee tables; the queue is the one structure both
 * threads use, under its own lock.
 */
#ifndef EMT_MONITOR_H
#define EMT_MONITOR_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "emt/emt.h"
#include "events/events.h"
#include "model/model.h"

enum command { CMD_NONE, CMD_STOP };

struct emt_monitor;
struct thread;

/* What a part may need of a part above it, given by that part when the
 * monitor is made (loop/monitor.c), so that no part includes a header of
 * one above it: borrowing a thread of another process (act/borrow.c) can
 * meet a stop only the loop handles (a fork event) or the exit of a call
 * the decisions must commit. */
struct upcalls {
	void (*handle_stop)(struct emt_monitor *mon, pid_t tid, int status);
	void (*commit_call)(struct emt_monitor *mon, struct thread *t, int64_t ret);
};

struct emt_monitor {
	struct emt_options opts;
	struct upcalls up;
	char **argv;           /* owned copy */
	char *exe_path;        /* resolved argv[0] */
	pid_t main_pid;

	struct event_queue queue;
	pthread_t tracer;
	bool tracer_started;
	pid_t tracer_tid;

	/* start handshake, under queue.lock */
	bool start_done;
	int start_result;

	/* stop request, under queue.lock; wake_fd wakes waitpid */
	enum command cmd;
	enum emt_stop_mode stop_mode;
	int wake_fd;           /* write end; the waker exits when it is written */
	int wake_rd;           /* read end, the tracer's: every waker reads it */
	pid_t wake_pid;        /* 0 while there is none */
	bool waker_failed;     /* the last restart failed (said once) */

	/* Written by the tracer thread, read by any (emt_monitor_is_running). */
	atomic_bool running;
	bool stopped;

	/* tracer-only state */
	bool launch;
	bool use_seccomp;      /* launch mode with the filter installed */
	bool syscall_mode;     /* resume with PTRACE_SYSCALL */
	struct callwatch *callwatch; /* attach mode: stops only for the calls
				      * emt must see (decide/watcher.c) */
	uint64_t callwatch_missed;   /* calls it could not stop for, reported */
	struct rlimit own_limits[RLIMIT_NLIMITS]; /* emt's, set again when a
				      * call seen late changed them (shield.c) */
	bool own_limits_saved;
	int exec_err_fd;       /* child's exec errno pipe, read end */
	bool main_exec_seen;
	struct thread *threads[THREAD_BUCKETS];
	size_t n_threads;
	size_t n_dead;         /* threads THREAD_DEAD, waiting for stops_reap */
	size_t n_deferred;     /* threads THREAD_DEFERRED, the same */
	struct proc *procs;
	struct proc graves[KIN_GRAVES]; /* the last dead, mm held (kin.c) */
	size_t n_graves;
	int exit_status;
	uint64_t n_captures, n_dropped, n_syscalls, n_faults, n_blind;
	uint64_t n_shielded;   /* calls aimed at emt refused (shield.c) */
	uint64_t since_ns;     /* when the traced program started (realtime) */
	long ptrace_options;   /* PTRACE_O_* every tracee was seized with */
	bool can_suspend_seccomp; /* PTRACE_O_SUSPEND_SECCOMP is allowed */
	struct written_set *written; /* files traced processes could write */
	struct uffd_notes *uffds;    /* userfaultfds and their creators */
	struct traced_set *traced;   /* their tgids, for the user's thread */
	struct evp_md_st *sha_md;      /* SHA-256, fetched once (capture.c) */
	struct evp_md_ctx_st *sha_ctx;
	struct unwinders *unwinders;   /* per process, for backtraces (backtrace.c) */
	uint64_t image_bytes;          /* images reported so far (image.c) */
	bool images_said;              /* and that the budget ran out */
	sigset_t child_mask;   /* the caller's mask, for the program */
};

#endif
