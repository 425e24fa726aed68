/* SPDX-License-Identifier: MIT */
/*
 * emt's trampoline: one mapping of emt's in each traced address space, at
 * a random address, holding one code slot per thread (syscall; reload the
 * registers it clobbered; jump back) so that a flip costs no stop to come
 * back, slot 0 (a bare syscall) for stepped remote calls, per-thread
 * scratch for arguments emt must keep out of the program's reach, and
 * room for seccomp programs emt installs.
 *
 * The program can read it but not write it: the code is R-X, the rest
 * R--, and emt writes through /proc/PID/mem. Its calls get no favour from
 * the seccomp filter (nothing in seccomp_data is out of the program's
 * reach: a secret put in an argument register can be read back from
 * /proc/PID/task/TID/syscall while the call sleeps), so each one stops in
 * emt, which lets through only the call it set up, at the slot it chose.
 * The program may unmap, replace or damage the mapping: calls that would
 * touch it move it away first, and a slot found damaged is rebuilt.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "monitor.h"
#include "act/act.h"
#include "events/events.h"
#include "ptrace/callwatch.h"
#include "ptrace/procfs.h"

#define CODE_SIZE ((uint64_t)TRAMP_SLOTS * ARCH_TRAMP_SLOT_SIZE)
#define DATA_SIZE ((uint64_t)TRAMP_SLOTS * ARCH_TRAMP_DATA_SIZE)
#define SCRATCH_OFF (CODE_SIZE + DATA_SIZE)
#define FILTER_OFF (SCRATCH_OFF + (uint64_t)TRAMP_SLOTS * TRAMP_SCRATCH_SIZE)

/* Where to look for a free place: above the ASan shadow (which ends at
 * 0x10007fff8000) and well below the usual mmap base and PIE loads. */
#define PLACE_LO 0x100000000000ull
#define PLACE_HI 0x500000000000ull
#define PLACE_TRIES 8

static uint64_t code_of(const struct mm_space *mm, int slot)
{
	return mm->tramp + (uint64_t)slot * ARCH_TRAMP_SLOT_SIZE;
}

static uint64_t data_of(const struct mm_space *mm, int slot)
{
	return mm->tramp + CODE_SIZE + (uint64_t)slot * ARCH_TRAMP_DATA_SIZE;
}

uint64_t tramp_scratch(const struct mm_space *mm, const struct thread *t)
{
	return mm->tramp && t->slot > 0
		       ? mm->tramp + SCRATCH_OFF + (uint64_t)t->slot * TRAMP_SCRATCH_SIZE
		       : 0;
}

uint64_t tramp_filter_area(const struct mm_space *mm)
{
	return mm->tramp ? mm->tramp + FILTER_OFF : 0;
}

bool tramp_overlaps(const struct mm_space *mm, uint64_t start, uint64_t len)
{
	uint64_t end = start + len;

	if (!mm->tramp || !len)
		return false;
	if (end < start)
		end = UINT64_MAX;
	return start < mm->tramp + TRAMP_SIZE && end > mm->tramp;
}

bool tramp_contains(const struct mm_space *mm, uint64_t addr)
{
	return tramp_overlaps(mm, addr, 1);
}

uint64_t tramp_syscall_insn(const struct mm_space *mm)
{
	return mm->tramp ? mm->tramp : mm->vdso_syscall;
}

/* ---- slots ---- */

int tramp_slot(struct thread *t)
{
	struct mm_space *mm = t->proc->mm;

	if (t->slot > 0)
		return t->slot;
	for (unsigned i = 1; i < TRAMP_SLOTS; i++) {
		if (!(mm->slot_used[i / 8] & (1u << (i % 8)))) {
			mm->slot_used[i / 8] |= (uint8_t)(1u << (i % 8));
			t->slot = (int)i;
			return t->slot;
		}
	}
	return -1;
}

/* ---- making one ---- */

