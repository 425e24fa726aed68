/* SPDX-License-Identifier: MIT */
/*
 * --stealth (EMT_OPT_STEALTH): the usual checks for a tracer answered as the
 * kernel would answer them without emt: PTRACE_TRACEME, the status files
 * of traced threads, prctl(PR_GET_SECCOMP, PR_GET_NO_NEW_PRIVS). The hooks
 * the rest of emt calls, and the state the stealth parts share.
 */
#ifndef EMT_STEALTH_H
#define EMT_STEALTH_H

#include <seccomp.h>

#include "monitor.h"
#include "decide/decide.h"
#include "act/act.h"
#include "decide/stealth_view.h"

/* ---- hooks ---- */

bool stealth_on(const struct emt_monitor *mon);
/* The launch filter's rules for the calls stealth answers. */
int stealth_filter_rules(scmp_filter_ctx ctx);
/* At a call's entry, before the part that owns it: true when stealth
 * answered the call (its result is set, or it will be made again). */
bool stealth_answer(struct emt_monitor *mon, struct thread *t,
		    const struct sc_call *sc);
/* Whether stealth must see the call's exit (an open, a copied fd). */
bool stealth_wants_exit(struct emt_monitor *mon, struct thread *t,
			const struct sc_call *sc);
void stealth_exit(struct emt_monitor *mon, struct thread *t,
		  const struct sc_call *sc, int64_t ret);
/* A forked child has a copy of its parent's fds and filters. */
void stealth_fork(const struct proc *parent, struct proc *child);
/* The status files t's process has open when emt attaches. */
void stealth_scan_fds(struct emt_monitor *mon, struct thread *t);
void stealth_proc_free(struct proc *p);

/* ---- shared by the stealth parts ---- */

/* fds below this get a filter of their own; for others, and once a
 * process has STEALTH_FILTERS_MAX, one filter sends the reads and dups of
 * every fd. */
#define STEALTH_FD_MAX 1024
#define STEALTH_FILTERS_MAX 8
#define STEALTH_LINK_MAX 128

/* An open status file of a traced thread: one open file description,
 * shared by the fds dup and fork make of it, as its position is. */
struct stealth_file {
	int refs;
	pid_t target;               /* the thread whose status it shows */
	char link[STEALTH_LINK_MAX]; /* what /proc/PID/fd/N named then */
	char *view;                 /* the text the program reads, NULL
				       until a read makes it */
	size_t len;
	uint64_t read_pos;          /* where the last read of it ended */
};

struct stealth_fd {
	int fd;
	struct stealth_file *file;
};

/* Per process (per fd table). */
struct stealth_proc {
	struct stealth_fd *fds;
	size_t n_fds, cap_fds;
	uint64_t watched[STEALTH_FD_MAX / 64]; /* fds whose reads a filter
						  of the process sends */
	bool all_fds;               /* and of every fd */
	unsigned int n_filters;     /* filters emt added for them */
	bool own_nnp;               /* the program set no_new_privs itself */
};

/* stealth.c */
/* What the status of thread tid would show without emt. */
void stealth_fix_of(struct emt_monitor *mon, pid_t tid, struct status_fix *fix);

/* stealth_filter.c */
/* Make the reads and dups of fd of t's process stop in emt: a filter for
 * that fd number, or once a process has nearly STEALTH_FILTERS_MAX of
 * them, one for every fd. Where no filter can be added, every call of the
 * process stops. */
void stealth_watch_fd(struct emt_monitor *mon, struct thread *t, int fd);

/* stealth_fds.c */
struct stealth_proc *stealth_proc_of(struct proc *p);
struct stealth_fd *stealth_fd_find(struct proc *p, int fd);
void stealth_fd_drop(struct proc *p, int fd);
/* fd of t's process was opened (or became a copy of another): follow it
 * if it shows the status of a traced thread. */
void stealth_fd_opened(struct emt_monitor *mon, struct thread *t, int fd);
void stealth_fd_copied(struct emt_monitor *mon, struct thread *t, int from, int to);
/* The file fd of p shows if it still shows the status of a traced
 * thread (fd forgotten, NULL, when not). */
struct stealth_file *stealth_fd_check(struct emt_monitor *mon, struct proc *p, int fd);

/* stealth_reads.c */
/* A read-family call on an fd stealth follows, answered from its view. */
bool stealth_read(struct emt_monitor *mon, struct thread *t, const struct sc_call *sc);

#endif
