/* SPDX-License-Identifier: MIT */
/*
 * libemt: the executable-memory tracer.
 *
 * A monitor runs a program (or attaches to one), enforces W^X on the memory
 * the program makes writable and executable, and reports every first
 * execution of that memory as an event carrying the bytes, the registers,
 * the thread and a per-page capture sequence.
 *
 * Error rule: functions returning int return 0 on success or a negative
 * errno value; functions returning a pointer return NULL and set errno.
 * Nothing here prints or exits; diagnostics go to the log callback.
 *
 * Threads: every ptrace request is made by one tracer thread owned by the
 * monitor. The functions below may be called from any one user thread.
 *
 * Hosts: the traced program usually runs as the host's user, and may act
 * on the host as on any process of that user. The library changes no
 * process-wide state of its host; a host should do what the emt tool
 * does: make itself non-dumpable (prctl(PR_SET_DUMPABLE, 0)), so that the
 * program cannot ptrace it, read or write its memory (/proc/PID/mem,
 * process_vm_readv/writev) or take its descriptors (pidfd_getfd); and not
 * let the program's signals end monitoring (emt_monitor_traces). Resource
 * limits the program sets on the host's process (prlimit64) are refused
 * with EPERM by the library itself.
 */
#ifndef EMT_EMT_H
#define EMT_EMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EMT_API __attribute__((visibility("default")))

#define EMT_VERSION_MAJOR 0
#define EMT_VERSION_MINOR 2

/* What kind of thing an event reports. */
enum emt_event_type {
	EMT_EVENT_EXEC = 1,     /* first execution of (re)written memory */
	EMT_EVENT_SYSCALL = 2,  /* a memory syscall emt intercepted */
	EMT_EVENT_FLIP = 3,     /* emt changed the protection of tracked pages */
	EMT_EVENT_PROCESS = 4,  /* a process was created, exec'd or exited */
	EMT_EVENT_BLIND = 5,    /* code may change or run where emt cannot see */
	EMT_EVENT_IMAGE = 6,    /* code first ran in an ELF image the program
				   unpacked or loaded itself (EMT_OPT_IMAGES) */
};

#define EMT_EVENT_MASK(type) (1u << (type))
#define EMT_EVENTS_ALL                                                         \
	(EMT_EVENT_MASK(EMT_EVENT_EXEC) | EMT_EVENT_MASK(EMT_EVENT_SYSCALL) |  \
	 EMT_EVENT_MASK(EMT_EVENT_FLIP) | EMT_EVENT_MASK(EMT_EVENT_PROCESS) |  \
	 EMT_EVENT_MASK(EMT_EVENT_BLIND) | EMT_EVENT_MASK(EMT_EVENT_IMAGE))

/* How a piece of memory came to be executable. */
enum emt_origin {
	EMT_ORIGIN_NONE = 0,
	EMT_ORIGIN_WX_MAP = 1,     /* mmap with PROT_WRITE|PROT_EXEC */
	EMT_ORIGIN_WX_PROTECT = 2, /* mprotect/pkey_mprotect with W+X */
	EMT_ORIGIN_FLIP = 3,       /* RW pages mprotect'ed to R-X */
	EMT_ORIGIN_ALIAS = 4,      /* executable view of writable memory */
	EMT_ORIGIN_EXEC_MAP = 5,   /* fresh exec mapping of writable memory */
	EMT_ORIGIN_EXEC_IMAGE = 6, /* executable from execve on: a W+X
				      segment or stack, or an image written
				      while traced (memfd, new file) */
	EMT_ORIGIN_KERNEL_WRITE = 7, /* bytes written by the kernel for the
					program: /proc/PID/mem, a write to a
					mapped file, a userfaultfd fill */
};

/* Why a blind event was reported: a way code can change or run that emt
 * cannot watch there, so what runs may not be captured. */