/* The vDSO always holds a `syscall` (its fallback paths); emt steps it to
 * map the trampoline. It is found through AT_SYSINFO_EHDR and the mapping
 * the kernel itself names "[vdso]": never by a name a file can also have. */
static uint64_t find_vdso_syscall(struct emt_monitor *mon, struct thread *t)
{
	uint64_t base = procfs_auxv(t->tid, AT_SYSINFO_EHDR), found = 0;
	struct maps_entry e;
	char path[16];
	uint8_t *buf;

	if (!base || procfs_maps_find(t->tid, base, &e, path, sizeof(path)) ||
	    strcmp(path, "[vdso]") != 0 || e.ino != 0 || !(e.prot & PROT_EXEC) ||
	    e.end - e.start > (1u << 20))
		return 0;
	buf = malloc(e.end - e.start);
	if (buf && mem_read(mon, t->proc, e.start, buf, e.end - e.start) == 0) {
		uint8_t *p = memmem(buf, e.end - e.start, arch_syscall_insn,
				    sizeof(arch_syscall_insn));
		if (p)
			found = e.start + (uint64_t)(p - buf);
	}
	free(buf);
	return found;
}

static uint64_t random_place(void)
{
	uint64_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = emt_now_ns() * 0x9e3779b97f4a7c15ull;
	return PLACE_LO + (r % ((PLACE_HI - PLACE_LO) >> 16) << 16);
}

static void unmap(struct emt_monitor *mon, struct thread *t, uint64_t base)
{
	uint64_t args[6] = { base, TRAMP_SIZE, 0, 0, 0, 0 };
	int64_t ret;

	inject_syscall(mon, t, sysent_native_nr(SC_MUNMAP), args, &ret);
}

static int map_at(struct emt_monitor *mon, struct thread *t, uint64_t hint,
		  int flags, uint64_t *base)
{
	uint64_t args[6] = { hint, TRAMP_SIZE, PROT_READ,
			     MAP_PRIVATE | MAP_ANONYMOUS | (uint64_t)flags,
			     (uint64_t)-1, 0 };
	int64_t ret;
	int rc = inject_syscall(mon, t, sysent_native_nr(SC_MMAP), args, &ret);

	if (rc)
		return rc;
	if (sysent_failed(ret))
		return (int)ret;
	*base = (uint64_t)ret;
	return 0;
}

/* A range the new trampoline must keep out of: what the program's call
 * that made emt move it is about to unmap or change. */
static bool clashes(uint64_t base, const struct tramp_avoid *av)
{
	for (int i = 0; i < 2; i++) {
		uint64_t end = av->start[i] + av->len[i];

		if (end < av->start[i])
			end = UINT64_MAX;
		if (av->len[i] && base < end && base + TRAMP_SIZE > av->start[i])
			return true;
	}
	return false;
}

/* A random free place, so the program cannot know where emt's code is
 * before it looks; anywhere when the tries fail. */
static int map_tramp(struct emt_monitor *mon, struct thread *t,
		     const struct tramp_avoid *av, uint64_t *base)
{
	int rc = -EEXIST;

	for (int i = 0; i < PLACE_TRIES && rc == -EEXIST; i++) {
		uint64_t at = random_place();

		rc = clashes(at, av) ? -EEXIST
				     : map_at(mon, t, at, MAP_FIXED_NOREPLACE, base);
	}
	if (rc == -EEXIST)
		rc = map_at(mon, t, 0, 0, base);
	if (!rc && clashes(*base, av)) {
		unmap(mon, t, *base);
		rc = -EEXIST;
	}
	return rc;
}

