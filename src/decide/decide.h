/* SPDX-License-Identifier: MIT */
/*
 * Decisions: what a syscall entry or exit, a fault, an alias or a
 * kernel write means for the W^X rule, and what must happen.
 */
#ifndef EMT_DECIDE_H
#define EMT_DECIDE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "emt/emt.h"
#include "sysent.h"

struct emt_monitor;
struct thread;
struct proc;
struct mm_space;
struct pending_call;
struct region;
struct view;

/* stoprules.c: the calls every traced process stops for, in both modes.
 * A rule with no test stops every call of op; else any test that holds
 * on its argument stops it. */
enum stop_test_kind {
	STOP_MASKED_EQ, /* (arg & mask) == value */
	STOP_ANY_BIT,   /* (arg & mask) != 0 */
};
struct stop_test {
	unsigned int arg;
	enum stop_test_kind kind;
	uint64_t mask, value;
};
#define STOP_TESTS_MAX 6
struct stop_rule {
	enum sc_op op;
	size_t n_tests;
	struct stop_test test[STOP_TESTS_MAX];
};
/* op's rule, NULL when op stops only for a watch bit or never. */
const struct stop_rule *stoprules_of(enum sc_op op);
/* Whether madvise's advice discards pages (its rule's tests). */
bool stoprules_discards(uint64_t advice);

/* syscalls.c: syscall stops */
void syscalls_on_stop(struct emt_monitor *mon, struct thread *t);
void syscalls_commit(struct emt_monitor *mon, struct thread *t, int64_t ret);
/* Replace args[i] of the call t is stopped at (entry or seccomp stop). */
int syscalls_rewrite_arg(struct thread *t, const struct sc_call *sc, int i,
			 uint64_t value);
/* Skip the call t is stopped at: it returns ret without running. */
int syscalls_refuse(struct thread *t, int64_t ret);
/* Make the native call t is stopped at now, by steps, as its registers
 * say (rewritten or not), and return its result to the program without
 * letting it run again: for when emt must act both before and after it
 * in one stop. 0 and *ret, or -errno (the call was not made). */
int syscalls_run_now(struct emt_monitor *mon, struct thread *t, int64_t *ret);
/* A call seen late made again from its syscall instruction (after emt
 * changed what made it fail): 0, or -errno when the thread has moved on. */
int syscalls_again(struct thread *t);
/* The same with another native call in its place. */
int syscalls_run_as(struct emt_monitor *mon, struct thread *t, long nr,
		    const uint64_t args[6], int64_t *ret);

/* Let the part that owns the call decide (at its entry, or late); true
 * when its exit must be committed. */
bool syscalls_decide(struct emt_monitor *mon, struct thread *t, struct pending_call *c);

/* A call from emt's trampoline that emt did not set up (ip: just past
 * its syscall instruction): the program runs emt's code, and the analyst is told. */
void syscalls_note_caller(struct emt_monitor *mon, struct thread *t,
			  const struct sc_call *sc, uint64_t ip);

/* late.c: a call the call watcher stopped t for after the kernel made it
 * (attach mode): decided as at its entry, committed, and what emt would
 * have changed in it made true now. */
struct cw_rec;
void late_on_call(struct emt_monitor *mon, struct thread *t, const struct cw_rec *rec);
/* Whether the SIGSTOP t stopped with is the call watcher's: then the call
 * is handled, and t left at that stop for the caller to resume. */
bool late_take(struct emt_monitor *mon, struct thread *t);

/* Report the threads the watcher saw run untraced (CLONE_UNTRACED). */
void late_report_strays(struct emt_monitor *mon);

/* watcher.c: what the call watcher stops for */
struct callwatch;
int watcher_rules(struct callwatch *cw);
/* Load the call watcher for attach mode, or say why not (then every
 * call stops). */
void watcher_start(struct emt_monitor *mon);
/* Unload it: no process is stopped for a call any more. */
void watcher_stop(struct emt_monitor *mon);
/* Whether the watcher stopped t and emt has not seen that stop yet. */
bool watcher_pending(struct emt_monitor *mon, const struct thread *t);
/* Watch p from now on (its watch bits), or no more. */
void watcher_add(struct emt_monitor *mon, struct proc *p);
void watcher_remove(struct emt_monitor *mon, struct proc *p);
/* p stops at its every call from now on: the watcher only notes its
 * threads emt does not trace. */
void watcher_every_call(struct emt_monitor *mon, struct proc *p);

/* memcalls.c, proccalls.c: what each call needs, at entry (true when its
 * exit must be seen) and exit */
