/* SPDX-License-Identifier: MIT */
/*
 * The model: processes, threads, address spaces and the file views in
 * them, as emt knows them. Plain data; the tables live in the monitor.
 */
#ifndef EMT_MODEL_H
#define EMT_MODEL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "model/regions.h"
#include "sysent.h"

struct emt_monitor;

/* A file mapping: which file pages it shows, as what. */
struct view {
	uint64_t start, end;
	uint64_t dev, ino, off;
	int prot;              /* as the program asked */
	bool shared;           /* MAP_SHARED: writes reach the file */
};

/* Trampoline layout (tramp.c): code slots, their data, per-thread
 * scratch, room for a seccomp program. */
#define TRAMP_SLOTS 512u
#define TRAMP_SCRATCH_SIZE 128u
#define TRAMP_FILTER_SIZE 16384u
#define TRAMP_SIZE                                                             \
	((uint64_t)TRAMP_SLOTS * (ARCH_TRAMP_SLOT_SIZE + ARCH_TRAMP_DATA_SIZE + \
				  TRAMP_SCRATCH_SIZE) + TRAMP_FILTER_SIZE)

/* One address space. Shared by the processes that share it (vfork,
 * clone(CLONE_VM)); a fork gets a copy. */
struct mm_space {
	int refs;
	struct region_map map;
	uint64_t tramp;        /* trampoline base, 0 when none */
	uint64_t vdso_syscall; /* a `syscall` in the vDSO, 0 if unknown */
	uint64_t brk;          /* last program break seen, 0 if unknown */
	int mem_fd;            /* /proc/PID/mem, -1 until needed */
	bool uffd;             /* a userfaultfd fills it: read its pages
				  through /proc/PID/mem, which never waits
				  for a missing page to be filled */
	struct view *views;    /* file mappings, for dual-mapping aliases */
	bool views_lost;       /* mm_fork had no memory to copy them */
	size_t n_views, cap_views;
	uint8_t slot_used[TRAMP_SLOTS / 8];
	void *images;          /* images reported (act/image.c): one block of
				  plain memory, freed with the space */
};

struct proc {
	pid_t pid;
	pid_t parent;
	/* A thread whose /proc/TID and process_vm_* reach the address space:
	 * pid until the leader exits, as a thread may while the others go on
	 * (its mm, fds and auxv are gone then). */
	pid_t live_tid;
	struct mm_space *mm;
	int n_threads;
	bool threaded;         /* has had two threads or more: one may have
				  been inside fork when another ended it */
	bool passive;          /* not followed: traced but not enforced */
	unsigned int watched;  /* WATCH_* filters installed (inherited, and
				  kept across exec, as filters are) */
	bool syscall_mode;     /* resumed with PTRACE_SYSCALL: every call
				  stops (no filter could be added) */
	bool own_filter;       /* has seccomp filters of its own, which see
				  emt's remote calls too */
	bool io_uring;         /* has made an io_uring instance */
	bool io_uring_said;    /* and emt said what it cannot see */
	int exit_status;       /* leader's wait status once known */
	struct stealth_proc *stealth; /* --stealth: status fds (stealth.h) */
	struct proc *next;
};

/* A syscall seen at entry whose exit must be committed. */
struct pending_call {
	enum sc_op op;         /* SC_NONE when nothing is pending */
	struct sc_call sc;     /* as decoded at entry */
	int asked;             /* prot the program asked for */
	int granted;           /* prot emt let through */
	uint8_t origin;
	bool report;           /* emit a syscall event at exit */
	bool has_file;         /* a file mapping: dev, ino name its file */
	uint64_t dev, ino;
	bool truncating;       /* an open with O_TRUNC (or creating) */
	uint64_t shm_end;      /* shmdt: end of the segment's mapping */
	bool rie_before;       /* personality: READ_IMPLIES_EXEC was on */
	bool rie_after;        /* personality: and is on after the call */
	bool stealth;          /* stealth_exit wants its exit */
	bool stealth_only;     /* and no other part does */
	bool args_moved;       /* clone3: args 0 and 1 name emt's copy of
				  the struct; sc has the program's */
	bool late;             /* seen after the kernel made it (the call
				  watcher): what emt would change in it is
				  made after it (decide/late.c) */
	int64_t late_ret;      /* then, what it returned */
	uint64_t late_ip;      /* and where (just past its syscall insn) */
	bool late_again;       /* made again: its next return is seen */
};

