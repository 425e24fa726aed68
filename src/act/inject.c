/* SPDX-License-Identifier: MIT */
/*
 * Remote syscalls: make a stopped thread run mprotect/mmap/munmap for emt
 * without writing into code any thread may run: point rip at a `syscall`
 * instruction of emt's trampoline (or the vDSO's before there is one),
 * single-step it, read rax, restore every register.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "monitor.h"
#include "act/act.h"
#include "events/events.h"
#include "model/model.h"
#include "ptrace/callwatch.h"
#include "ptrace/pt.h"

static bool is_fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE;
}

/* Whether t is past the instruction at from_pc. */
static bool moved(struct thread *t, uint64_t from_pc)
{
	arch_regs regs;

	return thread_getregs(t, &regs) == 0 && arch_pc(&regs) != from_pc;
}

/* Whether the fault t stopped for was raised by an exception, not sent:
 * a program may send itself a SIGSEGV with a fault's si_code, and a step
 * can dequeue it at a syscall's exit, before the instruction ran. */
static bool raised_by_exception(struct thread *t)
{
	arch_regs regs;

	return thread_getregs(t, &regs) == 0 && arch_fault_regs(&regs);
}

/* Single-step t over the instruction at from_pc, until the step's SIGTRAP.
 * A signal-delivery-stop met on the way is told apart by its si_code:
 * - SIGTRAP from the step: TRAP_TRACE (TRAP_BRKPT after a stepped syscall,
 *   user_single_step_report()): done;
 * - SIGTRAP from an int3 there: SI_KERNEL (do_int3_user() in
 *   arch/x86/kernel/traps.c): done, and the program's to receive;
 * - a fault of the instruction (si_code > 0, raised by an exception):
 *   -EFAULT, t stays at that stop for the caller;
 * - a signal sent by kill, tgkill or sigqueue (si_code <= 0, or a fault's
 *   si_code a thread gave its own signal), dequeued before the
 *   instruction ran: kept, and the step made again. A sent
 *   SIGTRAP may also have merged with the step's own trap (a standard
 *   signal is queued once): then t has moved.
 * Syscall and event stops are stepped over when hand_over is false (emt's
 * own calls); otherwise the step ends there with -EAGAIN and the stop in
 * *status, for stops_handle (a group-stop met while stepping the
 * program's instruction). But an exec event (another thread's execve: the
 * old image is gone, the exec'ing thread reports with this tid, ptrace(2)
 * "execve(2) under ptrace") or an exit event ends what emt was doing:
 * -ESRCH, the stop deferred (thread_defer_stop), no register written back. */
static int step(struct emt_monitor *mon, struct thread *t, uint64_t from_pc,
		bool hand_over, int *status)
{
	siginfo_t si;
	int rc;

	for (;;) {
		if (thread_lost(t))
			return -ESRCH;
		rc = pt_step(t->tid, 0);
		if (rc)
			return rc;
		rc = thread_wait_stop(mon, t, status);
		if (rc)
			return rc;
		enum pt_stop kind = pt_stop_of(*status);
		int sig = WSTOPSIG(*status);

		if (kind == STOP_EXEC || kind == STOP_EXIT) {
			/* The call it was in belongs to the image or
			 * thread that is gone. */
			t->call.op = SC_NONE;
			thread_defer_stop(mon, t, *status);
			return -ESRCH;
		}
		if (kind != STOP_SIGNAL) {
			if (hand_over)
				return -EAGAIN;
			continue;
		}
		bool has = thread_stop_siginfo(t, sig, &si);
		bool sent = has && si.si_code <= 0;

		if (!sent && sig == SIGTRAP) {
			if (si.si_code == SI_KERNEL)
				thread_keep_siginfo(mon, t, &si, has);
			return 0;
		}
		if (!sent && is_fault_signal(sig) && raised_by_exception(t))
			return -EFAULT;
		thread_keep_siginfo(mon, t, &si, has);
		if (sent && sig == SIGTRAP && moved(t, from_pc))
			return 0;
	}
}

int inject_step(struct emt_monitor *mon, struct thread *t, uint64_t from_pc)
{
	int status;

	return step(mon, t, from_pc, false, &status);
}

int inject_step_program(struct emt_monitor *mon, struct thread *t, uint64_t from_pc,
			int *status)
{
	return step(mon, t, from_pc, true, status);
}

/* Stepping from a stop inside a syscall (exec event, syscall-exit or
 * seccomp stop) first reports a trap on that syscall's way out, before the
 * instruction at rip ran (syscall_exit_work, report_single_step), and that
 * way out stores the syscall's result in rax over ours: set the registers
 * again and step until rip is past the syscall instruction. */
static int step_over_syscall(struct emt_monitor *mon, struct thread *t,
			     const arch_regs *call, arch_regs *regs)
{
	uint64_t insn = arch_pc(call);

	for (int i = 0; i < 4; i++) {
		int rc = thread_setregs(t, call);

		if (!rc)
			rc = inject_step(mon, t, insn);
		if (!rc)
			rc = thread_getregs(t, regs);
		if (rc)
			return rc;
		if (arch_pc(regs) == insn + ARCH_SYSCALL_INSN_LEN)
			return 0;
		if (arch_pc(regs) != insn)
			return -EFAULT;
	}
	return -EFAULT;
}

