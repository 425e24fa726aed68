/* SPDX-License-Identifier: MIT */
/*
 * Remote syscalls: make a stopped thread run mprotect/mmap/munmap for emt
 * without writing into code any thread may run.
 *
 * Slow path: point rip at an existing `syscall` instruction (the vDSO's, or
 * slot 0 of emt's trampoline), single-step it, read rax, restore every
 * register. Fast path (one stop per flip): send the thread into its own
 * trampoline slot, which runs the syscall, restores the registers it
 * clobbered from the slot's data and jumps back to the faulting
 * instruction by itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "internal.h"

/* The last slots' data holds a seccomp program being installed. */
#define FILTER_SLOTS 8

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

/* Single-step t over the instruction at from_pc, until the step's SIGTRAP.
 * A signal-delivery-stop met on the way is told apart by its si_code:
 * - SIGTRAP from the step: TRAP_TRACE (TRAP_BRKPT after a stepped syscall,
 *   user_single_step_report()): done;
 * - SIGTRAP from an int3 there: SI_KERNEL (do_int3_user() in
 *   arch/x86/kernel/traps.c): done, and the program's to receive;
 * - a fault of the instruction (si_code > 0): -EFAULT, t stays at that
 *   stop for the caller;
 * - a signal sent by kill, tgkill or sigqueue (si_code <= 0), dequeued
 *   before the instruction ran: kept, and the step made again. A sent
 *   SIGTRAP may also have merged with the step's own trap (a standard
 *   signal is queued once): then t has moved.
 * Syscall and event stops are stepped over when hand_over is false (emt's
 * own calls); otherwise the step ends there with -EAGAIN and the stop in
 * *status, for stops_handle (a group-stop met while stepping the
 * program's instruction). */