static int write_code(struct emt_monitor *mon, struct thread *t, uint64_t base)
{
	uint8_t *code = malloc(CODE_SIZE);
	int rc;

	if (!code)
		return -ENOMEM;
	memset(code, 0xcc, CODE_SIZE);
	memcpy(code, arch_syscall_insn, sizeof(arch_syscall_insn));
	for (unsigned i = 1; i < TRAMP_SLOTS; i++) {
		uint64_t c = base + (uint64_t)i * ARCH_TRAMP_SLOT_SIZE;

		arch_tramp_slot_code(code + i * ARCH_TRAMP_SLOT_SIZE, c,
				     base + CODE_SIZE + (uint64_t)i * ARCH_TRAMP_DATA_SIZE);
	}
	rc = mem_poke(mon, t->proc, base, code, CODE_SIZE);
	free(code);
	return rc;
}

/* Mapped read-only, written through /proc/PID/mem, then the code made
 * executable: at no point can the program write it. */
static int protect(struct emt_monitor *mon, struct thread *t, uint64_t base)
{
	return inject_protect(mon, t, base, CODE_SIZE, PROT_READ | PROT_EXEC);
}

static int build(struct emt_monitor *mon, struct thread *t,
		 const struct tramp_avoid *av, uint64_t *base)
{
	int rc;

	*base = 0;
	rc = map_tramp(mon, t, av, base);
	if (!rc)
		rc = write_code(mon, t, *base);
	if (!rc)
		rc = protect(mon, t, *base);
	if (rc && *base)
		unmap(mon, t, *base);
	if (rc)
		emt_log(mon, EMT_LOG_WARN, "no trampoline in %d (%d): flips are stepped",
			t->proc->pid, rc);
	return rc;
}

int tramp_create(struct emt_monitor *mon, struct thread *t)
{
	struct mm_space *mm = t->proc->mm;
	struct tramp_avoid none = { { 0, 0 }, { 0, 0 } };
	uint64_t base;
	int rc;

	if (!mm->vdso_syscall)
		mm->vdso_syscall = find_vdso_syscall(mon, t);
	if (!tramp_syscall_insn(mm))
		return -ENOSYS;
	rc = build(mon, t, &none, &base);
	if (rc)
		return rc;
	mm->tramp = base;
	emt_log(mon, EMT_LOG_DEBUG, "trampoline in %d at 0x%llx", t->proc->pid,
		(unsigned long long)base);
	return 0;
}

int tramp_move(struct emt_monitor *mon, struct thread *t,
	       const struct tramp_avoid *av)
{
	struct mm_space *mm = t->proc->mm;
	uint64_t old = mm->tramp, base;
	int rc = build(mon, t, av, &base);

	/* The old one's slot 0 made the calls that built the new one; the
	 * new one's (or the vDSO's) takes the old one away. */
	mm->tramp = rc ? 0 : base;
	if (old) {
		uint64_t args[6] = { old, TRAMP_SIZE, 0, 0, 0, 0 };
		int64_t ret;

		inject_syscall(mon, t, sysent_native_nr(SC_MUNMAP), args, &ret);
	}
	emt_log(mon, EMT_LOG_INFO, "%d: trampoline moved from 0x%llx to 0x%llx",
		t->proc->pid, (unsigned long long)old, (unsigned long long)mm->tramp);
	return rc;
}

void tramp_remove(struct emt_monitor *mon, struct thread *t)
{
	struct mm_space *mm = t->proc->mm;

	if (mm->tramp)
		unmap(mon, t, mm->tramp);
	mm->tramp = 0;
}

/* ---- a flip through a slot ---- */

int tramp_call(struct emt_monitor *mon, struct thread *t, const arch_regs *saved,
	       enum sc_op op, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct mm_space *mm = t->proc->mm;
	int slot = mm->tramp ? tramp_slot(t) : -1;
	uint64_t data[ARCH_TRAMP_DATA_SIZE / 8];
	arch_regs call = *saved;

	if (slot < 0)
		return -ENOSPC;
	arch_tramp_slot_data(data, saved);
	if (mem_poke(mon, t->proc, data_of(mm, slot), data, sizeof(data)))
		return -EIO;
	arch_setup_tramp_call(&call, sysent_native_nr(op), a0, a1, a2);
	arch_set_pc(&call, code_of(mm, slot));
	/* Only a call that stops can be recognised: every call when the
	 * process stops at all of them, else what the filter traces. */
	t->flip = (struct slot_flip){ .op = op, .args = { a0, a1, a2 }, .regs = *saved };
	if (mon->syscall_mode || t->proc->syscall_mode || (op == SC_MPROTECT && !mon->callwatch))
		t->flip.stop_pc = code_of(mm, slot) + ARCH_SYSCALL_INSN_LEN;
	else if (mon->callwatch)
		callwatch_expect(mon->callwatch, t->tid, code_of(mm, slot) + ARCH_SYSCALL_INSN_LEN,
				 sysent_native_nr(op), a0, a1, a2);
	return thread_setregs(t, &call);
}