/* A filter of the program's own sees emt's remote calls: it could refuse
 * them, kill the thread, or hand them to a supervisor thread that waits
 * for emt. PTRACE_O_SUSPEND_SECCOMP turns every filter off for the thread
 * while emt steps its call (ptrace(2); needs CAP_SYS_ADMIN). */
static bool suspend_filters(struct emt_monitor *mon, struct thread *t, bool on)
{
	long opts = mon->ptrace_options | (on ? PTRACE_O_SUSPEND_SECCOMP : 0);

	if (!t->proc->own_filter || !mon->can_suspend_seccomp)
		return false;
	return pt_setoptions(t->tid, opts) == 0;
}

static int step_call(struct emt_monitor *mon, struct thread *t, long nr,
		     const uint64_t args[6], int64_t *ret);

int inject_syscall(struct emt_monitor *mon, struct thread *t, long nr,
		   const uint64_t args[6], int64_t *ret)
{
	bool suspended = suspend_filters(mon, t, true);
	int rc = step_call(mon, t, nr, args, ret);

	if (suspended)
		suspend_filters(mon, t, false);
	return rc;
}

static int step_call(struct emt_monitor *mon, struct thread *t, long nr,
		     const uint64_t args[6], int64_t *ret)
{
	uint64_t insn = tramp_syscall_insn(t->proc->mm);
	arch_regs saved, call, after;
	int rc;

	if (!insn)
		return -ENOSYS;
	rc = thread_getregs(t, &saved);
	if (rc)
		return rc;
	call = saved;
	arch_setup_syscall(&call, nr, args);
	arch_set_pc(&call, insn);
	if (mon->callwatch)
		callwatch_expect(mon->callwatch, t->tid, insn + ARCH_SYSCALL_INSN_LEN, nr,
				 args[0], args[1], args[2]);
	rc = step_over_syscall(mon, t, &call, &after);
	if (rc == -ESRCH)
		return rc; /* the thread is gone */
	if (!rc)
		*ret = arch_retval(&after);
	thread_setregs(t, &saved);
	return rc;
}

int inject_mprotect(struct emt_monitor *mon, struct thread *t, uint64_t addr,
		    uint64_t len, int prot, int *result)
{
	uint64_t args[6] = { addr, len, (uint64_t)prot, 0, 0, 0 };
	int64_t ret = 0;
	int rc = inject_syscall(mon, t, sysent_native_nr(SC_MPROTECT), args, &ret);

	*result = !rc && sysent_failed(ret) ? (int)ret : 0;
	return rc;
}

int inject_protect(struct emt_monitor *mon, struct thread *t, uint64_t addr,
		   uint64_t len, int prot)
{
	int result;
	int rc = inject_mprotect(mon, t, addr, len, prot, &result);

	return rc ? rc : result;
}

static void restore_range(struct emt_monitor *mon, struct thread *t, uint64_t start,
			  uint64_t end, int asked)
{
	if (start < end && inject_protect(mon, t, start, end - start, asked))
		emt_log(mon, EMT_LOG_ERROR, "cannot restore 0x%llx in %d",
			(unsigned long long)start, t->proc->pid);
}

void inject_restore_asked_outside(struct emt_monitor *mon, struct thread *t,
				  uint64_t skip_start, uint64_t skip_end)
{
	struct region_map *map = &t->proc->mm->map;

	for (const struct region *r = regions_next(map, 0); r;
	     r = regions_next(map, r->end)) {
		if (r->attr.asked == r->attr.granted)
			continue;
		if (r->end <= skip_start || r->start >= skip_end) {
			restore_range(mon, t, r->start, r->end, r->attr.asked);
			continue;
		}
		restore_range(mon, t, r->start, skip_start, r->attr.asked);
		restore_range(mon, t, skip_end, r->end, r->attr.asked);
	}
	regions_clear(map);
}

void inject_restore_asked(struct emt_monitor *mon, struct thread *t)
{
	inject_restore_asked_outside(mon, t, 0, 0);
}

void inject_leave_tramp(struct emt_monitor *mon, struct thread *t)
{
	struct mm_space *mm = t->proc->mm;
	arch_regs regs;

	/* A slot is a dozen straight-line instructions; its syscall stop,
	 * if it still had to make it, is stepped over by inject_step. */
	for (int i = 0; i < 16; i++)
		if (thread_getregs(t, &regs) || !tramp_contains(mm, arch_pc(&regs)) ||
		    inject_step(mon, t, arch_pc(&regs)))
			break;
	t->flip = (struct slot_flip){ 0 };
}

int inject_filter(struct emt_monitor *mon, struct thread *t,
		  const struct sock_fprog *prog)
{
	uint64_t at = tramp_filter_area(t->proc->mm);
	uint64_t insns = at + 16;
	size_t size = prog->len * sizeof(prog->filter[0]);
	uint64_t header[2] = { prog->len, insns };
	uint64_t args[6] = { SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
			     at, 0, 0, 0 };
	int64_t ret;
	int rc;

	if (!at || size + 16 > TRAMP_FILTER_SIZE)
		return -ENOSPC;
	rc = mem_poke(mon, t->proc, at, header, sizeof(header));
	if (!rc)
		rc = mem_poke(mon, t->proc, insns, prog->filter, size);
	if (!rc)
		rc = inject_syscall(mon, t, sysent_native_nr(SC_SECCOMP), args, &ret);
	if (!rc && ret)
		rc = ret > 0 ? -ESRCH : (int)ret; /* TSYNC: a thread's tid */
	return rc;
}