bool memcalls_entry(struct emt_monitor *mon, struct thread *t,
		    struct pending_call *c);
void memcalls_exit(struct emt_monitor *mon, struct thread *t,
		   struct pending_call *c, int64_t ret, bool failed);
bool proccalls_entry(struct emt_monitor *mon, struct thread *t,
		     struct pending_call *c);
bool pagecalls_entry(struct emt_monitor *mon, struct thread *t,
		     struct pending_call *c);
/* asynccalls.c: userfaultfd fills, io_uring */
bool asynccalls_entry(struct emt_monitor *mon, struct thread *t, struct pending_call *c);
void asynccalls_exit(struct emt_monitor *mon, struct thread *t,
		     struct pending_call *c, int64_t ret, bool failed);
/* Say, once per process, that its io_uring writes are not seen, when it
 * has code they could change. */
void asynccalls_io_uring_meets_code(struct emt_monitor *mon, struct thread *t);
void asynccalls_free(struct emt_monitor *mon);
bool shm_entry(struct emt_monitor *mon, struct thread *t, struct pending_call *c);
void shm_exit(struct emt_monitor *mon, struct thread *t, struct pending_call *c,
	      int64_t ret, bool failed);
void proccalls_exit(struct emt_monitor *mon, struct thread *t,
		    struct pending_call *c, int64_t ret, bool failed);
/* READ_IMPLIES_EXEC of a thread met when attaching: taken over by emt;
 * given back when detaching. */
void proccalls_take_persona(struct emt_monitor *mon, struct thread *t);
void proccalls_give_back_persona(struct emt_monitor *mon, struct thread *t);
bool filecalls_entry(struct emt_monitor *mon, struct thread *t,
		     struct pending_call *c);
/* writes.c: the kernel writing code for the program */
bool writes_entry(struct emt_monitor *mon, struct thread *t, struct pending_call *c);
bool writes_is_mem_fd(pid_t pid, int fd);
void filecalls_exit(struct emt_monitor *mon, struct thread *t,
		    struct pending_call *c, int64_t ret, bool failed);

/* shield.c: a call aimed at emt's own process (prlimit64) is refused
 * with EPERM, and logged: true then. */
bool shield_refuse(struct emt_monitor *mon, struct thread *t, const struct sc_call *sc);
/* emt's own limits as they are, for shield_refuse to set again. */
void shield_save_limits(struct emt_monitor *mon);
/* The same, and keep programs of emt's uid from setting them. */
void shield_guard_limits(struct emt_monitor *mon);

/* written.c: the files traced processes could write */
bool written_has(const struct emt_monitor *mon, uint64_t dev, uint64_t ino);
void written_add(struct emt_monitor *mon, uint64_t dev, uint64_t ino);
/* Remember the file behind fd of pid if it is open for writing (or was
 * truncated by the open). */
void written_note_fd(struct emt_monitor *mon, pid_t pid, int fd, bool truncated);
/* The same for every fd pid holds (at exec, at attach). */
void written_scan_fds(struct emt_monitor *mon, struct thread *t);
bool written_fd_writable(pid_t pid, int fd);
/* fd, open for writing, can write code (a mem file, a file mapped
 * executable): t's process must show emt its writes. */
void written_watch_fd(struct emt_monitor *mon, struct thread *t, int fd);
void written_free(struct emt_monitor *mon);

/* origin.c: whether an exec request is armed, and why */
enum emt_origin origin_of_map(struct emt_monitor *mon, struct thread *t,
			      const uint64_t *a);
enum emt_origin origin_of_protect(struct emt_monitor *mon, const uint64_t *a);
struct stat;
/* Whether a file was modified after the traced program started. */
bool origin_new_file(const struct emt_monitor *mon, const struct stat *st);
/* Whether a mapping's path names memory written by a program (a memfd, a
 * shm file, a deleted file). */
bool origin_written_path(const char *path);

/* sweep.c: arm what is executable without a call emt saw (after execve;
 * when attaching, what was made before) */
void sweep(struct emt_monitor *mon, struct thread *t, bool attaching);

/* kwrite.c: buffers the kernel will write must not be read-only */
bool kwrite_is_candidate(enum sc_op op);
/* Make the call's buffers writable; true when the thread was moved back
 * onto its syscall instruction to make the call again. */
bool kwrite_prepare(struct emt_monitor *mon, struct thread *t,
		    const struct sc_call *sc);
