/* SPDX-License-Identifier: MIT */
/*
 * Private state of a monitor, shared by the parts of the library. Only the
 * tracer thread touches the tracee tables; the queue is the one structure
 * both threads use, under its own lock.
 */
#ifndef EMT_INTERNAL_H
#define EMT_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "emt/emt.h"
#include "regions.h"

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
	size_t n_views, cap_views;
	uint8_t slot_used[TRAMP_SLOTS / 8];
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

#define THREAD_REQUEUE_MAX 16

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
	 * several times. */
	siginfo_t requeue[THREAD_REQUEUE_MAX];
	int n_requeue;
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

struct event_queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	pthread_cond_t nonfull;
	struct emt_event **ring;
	size_t cap, head, count;
	bool unbounded;        /* stop requested: never block the tracer */
	bool finished;         /* tracer is done: no more events */
	struct emt_event **overflow; /* beyond cap once unbounded */
	size_t overflow_head, n_overflow, cap_overflow;
};

enum command { CMD_NONE, CMD_STOP };

struct emt_monitor {
	struct emt_options opts;
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

	volatile bool running;
	bool stopped;

	/* tracer-only state */
	bool launch;
	bool use_seccomp;      /* launch mode with the filter installed */
	bool syscall_mode;     /* resume with PTRACE_SYSCALL */
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
	sigset_t child_mask;   /* the caller's mask, for the program */
};

/* testhooks.c: faults the test suite injects (EMT_TEST_FAIL_REGIONS) */
void testhooks_from_env(void);