enum emt_blind_route {
	EMT_BLIND_NONE = 0,
	EMT_BLIND_TRAMPOLINE = 1,    /* the program ran emt's own code */
	EMT_BLIND_FOREIGN_ABI = 2,   /* a memory call of an ABI emt does not
					interpret: refused */
	EMT_BLIND_UNSEEN_EXEC = 3,   /* executable memory emt did not see
					being made, found and armed since */
	EMT_BLIND_UNENFORCEABLE = 4, /* emt cannot withhold execution there
					(sealed memory, a refused flip, no
					memory left to record it) */
	EMT_BLIND_IO_URING = 5,      /* io_uring may write these pages or
					files without a call emt sees */
	EMT_BLIND_SHARED_OUTSIDE = 6, /* shared with a process emt does not
					 trace, which can change the code */
	EMT_BLIND_USERFAULTFD = 7,   /* a userfaultfd fill emt could not
					attribute to an address space */
	EMT_BLIND_SECCOMP_NOTIFY = 8, /* the program's own seccomp filter can
					 answer memory calls */
	EMT_BLIND_WINDOW = 9,        /* attached: emt saw the call that made
					this memory executable after the kernel
					made it; another thread could run it
					before emt armed it */
};

/* The processor whose registers an emt_regs holds. */
enum emt_arch {
	EMT_ARCH_X86_64 = 1,
};

struct emt_regs_x86_64 {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, eflags, cs, ss, fs_base, gs_base, orig_rax;
};

/* Registers of the thread at the moment of the execute fault: pc and sp
 * whatever the processor, all of them in the member arch names. */
struct emt_regs {
	enum emt_arch arch;
	uint64_t pc;            /* the instruction the thread was fetching */
	uint64_t sp;
	union {
		struct emt_regs_x86_64 x86_64; /* arch EMT_ARCH_X86_64 */
	};
};

enum emt_process_change {
	EMT_PROCESS_START = 1,  /* first seen: launched, attached or forked */
	EMT_PROCESS_EXECVE = 2, /* replaced its image; its map was dropped */
	EMT_PROCESS_EXIT = 3,   /* exited or was killed; see wait_status */
};

/* One frame of a backtrace (EMT_OPT_BACKTRACE). */
struct emt_frame {
	uint64_t pc;        /* frame 0: where the fetch faulted; others: a
			       return address */
	uint64_t offset;    /* pc's distance from symbol, else from the
			       start of module's mapping; 0 without either */
	char module[128];   /* the file mapped at pc, "" for memory of no
			       file (generated code) */
	char symbol[96];    /* the function of module holding pc, or "" */
	/* Both are the program's and hold printable ASCII only: any other
	 * byte is written '?'. */
};

#define EMT_FRAMES_MAX 32

struct emt_event {
	enum emt_event_type type;
	pid_t pid;              /* thread group */
	pid_t tid;              /* thread */
	uint64_t timestamp;     /* CLOCK_REALTIME, nanoseconds */

	/* EMT_EVENT_EXEC */
	uint64_t addr;          /* first captured byte (page aligned) */
	uint64_t len;           /* bytes captured */
	uint8_t *bytes;         /* len bytes, as they were when first run */
	struct emt_regs registers;
	uint64_t fault_addr;    /* si_addr of the execute fault */
	uint64_t capture_sequence; /* 1 on first run, +1 per rewrite and run */
	uint8_t sha256[32];
	int capture_error;      /* 0, or -errno if the bytes could not be read */
	enum emt_origin origin;
	uint64_t written_via;   /* for EMT_ORIGIN_ALIAS: the page of the
				   writable view whose write re-armed this one */
	long written_by;        /* for EMT_ORIGIN_KERNEL_WRITE: the syscall
				   (__NR_* of the native ABI) that wrote it */

	/* EMT_EVENT_SYSCALL */
	long syscall_nr;        /* __NR_* of the native ABI */
	uint64_t args[6];       /* as the program passed them */
	int64_t retval;         /* the result the program saw */
	int prot_asked;         /* PROT_* the program asked for */
	int prot_granted;       /* PROT_* emt let the kernel apply */

	/* EMT_EVENT_FLIP (addr, len are the pages) */
	int prot_old;
	int prot_new;

	/* EMT_EVENT_PROCESS */
	enum emt_process_change change;
	pid_t parent;           /* for EMT_PROCESS_START of a forked child */
	int wait_status;        /* for EMT_PROCESS_EXIT, as from waitpid */