enum thread_state {
	THREAD_RUNNING,
	THREAD_STOPPED,        /* in a ptrace stop emt has not resumed */
	THREAD_LISTENING,      /* group-stopped, PTRACE_LISTEN'ed */
	THREAD_HELD,           /* new child waiting for its parent's event */
	THREAD_DEAD,           /* gone while emt drove it; freed by stops_reap */
	THREAD_EXITING,        /* resumed from PTRACE_EVENT_EXIT: it never
				  stops again, and a leader's death is only
				  reported once the other threads are gone */
	THREAD_DEFERRED,       /* met an exec or exit event while emt drove
				  it: what emt did is abandoned, the stop is
				  handled by stops_reap */
};

/* Signals kept for one thread at the most. The kernel queues a user's
 * real-time signals up to RLIMIT_SIGPENDING (some thousands), then the
 * sender gets EAGAIN; emt, which takes them off the queue while it holds
 * the thread, keeps as many before saying one is lost. */
#define THREAD_REQUEUE_MAX 65536

/* A flip a thread makes through its trampoline slot: the syscall stop it
 * is to make there, what it is to call, and where it was. */
struct slot_flip {
	uint64_t stop_pc;      /* instruction pointer of that stop, 0: none */
	enum sc_op op;         /* the call: mprotect, or madvise */
	uint64_t args[3];
	bool landing;          /* the call went through: next stop is after */
	arch_regs regs;        /* at the fault */
};

struct thread {
	pid_t tid;
	struct proc *proc;
	enum thread_state state;
	int stop_status;       /* wait status of the stop it is held in */
	int slot;              /* trampoline slot, -1 when none */
	/* READ_IMPLIES_EXEC, kept out of the kernel and applied by emt
	 * (personality is per thread, inherited by clone and fork). */
	bool read_implies_exec;
	bool stealth_traceme;  /* --stealth: PTRACE_TRACEME answered 0 */
	struct slot_flip flip; /* a flip sent through the slot */
	bool expect_attach_stop; /* auto-attach PTRACE_EVENT_STOP still due */
	int deliver_sig;       /* signal to deliver when resumed */
	bool has_siginfo;      /* deliver with saved_siginfo (SETSIGINFO) */
	siginfo_t saved_siginfo;
	/* More signals met while emt drove the thread, sent again once it
	 * runs (thread_resume); an array, since a real-time signal may come
	 * several times, grown as they come and freed with the thread. */
	siginfo_t *requeue;
	int n_requeue, cap_requeue;
	struct pending_call call;
	uint64_t last_fault_pc, last_fault_addr; /* last fault seen stale */
	int stale_count;
	int step_depth;        /* faults handled inside a step's fault */
	/* Between a syscall-entry stop and the call's exit: the seccomp
	 * stop that may follow the entry stop is the same call. */
	bool in_syscall;
	/* A stop waitpid reported in the batch being handled, not handled
	 * yet (monitor.c); borrow.c may take it first. */
	bool batch_pending;
	int batch_status;
	/* THREAD_HELD: the process the kernel names its parent (PPid), 0 for
	 * a thread, -1 when that parent has exited already. */
	pid_t held_parent;
	bool late_held;        /* met the call watcher's SIGSTOP while emt
				  drove it: its call is handled before it
				  runs on (thread_resume defers it) */
	pid_t untraced_child;  /* made by its call seen late, not traced:
				  for the loop to seize (late.c) */
	/* A clone3 child: its argument registers, which emt pointed at its
	 * own copy of the struct, are the program's again at its first stop. */
	bool fix_args;
	struct sc_call fix_sc;
	uint64_t fix_arg[2];
	struct thread *next;   /* hash chain */
};

