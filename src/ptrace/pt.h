/* SPDX-License-Identifier: MIT */
/*
 * The ptrace primitives: the only code that calls ptrace(2) and waitpid(2).
 * Each is one request on one thread, with the tracer's failure as -errno
 * (ESRCH: the thread is gone or not in a ptrace stop). What a request
 * means for emt's tables is the caller's business.
 */
#ifndef EMT_PT_H
#define EMT_PT_H

#include <signal.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/types.h>

#include "arch.h"

/* A signal whose delivery stops the group (signal(7)): a stop with it and
 * PTRACE_EVENT_STOP is a group-stop (ptrace(2), "Group-stop"). */
static inline bool pt_is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

int pt_seize(pid_t tid, long options);
int pt_interrupt(pid_t tid);
int pt_setoptions(pid_t tid, long options);
/* Resume: to the next stop, to the next syscall stop too, one step. */
int pt_cont(pid_t tid, int sig);
int pt_syscall(pid_t tid, int sig);
int pt_step(pid_t tid, int sig);
/* A group-stopped thread stays stopped, and reports SIGCONT. */
int pt_listen(pid_t tid);
int pt_detach(pid_t tid, int sig);
/* In the child: be traced by the parent. */
int pt_traceme(void);

int pt_getregs(pid_t tid, arch_regs *regs);
int pt_setregs(pid_t tid, const arch_regs *regs);
int pt_getsiginfo(pid_t tid, siginfo_t *si);
int pt_setsiginfo(pid_t tid, const siginfo_t *si);
/* Up to max signals of the thread's own queue, not dequeued: how many. */
int pt_peeksiginfo(pid_t tid, siginfo_t *out, int max);
int pt_eventmsg(pid_t tid, unsigned long *msg);
/* PTRACE_GET_SYSCALL_INFO: info->op says which stop; 0 or -errno. */
int pt_syscall_info(pid_t tid, struct __ptrace_syscall_info *info);

/* What a wait status reports: the one classifier of stops (ptrace(2),
 * "Stopped states"). */
enum pt_stop {
	STOP_GONE,        /* exited or killed: no stop */
	STOP_SIGNAL,      /* signal-delivery-stop (a single-step's trap too) */
	STOP_SYSCALL,     /* syscall-entry or -exit stop (PTRACE_O_TRACESYSGOOD) */
	STOP_SECCOMP,     /* PTRACE_EVENT_SECCOMP: a call the filter traces */
	STOP_CLONE,       /* PTRACE_EVENT_CLONE, _FORK or _VFORK */
	STOP_EXEC,        /* PTRACE_EVENT_EXEC */
	STOP_EXIT,        /* PTRACE_EVENT_EXIT */
	STOP_EVENT_STOP,  /* PTRACE_EVENT_STOP: a group-stop when it carries a
			   stopping signal, else an interrupt or attach stop */
	STOP_OTHER_EVENT, /* another event (PTRACE_EVENT_VFORK_DONE) */
};

enum pt_stop pt_stop_of(int status);
/* The PTRACE_EVENT_* of an event stop, 0 for another stop. */
int pt_event_of(int status);
/* A group-stop (pt_is_stop_signal of a PTRACE_EVENT_STOP). */
bool pt_is_group_stop(int status);

/* waitpid(2), made again when a signal interrupts it: the pid, 0 with
 * WNOHANG when none is ready, or -errno. */
pid_t pt_wait(pid_t pid, int *status, int flags);

#endif
