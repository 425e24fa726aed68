/* SPDX-License-Identifier: MIT */
/*
 * The executor: what emt does in a stopped tracee. Remote calls, the
 * trampoline, single steps, resuming with the right signal, memory
 * reads and writes, seccomp filters, captures.
 */
#ifndef EMT_ACT_H
#define EMT_ACT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "sysent.h"

struct emt_monitor;
struct thread;
struct proc;
struct mm_space;
struct region;

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
/* Wait for t's next stop while emt drives it: 0, or -ESRCH when it died
 * (only noted: callers up the stack still hold t; it is freed once the
 * stop that led here is handled, stops_reap). */
int thread_wait_stop(struct emt_monitor *mon, struct thread *t, int *status);
/* t met status while emt drove it: the loop handles that stop once the
 * one it is handling is done (stops_reap). */
void thread_defer_stop(struct emt_monitor *mon, struct thread *t, int status);
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
/* inject.c */
int inject_syscall(struct emt_monitor *mon, struct thread *t, long nr,
		   const uint64_t args[6], int64_t *ret);
/* mprotect in t, synchronously. Returns the tracer's status: 0, -ESRCH
 * when t is gone, another -errno when emt could not make the call; the
 * call's own result, 0 or -errno, goes to *result (0 when not made). */
int inject_mprotect(struct emt_monitor *mon, struct thread *t, uint64_t addr,
		    uint64_t len, int prot, int *result);
/* The same for callers to whom either failure means the pages did not
 * change: 0 when they did, else the tracer's status or the call's. */
int inject_protect(struct emt_monitor *mon, struct thread *t, uint64_t addr,
		   uint64_t len, int prot);
struct sock_fprog;
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
/* The same but for [skip_start, skip_end), which no longer holds what
 * the map says (unmapped, replaced). */
void inject_restore_asked_outside(struct emt_monitor *mon, struct thread *t,
				  uint64_t skip_start, uint64_t skip_end);
/* Single-step t until it is out of its trampoline slot. */
void inject_leave_tramp(struct emt_monitor *mon, struct thread *t);

/* tramp.c: emt's trampoline in each address space */
int tramp_create(struct emt_monitor *mon, struct thread *t);
/* The trampoline is the program's now (replaced, emptied, written): emt
 * makes another and forgets that one. */
int tramp_renew(struct emt_monitor *mon, struct thread *t);
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
/* SHA-256 of len bytes (zeros when it cannot be made). */
void capture_hash(struct emt_monitor *mon, const uint8_t *bytes, size_t len,
		  uint8_t out[32]);
/* backtrace.c: the faulting thread's stack into ev (EMT_OPT_BACKTRACE) */
struct emt_event;
void backtrace_capture(struct emt_monitor *mon, struct thread *t, const arch_regs *regs,
		       struct emt_event *ev);
void backtrace_free(struct emt_monitor *mon);
/* image.c: the ELF image in memory holding the code that ran at fault,
 * once (EMT_OPT_IMAGES) */
void image_after_capture(struct emt_monitor *mon, struct thread *t, uint64_t fault);

#endif
