/* SPDX-License-Identifier: MIT */
/*
 * The call watcher: an eBPF program at every syscall exit that stops a
 * thread of a watched process (SIGSTOP, before it returns to user space)
 * only for the calls emt must see, and says which call it was. Attach
 * mode uses it in place of a stop at every syscall. The program and its
 * maps belong to emt's fds: they are gone when emt closes them or dies.
 */
#ifndef EMT_CALLWATCH_H
#define EMT_CALLWATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ptrace/callwatch_rec.h"

struct callwatch;

/* Load and attach it: 0, or -errno with *why a line saying what is
 * missing (privilege, kernel support). */
int callwatch_open(struct callwatch **out, const char **why);
void callwatch_close(struct callwatch *cw);
/* The rule for syscall nr of the native (x32 too) or the i386 table. */
int callwatch_set_call(struct callwatch *cw, bool i386, long nr,
		       const struct cw_call *call);
/* A number the watcher must look at even without a rule (a new task's
 * first return: clone, fork...). Set with every rule too. */
int callwatch_note_nr(struct callwatch *cw, long nr);
/* Watch a process (a thread group), with these watch bits; or no more. */
int callwatch_watch(struct callwatch *cw, pid_t tgid, uint32_t bits);
int callwatch_unwatch(struct callwatch *cw, pid_t tgid);
/* The call the watcher stopped tid for, taken out: 0, or -ENOENT when the
 * SIGSTOP tid stopped with was not the watcher's. */
int callwatch_take(struct callwatch *cw, pid_t tid, struct cw_rec *rec);
/* Whether the watcher stopped tid and emt has not taken the call yet. */
bool callwatch_pending(struct callwatch *cw, pid_t tid);
/* emt's own next call in tid, made with the syscall instruction that
 * ends at ip: not stopped for. */
int callwatch_expect(struct callwatch *cw, pid_t tid, uint64_t ip, long nr,
		     uint64_t a0, uint64_t a1, uint64_t a2);
/* A thread of a watched process the watcher saw untraced, taken out of
 * its list: 0, or -ENOENT when there is none. */
int callwatch_take_stray(struct callwatch *cw, pid_t *tid, pid_t *tgid);
/* How many calls the watcher could not stop for so far. */
uint64_t callwatch_missed(struct callwatch *cw);

#endif