	/* EMT_EVENT_BLIND (addr, len: the memory concerned, 0 if none;
	   syscall_nr: the call involved, or -1) */
	enum emt_blind_route blind_route;
	char what[128];         /* what the program did, for people */

	/* EMT_EVENT_EXEC with EMT_OPT_BACKTRACE: the faulting thread's stack,
	 * innermost first: the fault, the return address at the stack
	 * pointer (the code was just called), then the frames unwound from
	 * there (CFI of the files mapped, or frame pointers). NULL and 0
	 * otherwise, or when none could be read. */
	struct emt_frame *frames;
	size_t n_frames;

	/* EMT_EVENT_IMAGE (addr, len, bytes, sha256: the memory from its
	 * lowest loadable segment to the end of its highest, whole pages,
	 * as it was when fault_addr first ran; pages that could not be read
	 * are zeros): where its ELF header is. Its program headers, read
	 * from bytes, give each segment and the entry point; for an ET_DYN
	 * image they are offsets from image_base. */
	uint64_t image_base;
};

enum emt_log_level { EMT_LOG_ERROR, EMT_LOG_WARN, EMT_LOG_INFO, EMT_LOG_DEBUG };

typedef void (*emt_log_fn)(enum emt_log_level level, const char *msg, void *ctx);

/* Option flags. */
#define EMT_OPT_NO_FOLLOW     (1u << 0) /* do not trace forked children */
#define EMT_OPT_ONLY_WX       (1u << 1) /* only W+X requests, not RW->RX flips */
#define EMT_OPT_NO_SECCOMP    (1u << 2) /* stop at every syscall even when launching */
#define EMT_OPT_DROP_WHEN_FULL (1u << 3) /* count drops instead of blocking */
#define EMT_OPT_TRACK_FILES   (1u << 4) /* also track ordinary file exec maps */
/* Answer the usual checks for a tracer as without emt: PTRACE_TRACEME
 * succeeds once per thread; the status files of traced threads show
 * TracerPid 0, no tracing stop, and neither emt's seccomp filters nor the
 * no_new_privs it set (so do prctl PR_GET_SECCOMP and
 * PR_GET_NO_NEW_PRIVS). Costs a stop at every open in launch mode. */
#define EMT_OPT_STEALTH       (1u << 5)
/* Exec events carry the faulting thread's backtrace (frames), as
 * strace -k does: a few hundred microseconds per capture. */
#define EMT_OPT_BACKTRACE     (1u << 6)
/* When code first runs inside an ELF image in memory (an ELF header, its
 * program headers, a loadable executable segment holding the fault: what
 * UPX or a loader mapping an ELF from memory leaves), an image event
 * holds the whole image. */
#define EMT_OPT_IMAGES        (1u << 7)

struct emt_options {
	size_t size;              /* sizeof(struct emt_options) */
	pid_t pid;                /* attach to this process, or 0 */
	char *const *argv;        /* or launch this (argv[0] searched in PATH) */
	char *const *envp;        /* environment for launch; NULL: inherit */
	unsigned int flags;       /* EMT_OPT_* */
	unsigned int event_mask;  /* EMT_EVENT_MASK()s to queue; 0: exec only */
	size_t queue_capacity;    /* events held for the consumer; 0: 1024 */
	emt_log_fn log;           /* diagnostics; NULL: none */
	void *log_ctx;
	enum emt_log_level log_level; /* highest level passed to log */
	/* Bytes captured at each execute fault. 0 or one page: the page
	 * that faulted. More: the whole tracked region around it, for code
	 * that crosses pages: the faulting page and the tracked pages
	 * contiguous with it, those after it first, up to this many bytes
	 * (rounded down to pages; at most EMT_CAPTURE_MAX). Exec events then
	 * hold several pages: addr is the first, len their size. */
	size_t capture_max;
};

#define EMT_CAPTURE_MAX ((size_t)64 << 20)