/* log.c */
void emt_log(struct emt_monitor *mon, enum emt_log_level level,
	     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
uint64_t emt_now_ns(void);

/* queue.c */
int queue_init(struct event_queue *q, size_t cap);
void queue_destroy(struct event_queue *q);
/* Takes ownership of ev. Blocks while full unless drop is set or the queue
 * is unbounded; returns -ENOBUFS when the event was dropped. */
int queue_push(struct event_queue *q, struct emt_event *ev, bool drop);
int queue_pop(struct event_queue *q, int timeout_ms, struct emt_event **ev);
void queue_set_unbounded(struct event_queue *q);
void queue_finish(struct event_queue *q);
/* Whether events of that type still reach the user once stopping. */
bool queue_kept_at_stop(enum emt_event_type type);
/* Removes and returns every queued event kept at stop. */
size_t queue_drain(struct event_queue *q, struct emt_event ***out);

/* events.c */
/* A new event of type, or NULL when the user did not ask for that type
 * (or memory ran out, which is logged). */
struct emt_event *event_new(struct emt_monitor *mon, enum emt_event_type type,
			    const struct thread *t);
/* The event's EMT_PAGE_SIZE buffer for captured bytes, reused if pooled. */
uint8_t *event_page_buffer(struct emt_event *ev);
void event_emit(struct emt_monitor *mon, struct emt_event *ev);
void event_flip(struct emt_monitor *mon, const struct thread *t, uint64_t addr,
		uint64_t len, int from, int to);
void event_process(struct emt_monitor *mon, pid_t pid, pid_t parent,
		   enum emt_process_change change, int status);
/* Report that code may change or run unseen at [addr, addr+len) of pid
 * (route says how); fmt says what the program did. nr: the syscall, or -1. */
void event_blind(struct emt_monitor *mon, pid_t pid, pid_t tid,
		 enum emt_blind_route route, uint64_t addr, uint64_t len, long nr,
		 const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* tasks.c */
struct thread *thread_find(struct emt_monitor *mon, pid_t tid);
struct thread *thread_add(struct emt_monitor *mon, pid_t tid, struct proc *p);
void thread_remove(struct emt_monitor *mon, struct thread *t);
void thread_rename(struct emt_monitor *mon, struct thread *t, pid_t tid);
struct proc *proc_find(struct emt_monitor *mon, pid_t pid);
struct proc *proc_add(struct emt_monitor *mon, pid_t pid, struct mm_space *mm);
void proc_remove(struct emt_monitor *mon, struct proc *p);
/* A stopped thread of p emt can make calls in; NULL when none. */
struct thread *proc_worker(struct emt_monitor *mon, const struct proc *p);
/* Reach p through another thread than going from now on (going exits). */
void proc_pick_live_tid(struct emt_monitor *mon, struct proc *p, pid_t going);
struct mm_space *mm_new(void);
struct mm_space *mm_get(struct mm_space *mm);
void mm_put(struct mm_space *mm);
struct mm_space *mm_fork(const struct mm_space *parent);
/* Whether a process listed before p shares p's address space (to visit
 * each address space once). */
bool proc_mm_seen_before(const struct emt_monitor *mon, const struct proc *p);
void tasks_free_all(struct emt_monitor *mon);
#define for_each_thread(mon, t)                                               \
	for (size_t _b = 0; _b < THREAD_BUCKETS; _b++)                        \
		for (struct thread *t = (mon)->threads[_b], *_n;              \
		     t && ((_n = t->next), 1); t = _n)

/* ptrace helpers (tracee.c) */
int thread_getregs(struct thread *t, arch_regs *regs);
int thread_setregs(struct thread *t, const arch_regs *regs);
/* Resume t, delivering sig or else the signal kept for it. A signal can
 * only be delivered from a signal-delivery-stop; from another stop it is
 * sent again once t runs, as are the others kept meanwhile. */
void thread_resume(struct emt_monitor *mon, struct thread *t, int sig);
/* t is at PTRACE_EVENT_EXIT: let it go, and reach its process through
 * another thread from now on. */
void thread_exiting(struct emt_monitor *mon, struct thread *t);
/* kept_signals.c: signals met while emt drives a stopped thread */
/* The siginfo of the signal sig t is stopped for; false, and a plain
 * SI_USER one, when the kernel gives none. */
bool thread_stop_siginfo(const struct thread *t, int sig, siginfo_t *si);
/* Keep that signal for delivery when t runs again. */
void thread_keep_siginfo(struct emt_monitor *mon, struct thread *t,
			 const siginfo_t *si, bool has_siginfo);
/* Both at once. */
void thread_keep_signal(struct emt_monitor *mon, struct thread *t, int sig);
/* Make si, which t is stopped for, the signal delivered when t is resumed
 * (a fault that is the program's); a signal kept before is sent again. */
void thread_deliver_first(struct emt_monitor *mon, struct thread *t,
			  const siginfo_t *si);
/* Send again the signals kept beyond the first; t is running (or was
 * detached). */
void thread_requeue(struct thread *t);
/* The kept signal to pass to the request that resumes or detaches t, its
 * siginfo set; 0 when t's stop cannot deliver one (it is then sent again
 * once t runs, unless it is a fault, which comes again by itself). */
int thread_take_signal(struct emt_monitor *mon, struct thread *t);

/* -errno for a PTRACE_SEIZE of pid that failed with err: -EBUSY when
 * another process traces pid already (it is named in the log). */
int tracee_seize_error(struct emt_monitor *mon, pid_t pid, int err);

/* traced.c: the traced processes, under a lock of their own: the user's
 * thread reads them (emt_monitor_traces) while the tracer changes them. */
struct traced_set *traced_new(void);
void traced_free(struct traced_set *s);
int traced_add(struct traced_set *s, pid_t tgid);
/* It ended or was let go: still counts as traced for a few seconds. */
void traced_gone(struct traced_set *s, pid_t tgid);
bool traced_has(struct traced_set *s, pid_t tgid);

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

/* stops.c */
void stops_handle(struct emt_monitor *mon, pid_t tid, int status);
int stops_wait_thread(struct emt_monitor *mon, struct thread *t, int *status);
/* Forget the threads that died while emt drove them, and handle the
 * stops deferred meanwhile. */
void stops_reap(struct emt_monitor *mon);
/* t met status while emt drove it, a stop after which nothing emt was
 * doing in it holds (an exec, an exit): abandon that, handle the stop
 * once the current one is done. */
void stops_defer(struct emt_monitor *mon, struct thread *t, int status);
/* Whether emt can no longer drive t: gone, or deferred. */
static inline bool thread_lost(const struct thread *t)
{
	return t->state == THREAD_DEAD || t->state == THREAD_DEFERRED;
}
/* -errno of a launched program that failed to exec, else 0. */
int stops_exec_error(struct emt_monitor *mon);

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
/* The same with another native call in its place. */
int syscalls_run_as(struct emt_monitor *mon, struct thread *t, long nr,
		    const uint64_t args[6], int64_t *ret);

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


/* views.c: the file pages each mapping shows. 0 or -ENOMEM. */
int views_add(struct mm_space *mm, const struct view *v);
int views_unmap(struct mm_space *mm, uint64_t start, uint64_t end);
int views_protect(struct mm_space *mm, uint64_t start, uint64_t end, int prot);
int views_move(struct mm_space *mm, uint64_t old_addr, uint64_t old_len,
	       uint64_t new_addr, uint64_t new_len, bool keep_old);
const struct view *views_at(const struct mm_space *mm, uint64_t addr);
int views_copy(struct mm_space *dst, const struct mm_space *src);
bool views_file_of_fd(pid_t pid, int fd, uint64_t *dev, uint64_t *ino);
/* The mapping at addr as the kernel has it (the file it really maps). */
bool views_file_at(pid_t pid, uint64_t addr, struct view *v);
/* fn(page range) for every view, in any traced address space, of file
 * bytes [off, off+len) of (dev, ino). fn must not change the views. */
void views_for_file(struct emt_monitor *mon, uint64_t dev, uint64_t ino,
		    uint64_t off, uint64_t len,
		    void (*fn)(struct emt_monitor *, struct proc *, const struct view *,
			       uint64_t start, uint64_t end, void *),
		    void *ctx);

/* alias.c: dual mappings of one file */
void alias_after_exec(struct emt_monitor *mon, struct thread *t, uint64_t page);
void alias_after_write(struct emt_monitor *mon, struct thread *t, uint64_t page);
/* Whether an instruction at pc runs from an executable view of the file
 * page that page shows: it writes its own code through another view. */
bool alias_runs_from(const struct mm_space *mm, uint64_t page, uint64_t pc);


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
void kin_bury(struct emt_monitor *mon, const struct proc *p);
/* The most recent dead process child descends from, or NULL. */
struct proc *kin_grave_of(struct emt_monitor *mon, pid_t child);
void kin_free(struct emt_monitor *mon);

/* faults.c */
bool faults_on_segv(struct emt_monitor *mon, struct thread *t);
/* Whether si is an access fault on a page emt tracks: emt's doing
 * while emt strips rights, needing no delivery once they are restored. */
bool faults_on_tracked(const struct thread *t, const siginfo_t *si);

/* inject.c */
int inject_syscall(struct emt_monitor *mon, struct thread *t, long nr,
		   const uint64_t args[6], int64_t *ret);
/* mprotect in t, synchronously: 0, -ESRCH (t is gone) or the call's -errno. */
int inject_mprotect(struct emt_monitor *mon, struct thread *t, uint64_t addr,
		    uint64_t len, int prot);
/* Make t install a seccomp filter for its whole process. */
int inject_filter(struct emt_monitor *mon, struct thread *t,
		  const struct sock_fprog *prog);
/* Single-step t over the instruction at from_pc, keeping signals met on
 * the way; -EFAULT when it faulted (t is at that signal-delivery-stop). */
int inject_step(struct emt_monitor *mon, struct thread *t, uint64_t from_pc);
/* The same for an instruction of the program: -EAGAIN when it stopped in
 * a syscall or event stop instead, given in *status for stops_handle. */
int inject_step_program(struct emt_monitor *mon, struct thread *t, uint64_t from_pc,
			int *status);
/* Give every tracked page of t's address space the protection the
 * program asked for, and forget them. */
void inject_restore_asked(struct emt_monitor *mon, struct thread *t);
/* Single-step t until it is out of its trampoline slot. */
void inject_leave_tramp(struct emt_monitor *mon, struct thread *t);

/* tramp.c: emt's trampoline in each address space */
int tramp_create(struct emt_monitor *mon, struct thread *t);
/* Unmap it (detach). */
void tramp_remove(struct emt_monitor *mon, struct thread *t);
/* Up to two ranges a moved trampoline must keep out of. */
struct tramp_avoid {
	uint64_t start[2], len[2];
};
/* Put it elsewhere, out of av. */
int tramp_move(struct emt_monitor *mon, struct thread *t,
	       const struct tramp_avoid *av);
bool tramp_overlaps(const struct mm_space *mm, uint64_t start, uint64_t len);
bool tramp_contains(const struct mm_space *mm, uint64_t addr);
/* A `syscall` instruction emt can step, 0 when none is known. */
uint64_t tramp_syscall_insn(const struct mm_space *mm);
int tramp_slot(struct thread *t);
void tramp_release_slot(struct thread *t);
/* t's scratch area, out of the program's reach; 0 when none. */
uint64_t tramp_scratch(const struct mm_space *mm, const struct thread *t);
uint64_t tramp_filter_area(const struct mm_space *mm);
/* mprotect in t through its slot: t is set to run it and come back to
 * saved by itself when resumed. */
int tramp_flip(struct emt_monitor *mon, struct thread *t, const arch_regs *saved,
	       uint64_t addr, uint64_t len, int prot);
/* The same for another call of three arguments (op: native). 0, or
 * -errno when t has no usable slot (nothing was changed). */
int tramp_call(struct emt_monitor *mon, struct thread *t, const arch_regs *saved,
	       enum sc_op op, uint64_t a0, uint64_t a1, uint64_t a2);
/* Whether the syscall stop of t at ip is the call of its slot flip. */
bool tramp_own_call(struct thread *t, uint64_t ip, const struct sc_call *sc);
/* A fault t met in its slot or just out of it: the slot was damaged.
 * Mended and handled: true. landed: t's previous stop was its slot call. */
bool tramp_recover(struct emt_monitor *mon, struct thread *t,
		   const arch_regs *now, bool landed);

/* borrow.c: a thread of another process to run calls in its address
 * space: self if it shares it; NULL when none can be stopped. Give it
 * back with borrow_return. */
struct thread *borrow_thread(struct emt_monitor *mon, struct proc *p,
			     struct thread *self);
/* A thread of the process p itself (what is per process: filters). */
struct thread *borrow_thread_of(struct emt_monitor *mon, struct proc *p,
				struct thread *self);
void borrow_return(struct emt_monitor *mon, struct thread *t, struct thread *self);

/* kwin.c: the kernel about to write pages a program may run */
/* Arm every executable page of [start, end) of actor's address space. */
void kwin_arm(struct emt_monitor *mon, struct thread *actor, uint64_t start,
	      uint64_t end, enum sc_op by);
/* The same for every executable view of a file, in any traced process. */
void kwin_arm_file(struct emt_monitor *mon, struct thread *self, uint64_t dev,
		   uint64_t ino, enum sc_op by);
/* Whether some traced process has an executable view of the file. */
bool kwin_file_runs(struct emt_monitor *mon, uint64_t dev, uint64_t ino);

/* memio.c */
int mem_read(struct emt_monitor *mon, struct proc *p, uint64_t addr, void *buf,
	     size_t len);
int mem_write(struct emt_monitor *mon, struct proc *p, uint64_t addr,
	      const void *buf, size_t len);
/* A NUL-terminated string of at most size bytes. 0 or -errno. */
int mem_read_string(struct emt_monitor *mon, struct proc *p, uint64_t addr,
		    char *buf, size_t size);
/* Write through /proc/PID/mem, whatever the protection (emt's own pages,
 * which the program cannot write). */
int mem_poke(struct emt_monitor *mon, struct proc *p, uint64_t addr,
	     const void *buf, size_t len);

/* capture.c */
void capture_exec(struct emt_monitor *mon, struct thread *t,
		  const arch_regs *regs, uint64_t page, uint64_t fault_addr,
		  const struct region *r);
void capture_free(struct emt_monitor *mon);

/* untrack.c: give [start, end) of t's process what it asked (asked), take
 * it out of the map, and report it blind; err says why (-errno). */
void untrack(struct emt_monitor *mon, struct thread *t, uint64_t start, uint64_t end,
	     int asked, int err);

/* protect.c: what emt grants for what the program asks */
int prot_armed(int asked);
int prot_after_exec(int asked);
int prot_after_write(int asked);

#endif