static int step(struct emt_monitor *mon, struct thread *t, uint64_t from_pc,
		bool hand_over, int *status)
{
	siginfo_t si;
	int rc;

	for (;;) {
		if (ptrace(PTRACE_SINGLESTEP, t->tid, 0, 0) < 0)
			return -errno;
		rc = stops_wait_thread(mon, t, status);
		if (rc)
			return rc;
		int sig = WSTOPSIG(*status), event = *status >> 16;

		if (event != 0 || sig == (SIGTRAP | 0x80)) {
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
		if (!sent && is_fault_signal(sig))
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

int inject_syscall(struct emt_monitor *mon, struct thread *t, long nr,
		   const uint64_t args[6], int64_t *ret)
{
	struct mm_space *mm = t->proc->mm;
	arch_regs saved, call, after;
	int rc;

	if (!mm->syscall_insn)
		return -ENOSYS;
	rc = thread_getregs(t, &saved);
	if (rc)
		return rc;
	call = saved;
	arch_setup_syscall(&call, nr, args);
	arch_set_pc(&call, mm->syscall_insn);
	rc = step_over_syscall(mon, t, &call, &after);
	if (rc == -ESRCH)
		return rc; /* the thread is gone */
	if (!rc)
		*ret = arch_retval(&after);
	thread_setregs(t, &saved);
	return rc;
}

int inject_mprotect(struct emt_monitor *mon, struct thread *t, uint64_t addr,
		    uint64_t len, int prot)
{
	uint64_t args[6] = { addr, len, (uint64_t)prot, 0, 0, 0 };
	int64_t ret = 0;
	int rc = inject_syscall(mon, t, ARCH_NR_MPROTECT, args, &ret);

	if (rc)
		return rc;
	return ret < 0 && ret > -4096 ? (int)ret : 0;
}

static int slot_get(struct thread *t)
{
	struct mm_space *mm = t->proc->mm;

	if (t->slot >= 0)
		return t->slot;
	for (unsigned i = 1; i < ARCH_TRAMP_SLOTS - FILTER_SLOTS; i++) {
		if (!(mm->slot_used[i / 8] & (1u << (i % 8)))) {
			mm->slot_used[i / 8] |= (uint8_t)(1u << (i % 8));
			t->slot = (int)i;
			return t->slot;
		}
	}
	return -1;
}

void inject_release_slot(struct thread *t)
{
	if (t->slot > 0) {
		t->proc->mm->slot_used[t->slot / 8] &= (uint8_t)~(1u << (t->slot % 8));
		t->slot = -1;
	}
}

bool inject_in_tramp(const struct thread *t, uint64_t pc)
{
	uint64_t base = t->proc->mm->tramp;

	return base && pc >= base && pc < base + ARCH_TRAMP_CODE_SIZE;
}

void inject_restore_asked(struct emt_monitor *mon, struct thread *t)
{
	struct region_map *map = &t->proc->mm->map;

	for (const struct region *r = regions_next(map, 0); r;
	     r = regions_next(map, r->end)) {
		if (r->attr.asked != r->attr.granted &&
		    inject_mprotect(mon, t, r->start, r->end - r->start, r->attr.asked))
			emt_log(mon, EMT_LOG_ERROR, "cannot restore 0x%llx in %d",
				(unsigned long long)r->start, t->proc->pid);
	}
	regions_clear(map);
}

void inject_leave_tramp(struct emt_monitor *mon, struct thread *t)
{
	arch_regs regs;

	/* A slot is a dozen straight-line instructions. */
	for (int i = 0; i < 16; i++)
		if (thread_getregs(t, &regs) || !inject_in_tramp(t, arch_pc(&regs)) ||
		    inject_step(mon, t, arch_pc(&regs)))
			return;
}

int inject_flip(struct emt_monitor *mon, struct thread *t,
		const arch_regs *saved, uint64_t addr, uint64_t len, int prot)
{
	struct mm_space *mm = t->proc->mm;
	uint64_t data[8];
	arch_regs call = *saved;
	int slot = mm->tramp ? slot_get(t) : -1;
	uint64_t code, data_addr;

	if (slot < 0)
		return inject_mprotect(mon, t, addr, len, prot);
	code = mm->tramp + (uint64_t)slot * ARCH_TRAMP_SLOT_SIZE;
	data_addr = code + ARCH_TRAMP_CODE_SIZE;
	arch_tramp_slot_data(data, saved);
	if (mem_write(mon, t->proc, data_addr, data, sizeof(data)))
		return inject_mprotect(mon, t, addr, len, prot);
	arch_setup_tramp_call(&call, ARCH_NR_MPROTECT, addr, len, (uint64_t)prot);
	arch_set_pc(&call, code);
	return thread_setregs(t, &call);
}

/* The vDSO always holds a `syscall` (its fallback paths); any two bytes
 * 0f 05 decode as one when jumped to. */
static uint64_t find_vdso_syscall(struct emt_monitor *mon, struct thread *t)
{
	char path[64], line[512];
	unsigned long lo = 0, hi = 0;
	uint64_t found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", t->proc->pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			break;
	fclose(f);
	if (hi <= lo || hi - lo > (1u << 20))
		return 0;
	uint8_t *buf = malloc(hi - lo);
	if (buf && mem_read(mon, t->proc, lo, buf, hi - lo) == 0) {
		uint8_t *p = memmem(buf, hi - lo, arch_syscall_insn,
				    sizeof(arch_syscall_insn));
		if (p)
			found = lo + (uint64_t)(p - buf);
	}
	free(buf);
	return found;
}

static int map_tramp(struct emt_monitor *mon, struct thread *t, uint64_t *base)
{
	uint64_t args[6] = { ARCH_TRAMP_FIXED_ADDR, ARCH_TRAMP_SIZE,
			     PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			     (uint64_t)-1, 0 };
	int64_t ret;
	int rc = inject_syscall(mon, t, ARCH_NR_MMAP, args, &ret);

	if (rc)
		return rc;
	if (ret < 0 && ret > -4096) {
		emt_log(mon, EMT_LOG_DEBUG, "trampoline at its fixed address: %lld",
			(long long)ret);
		/* Taken: any address works, without the seccomp exemption. */
		args[0] = 0;
		args[3] = MAP_PRIVATE | MAP_ANONYMOUS;
		rc = inject_syscall(mon, t, ARCH_NR_MMAP, args, &ret);
		if (rc)
			return rc;
		if (ret < 0 && ret > -4096)
			return (int)ret;
	}
	*base = (uint64_t)ret;
	return 0;
}

static int write_tramp_code(struct emt_monitor *mon, struct thread *t,
			    uint64_t base)
{
	uint8_t *code = malloc(ARCH_TRAMP_CODE_SIZE);
	int rc;

	if (!code)
		return -ENOMEM;
	memset(code, 0xcc, ARCH_TRAMP_CODE_SIZE);
	memcpy(code, arch_syscall_insn, sizeof(arch_syscall_insn));
	for (unsigned i = 1; i < ARCH_TRAMP_SLOTS; i++) {
		uint64_t c = base + (uint64_t)i * ARCH_TRAMP_SLOT_SIZE;

		arch_tramp_slot_code(code + i * ARCH_TRAMP_SLOT_SIZE, c,
				     c + ARCH_TRAMP_CODE_SIZE);
	}
	rc = mem_write(mon, t->proc, base, code, ARCH_TRAMP_CODE_SIZE);
	free(code);
	return rc;
}

int inject_setup_tramp(struct emt_monitor *mon, struct thread *t)
{
	struct mm_space *mm = t->proc->mm;
	uint64_t base = 0;
	int rc;

	if (!mm->syscall_insn)
		mm->syscall_insn = find_vdso_syscall(mon, t);
	if (!mm->syscall_insn)
		return -ENOSYS;
	rc = map_tramp(mon, t, &base);
	if (!rc)
		rc = write_tramp_code(mon, t, base);
	if (!rc)
		rc = inject_mprotect(mon, t, base, ARCH_TRAMP_CODE_SIZE,
				     PROT_READ | PROT_EXEC);
	if (rc) {
		emt_log(mon, EMT_LOG_WARN, "no trampoline in %d (%d): two stops per flip",
			t->proc->pid, rc);
		return rc;
	}
	mm->tramp = base;
	mm->tramp_exempt = base == ARCH_TRAMP_FIXED_ADDR && mon->use_seccomp;
	mm->syscall_insn = base;
	emt_log(mon, EMT_LOG_DEBUG, "trampoline in %d at 0x%llx", t->proc->pid,
		(unsigned long long)base);
	return 0;
}

int inject_filter(struct emt_monitor *mon, struct thread *t,
		  const struct sock_fprog *prog)
{
	struct mm_space *mm = t->proc->mm;
	uint64_t at = mm->tramp + ARCH_TRAMP_SIZE -
		      FILTER_SLOTS * ARCH_TRAMP_SLOT_SIZE;
	uint64_t insns = at + 16;
	size_t size = prog->len * sizeof(prog->filter[0]);
	uint64_t header[2] = { prog->len, insns };
	uint64_t args[6] = { SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
			     at, 0, 0, 0 };
	int64_t ret;
	int rc;

	if (!mm->tramp || size + 16 > FILTER_SLOTS * ARCH_TRAMP_SLOT_SIZE)
		return -ENOSPC;
	rc = mem_write(mon, t->proc, at, header, sizeof(header));
	if (!rc)
		rc = mem_write(mon, t->proc, insns, prog->filter, size);
	if (!rc)
		rc = inject_syscall(mon, t, __NR_seccomp, args, &ret);
	if (!rc && ret)
		rc = ret > 0 ? -ESRCH : (int)ret; /* TSYNC: a thread's tid */
	return rc;
}
