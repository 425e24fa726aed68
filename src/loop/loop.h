/* SPDX-License-Identifier: MIT */
/*
 * The loop: launching, attaching, detaching, waiting for stops and
 * telling them apart; the waker; the process tree (kin).
 */
#ifndef EMT_LOOP_H
#define EMT_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct emt_monitor;
struct thread;
struct proc;
struct mm_space;

/* -errno for a PTRACE_SEIZE of pid that failed with err: -EBUSY when
 * another process traces pid already (it is named in the log). */
int tracee_seize_error(struct emt_monitor *mon, pid_t pid, int err);
/* waker.c: a child whose exit wakes the tracer's waitpid */
int waker_start(struct emt_monitor *mon);
/* A new one after the last was killed (tracer thread). */
void waker_respawn(struct emt_monitor *mon);
/* Handles pid's report if pid is the waker: true then. */
bool waker_report(struct emt_monitor *mon, pid_t pid, int status);
/* Make the tracer's waitpid return (user's thread). */
void waker_wake(struct emt_monitor *mon);
void waker_end(struct emt_monitor *mon);

/* launch.c / attach.c */
int tracee_launch(struct emt_monitor *mon, const sigset_t *child_mask);
int tracee_attach(struct emt_monitor *mon);
int tracee_detach_all(struct emt_monitor *mon);
void tracee_kill_all(struct emt_monitor *mon);
/* wait.c: wait for statuses, batched, and hand each to on_status (after
 * the waker's), while go_on(mon, ctx) holds; it runs before each wait. */
typedef bool (*loop_go_on_fn)(struct emt_monitor *mon, void *ctx);
typedef void (*loop_status_fn)(struct emt_monitor *mon, pid_t tid, int status);
void loop_wait(struct emt_monitor *mon, loop_go_on_fn go_on, loop_status_fn on_status,
	       void *ctx);
/* stops.c */
void stops_handle(struct emt_monitor *mon, pid_t tid, int status);
/* Forget the threads that died while emt drove them, and handle the
 * stops deferred meanwhile. */
void stops_reap(struct emt_monitor *mon);
/* Remove p from the tables, with what the decisions keep of it. */
void stops_forget_proc(struct emt_monitor *mon, struct proc *p);
/* -errno of a launched program that failed to exec, else 0. */
int stops_exec_error(struct emt_monitor *mon);
/* kin.c: what a new child is, from the kernel */
/* Whether tasks a and b share one address space (kcmp KCMP_VM). */
bool kin_same_vm(pid_t a, pid_t b);
/* CLONE_THREAD|CLONE_VM, CLONE_VM or 0: what child is to its parent. */
int kin_clone_flags(pid_t parent, pid_t child, uint64_t *flags);
/* Whether tracer (a thread's tid) traces child. */
bool kin_traced_by(pid_t child, pid_t tracer);
/* For a child held for its parent's event: see thread.held_parent. */
pid_t kin_held_parent(pid_t child);
/* Whether child has mm's trampoline: it descends from that space. */
bool kin_has_tramp(pid_t child, const struct mm_space *mm);
/* Keep a dead process's state for children still to come. */
bool kin_may_leave_orphans(const struct proc *p, int status);
void kin_bury(struct emt_monitor *mon, struct proc *p);
/* The most recent dead process child descends from, or NULL. */
struct proc *kin_grave_of(struct emt_monitor *mon, pid_t child);
void kin_free(struct emt_monitor *mon);

#endif