/* What emt_monitor_stop does with a launched program. */
enum emt_stop_mode {
	EMT_STOP_DETACH = 0, /* attach mode: restore protections, detach */
	EMT_STOP_KILL = 1,   /* SIGKILL every traced process */
	EMT_STOP_WAIT = 2,   /* keep tracing until every traced process exits;
				exec and blind events are kept for the result,
				up to 262144 beyond the queue (then counted in
				n_dropped) */
};

struct emt_result {
	struct emt_event **events; /* exec and blind events never received */
	size_t n_events;
	uint64_t n_captures;       /* exec events produced in all */
	uint64_t n_dropped;        /* lost to a full queue (DROP_WHEN_FULL) */
	uint64_t n_syscalls;       /* memory syscalls intercepted */
	uint64_t n_faults;         /* faults handled as emt's own */
	int exit_status;           /* wait status of the launched program, or -1 */
	uint64_t n_blind;          /* blind events reported */
};

struct emt_monitor;

/* Create a monitor; nothing runs until emt_monitor_start. NULL and errno
 * (EINVAL for options naming neither or both of pid and argv). */
EMT_API struct emt_monitor *emt_monitor_new(const struct emt_options *opts);

/* Launch or attach. Returns once the program has exec'd (launch) or every
 * thread is attached; -ENOENT, -EACCES, -ENOEXEC... for a program that could
 * not be executed, -ESRCH for a dead pid, -EPERM when ptrace is refused,
 * -EBUSY when the process is traced by another tracer already (a debugger;
 * for a launched program, a tracer of the caller that follows its children,
 * as strace -f or emt do): the log names that tracer. Nothing is left
 * running or stopped on failure. */
EMT_API int emt_monitor_start(struct emt_monitor *mon);

/* False once every traced process has exited or the monitor was stopped. */
EMT_API bool emt_monitor_is_running(const struct emt_monitor *mon);

/* PID of the launched or attached process, or 0 before start. */
EMT_API pid_t emt_monitor_pid(const struct emt_monitor *mon);

/* Whether pid (a process id, as si_pid of a signal gives it) is a process
 * the monitor traces, or one it traced until a few seconds ago: a program
 * may signal the host and exit at once, before the host looks. A process
 * is known from before it first runs. Safe to call from any thread while
 * the monitor runs.
 *
 * The traced program usually runs as the host's user and may send it
 * signals: a host should not let a request to end monitoring (SIGTERM,
 * SIGINT, SIGHUP...) come from a process for which this is true; only the
 * user may end it (a terminal's signal has si_code SI_KERNEL). */
EMT_API bool emt_monitor_traces(const struct emt_monitor *mon, pid_t pid);

/* Wait up to timeout_ms (0: do not wait, -1: forever) for the next event.
 * 0 and *event set (free with emt_event_free); -EAGAIN on timeout;
 * -ECHILD when the monitor has finished and no event is left. */
EMT_API int emt_monitor_next_event(struct emt_monitor *mon, int timeout_ms,
				   struct emt_event **event);

/* Stop monitoring. DETACH (attach mode) restores every protection the
 * program asked for and detaches every thread; for a launched program the
 * mode chooses between killing it and waiting for it. *result (may be NULL)
 * receives the exec events not yet received and the counts. */
EMT_API int emt_monitor_stop(struct emt_monitor *mon, enum emt_stop_mode mode,
			     struct emt_result **result);

EMT_API void emt_event_free(struct emt_event *event);
EMT_API void emt_result_free(struct emt_result *result);
/* Stops the monitor (KILL for a launched program, DETACH otherwise) if it
 * is still running, then frees it. */
EMT_API void emt_monitor_free(struct emt_monitor *mon);

/* Static names for logs: "PROT_READ|PROT_EXEC", "mprotect", "wx_map". */
EMT_API const char *emt_origin_name(enum emt_origin origin);
EMT_API const char *emt_arch_name(enum emt_arch arch); /* "x86_64" */
EMT_API const char *emt_blind_route_name(enum emt_blind_route route);
EMT_API const char *emt_syscall_name(long nr);
/* Writes the PROT_* names of prot into buf; returns buf. */
EMT_API char *emt_prot_string(int prot, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