int tramp_flip(struct emt_monitor *mon, struct thread *t, const arch_regs *saved,
	       uint64_t addr, uint64_t len, int prot)
{
	/* The program's own filters would see the slot's call: made by steps,
	 * with them suspended (inject.c). */
	int rc = t->proc->own_filter ? -ENOSPC
				     : tramp_call(mon, t, saved, SC_MPROTECT, addr, len,
						  (uint64_t)prot);

	return rc == -ENOSPC || rc == -EIO ? inject_protect(mon, t, addr, len, prot) : rc;
}

bool tramp_own_call(struct thread *t, uint64_t ip, const struct sc_call *sc)
{
	struct slot_flip *f = &t->flip;

	if (!f->stop_pc || ip != f->stop_pc || sc->abi != ABI_NATIVE ||
	    sc->op != f->op || memcmp(sc->args, f->args, sizeof(f->args)) != 0)
		return false;
	f->stop_pc = 0;
	f->landing = true;
	return true;
}

/* Rewrite every slot's code, and this thread's data: a program's madvise
 * or userfaultfd can have emptied the pages. */
int tramp_renew(struct emt_monitor *mon, struct thread *t)
{
	t->proc->mm->tramp = 0;
	return tramp_create(mon, t);
}

static int repair(struct emt_monitor *mon, struct thread *t)
{
	struct mm_space *mm = t->proc->mm;
	struct maps_entry e;

	if (mm->tramp && procfs_maps_find(t->tid, mm->tramp, &e, NULL, 0) == 0 &&
	    e.start == mm->tramp && e.prot == (PROT_READ | PROT_EXEC) &&
	    write_code(mon, t, mm->tramp) == 0)
		return 0;
	return tramp_renew(mon, t);
}

/* A fault t met in the slot emt sent it through, or just after it came
 * out of it somewhere else than where it faulted: the program emptied the
 * slot's code or data (madvise, userfaultfd). Put t back where it faulted,
 * mend the trampoline, make the flip by steps if the slot did not, and
 * drop the fault. False when the fault is not the slot's. */
bool tramp_recover(struct emt_monitor *mon, struct thread *t,
		   const arch_regs *now, bool landed)
{
	struct mm_space *mm = t->proc->mm;
	struct slot_flip f = t->flip;
	uint64_t pc = arch_pc(now);
	bool in_slot = f.stop_pc && tramp_contains(mm, pc);
	bool bad_landing = landed && pc != arch_pc(&f.regs) &&
			   (tramp_contains(mm, pc) || pc < EMT_PAGE_SIZE);

	if (!in_slot && !bad_landing)
		return false;
	t->flip = (struct slot_flip){ 0 };
	emt_log(mon, EMT_LOG_WARN, "%d: trampoline damaged (pc 0x%llx): mending it",
		t->tid, (unsigned long long)pc);
	thread_setregs(t, &f.regs);
	repair(mon, t);
	/* A flip not made is made now; anything else is asked again by the
	 * fault that comes back. */
	if (in_slot && f.op == SC_MPROTECT)
		inject_protect(mon, t, f.args[0], f.args[1], (int)f.args[2]);
	thread_resume(mon, t, 0);
	return true;
}

/* ---- program calls over it ---- */