#define THREAD_BUCKETS 1024
/* Dead processes whose state a child held without its parent's event may
 * still need (kin.c). */
#define KIN_GRAVES 8

/* testhooks.c: faults the test suite injects (EMT_TEST_FAIL_REGIONS) */
void testhooks_from_env(void);
/* tasks.c */
struct thread *thread_find(struct emt_monitor *mon, pid_t tid);
void proc_count_thread(struct proc *p);
struct thread *thread_add(struct emt_monitor *mon, pid_t tid, struct proc *p);
void thread_remove(struct emt_monitor *mon, struct thread *t);
struct proc *proc_find(struct emt_monitor *mon, pid_t pid);
struct proc *proc_add(struct emt_monitor *mon, pid_t pid, struct mm_space *mm);
void proc_remove(struct emt_monitor *mon, struct proc *p);
/* A stopped thread of p emt can make calls in; NULL when none. */
struct thread *proc_worker(struct emt_monitor *mon, const struct proc *p);
/* Reach p through another thread than going from now on (going exits). */
void proc_pick_live_tid(struct emt_monitor *mon, struct proc *p, pid_t going);
void mm_release_slot(struct thread *t);
struct mm_space *mm_new(void);
struct mm_space *mm_get(struct mm_space *mm);
void mm_put(struct mm_space *mm);
struct mm_space *mm_fork(const struct mm_space *parent);
/* Whether a process listed before p shares p's address space (to visit
 * each address space once). */
bool proc_mm_seen_before(const struct emt_monitor *mon, const struct proc *p);
#define for_each_thread(mon, t)                                               \
	for (size_t _b = 0; _b < THREAD_BUCKETS; _b++)                        \
		for (struct thread *t = (mon)->threads[_b], *_n;              \
		     t && ((_n = t->next), 1); t = _n)
/* Whether emt can no longer drive t: gone, or deferred. */
static inline bool thread_lost(const struct thread *t)
{
	return t->state == THREAD_DEAD || t->state == THREAD_DEFERRED;
}

/* traced.c: the traced processes, under a lock of their own: the user's
 * thread reads them (emt_monitor_traces) while the tracer changes them. */
struct traced_set *traced_new(void);
void traced_free(struct traced_set *s);
int traced_add(struct traced_set *s, pid_t tgid);
/* It ended or was let go: still counts as traced for a few seconds. */
void traced_gone(struct traced_set *s, pid_t tgid);
bool traced_has(struct traced_set *s, pid_t tgid);
/* views.c: the file pages each mapping shows. 0 or -ENOMEM. */
int views_add(struct mm_space *mm, const struct view *v);
int views_unmap(struct mm_space *mm, uint64_t start, uint64_t end);
int views_protect(struct mm_space *mm, uint64_t start, uint64_t end, int prot);
int views_move(struct mm_space *mm, uint64_t old_addr, uint64_t old_len,
	       uint64_t new_addr, uint64_t new_len, bool keep_old);
const struct view *views_at(const struct mm_space *mm, uint64_t addr);
int views_copy(struct mm_space *dst, const struct mm_space *src);
void views_clear(struct mm_space *mm);
/* fn(page range) for every view, in any traced address space, of file
 * bytes [off, off+len) of (dev, ino). fn must not change the views. */
void views_for_file(struct emt_monitor *mon, uint64_t dev, uint64_t ino,
		    uint64_t off, uint64_t len,
		    void (*fn)(struct emt_monitor *, struct proc *, const struct view *,
			       uint64_t start, uint64_t end, void *),
		    void *ctx);
/* How many such views of the whole of (dev, ino) have at least prot. */
size_t views_count_file(struct emt_monitor *mon, uint64_t dev, uint64_t ino, int prot);

#endif