struct iovec;
/* The same for buffers the call pins for writing (io_uring). */
bool kwrite_prepare_iov(struct emt_monitor *mon, struct thread *t,
			const struct iovec *v, size_t n);
/* alias.c: dual mappings of one file */
void alias_after_exec(struct emt_monitor *mon, struct thread *t, uint64_t page);
void alias_after_write(struct emt_monitor *mon, struct thread *t, uint64_t page);
/* Whether an instruction at pc runs from an executable view of the file
 * page that page shows: it writes its own code through another view. */
bool alias_runs_from(const struct mm_space *mm, uint64_t page, uint64_t pc);
/* faults.c: the SIGSEGV t is stopped for (si, and its registers regs, or
 * NULL to read them) handled as emt's fault: true; false: the program's. */
bool faults_on_segv(struct emt_monitor *mon, struct thread *t, const siginfo_t *si,
		    const arch_regs *regs);
/* Whether si is an access fault on a page emt tracks: emt's doing
 * while emt strips rights, needing no delivery once they are restored. */
bool faults_on_tracked(const struct thread *t, const siginfo_t *si);
/* kwin.c: the kernel about to write pages a program may run */
/* Arm every executable page of [start, end) of actor's address space. */
void kwin_arm(struct emt_monitor *mon, struct thread *actor, uint64_t start,
	      uint64_t end, enum sc_op by);
/* The same for a write that respects the pages' protection
 * (process_vm_writev): only the code emt keeps from being written that
 * the program asked writable, so that the write goes in as natively. */
void kwin_arm_writable(struct emt_monitor *mon, struct thread *actor, uint64_t start,
		       uint64_t end, enum sc_op by);
/* Whether [start, end) of mm holds code emt lets run that the program
 * asked writable: what kwin_arm_writable would arm. */
bool kwin_writable_code(const struct mm_space *mm, uint64_t start, uint64_t end);
/* The same as kwin_arm for every executable view of a file, in any traced
 * process. */
void kwin_arm_file(struct emt_monitor *mon, struct thread *self, uint64_t dev,
		   uint64_t ino, enum sc_op by);
/* Whether some traced process has an executable view of the file. */
bool kwin_file_runs(struct emt_monitor *mon, uint64_t dev, uint64_t ino);
/* untrack.c: give [start, end) of t's process what it asked (asked), take
 * it out of the map, and report it blind; err says why (-errno). */
void untrack(struct emt_monitor *mon, struct thread *t, uint64_t start, uint64_t end,
	     int asked, int err);
/* [start, end) is no longer what the map says (unmapped, replaced): out of
 * the map; when it cannot be taken out (no memory to split a region),
 * every other page gets what it asked, the map is dropped, and a blind
 * event says so. */
void untrack_gone(struct emt_monitor *mon, struct thread *t, uint64_t start, uint64_t end);
/* rc, from an update of t's views, is -ENOMEM: the views are dropped (a
 * wrong one would arm pages of another file) and a blind event says that
 * writes through other mappings are no longer followed. */
void untrack_views(struct emt_monitor *mon, struct thread *t, int rc);

/* protect.c: what emt grants for what the program asks */
int prot_armed(int asked);
int prot_after_exec(int asked);
int prot_after_write(int asked);

/* The filters emt puts in traced processes: which calls stop. */
/* filter.c */
struct sock_fprog;
int filter_build(struct emt_monitor *mon, struct sock_fprog *prog);
/* More calls a process must send to emt from now on (watch.c). */
enum watch {
	WATCH_READS = 1,  /* the kernel writes the caller's buffers */
	WATCH_MMAPS = 2,  /* every mmap (READ_IMPLIES_EXEC) */
	WATCH_WRITES = 4, /* writes to files and /proc/PID/mem (writes.c) */
};
int filter_build_watch(struct emt_monitor *mon, unsigned int which,
		       struct sock_fprog *prog);
/* Make t's process send those calls to emt: a filter added to it, or
 * where none can be, a stop at every call. */
void watch_add(struct emt_monitor *mon, struct thread *t, unsigned int which);
/* The same in every traced process (t: the thread emt is handling). */
void watch_everyone(struct emt_monitor *mon, struct thread *t, unsigned int which);
void filter_free(struct sock_fprog *prog);

/* mapped.c: the file an fd of pid is (dev, ino); the mapping at addr as
 * the kernel has it (the file it really maps). */
bool mapped_file_of_fd(pid_t pid, int fd, uint64_t *dev, uint64_t *ino);
bool mapped_view_at(pid_t pid, uint64_t addr, struct view *v);

#endif
