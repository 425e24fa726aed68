/* SPDX-License-Identifier: MIT */
#include <linux/audit.h>
#include <string.h>

#include "arch.h"

const uint8_t arch_syscall_insn[ARCH_SYSCALL_INSN_LEN] = { 0x0f, 0x05 };

bool arch_is_syscall_insn(const uint8_t insn[ARCH_SYSCALL_INSN_LEN])
{
	return (insn[0] == 0x0f && (insn[1] == 0x05 || insn[1] == 0x34)) ||
	       (insn[0] == 0xcd && insn[1] == 0x80);
}

void arch_regs_to_event(const arch_regs *r, struct emt_regs *out)
{
	*out = (struct emt_regs){ .arch = EMT_ARCH_X86_64, .pc = r->rip, .sp = r->rsp };
	out->x86_64 = (struct emt_regs_x86_64){
		.rax = r->rax, .rbx = r->rbx, .rcx = r->rcx, .rdx = r->rdx,
		.rsi = r->rsi, .rdi = r->rdi, .rbp = r->rbp, .rsp = r->rsp,
		.r8 = r->r8, .r9 = r->r9, .r10 = r->r10, .r11 = r->r11,
		.r12 = r->r12, .r13 = r->r13, .r14 = r->r14, .r15 = r->r15,
		.rip = r->rip, .eflags = r->eflags, .cs = r->cs, .ss = r->ss,
		.fs_base = r->fs_base, .gs_base = r->gs_base,
		.orig_rax = r->orig_rax,
	};
}

void arch_dwarf_after_return(const arch_regs *r, uint64_t ret_addr,
			     uint64_t out[ARCH_DWARF_REGS])
{
	const uint64_t v[ARCH_DWARF_REGS] = {
		r->rax, r->rdx, r->rcx, r->rbx, r->rsi, r->rdi, r->rbp, r->rsp + 8,
		r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15, ret_addr,
	};

	memcpy(out, v, sizeof(v));
}

void arch_setup_syscall(arch_regs *r, long nr, const uint64_t args[6])
{
	r->rax = (uint64_t)nr;
	/* orig_rax = -1: the kernel's syscall-restart fixup (done after a
	 * ptrace stop inside get_signal) must not rewind rip or reload rax
	 * from an interrupted call (arch/x86/kernel/signal.c). */
	r->orig_rax = (uint64_t)-1;
	r->rdi = args[0];
	r->rsi = args[1];
	r->rdx = args[2];
	r->r10 = args[3];
	r->r8 = args[4];
	r->r9 = args[5];
}

void arch_setup_tramp_call(arch_regs *r, long nr, uint64_t a0, uint64_t a1,
			   uint64_t a2)
{
	r->rax = (uint64_t)nr;
	r->orig_rax = (uint64_t)-1;
	r->rdi = a0;
	r->rsi = a1;
	r->rdx = a2;
}

void arch_set_syscall_arg(arch_regs *r, enum sc_abi abi, int slot, uint64_t value)
{
	unsigned long long *native[6] = { &r->rdi, &r->rsi, &r->rdx,
					  &r->r10, &r->r8, &r->r9 };
	/* int $0x80 and sysenter: ebx, ecx, edx, esi, edi, ebp. */
	unsigned long long *i386[6] = { &r->rbx, &r->rcx, &r->rdx,
					&r->rsi, &r->rdi, &r->rbp };

	if (slot < 0 || slot >= 6)
		return;
	if (abi == ABI_I386)
		*i386[slot] = value & 0xffffffffu;
	else
		*native[slot] = value;
}

long arch_native_call(const arch_regs *r, uint64_t args[6])
{
	if (r->cs != 0x33)
		return -1; /* not in 64-bit mode: the registers mean another ABI */
	args[0] = r->rdi;
	args[1] = r->rsi;
	args[2] = r->rdx;
	args[3] = r->r10;
	args[4] = r->r8;
	args[5] = r->r9;
	return (long)r->orig_rax;
}

enum sc_abi arch_abi_of(uint32_t audit_arch)
{
	return audit_arch == AUDIT_ARCH_I386 ? ABI_I386 : ABI_NATIVE;
}

void arch_skip_syscall(arch_regs *r, int64_t ret)
{
	/* At a syscall-entry or seccomp stop, orig_rax = -1 makes the kernel
	 * skip the call and return rax unchanged (ptrace(2), "Syscall-stops"). */
	r->orig_rax = (uint64_t)-1;
	r->rax = (uint64_t)ret;
}

void arch_rewind_syscall(arch_regs *r)
{
	r->rax = r->orig_rax;
	r->rip -= ARCH_SYSCALL_INSN_LEN;
	r->orig_rax = (uint64_t)-1;
}

struct emitter {
	uint8_t *p;
	uint8_t *base;
	uint64_t base_addr;
};

static void emit_bytes(struct emitter *e, const uint8_t *b, size_t n)
{
	memcpy(e->p, b, n);
	e->p += n;
}

/* Emit `prefix... disp32` whose displacement is relative to the end of
 * the instruction, as x86_64 rip-relative addressing requires. */
static void emit_rip_insn(struct emitter *e, const uint8_t *prefix, size_t n,
			  uint64_t target)
{
	uint64_t end = e->base_addr + (uint64_t)(e->p - e->base) + n + 4;
	int32_t disp = (int32_t)(int64_t)(target - end);

	emit_bytes(e, prefix, n);
	emit_bytes(e, (const uint8_t *)&disp, 4);
}

void arch_tramp_slot_code(uint8_t out[ARCH_TRAMP_SLOT_SIZE], uint64_t code_addr,
			  uint64_t data_addr)
{
	/* syscall; reload every register the syscall or its setup clobbered
	 * from the slot's data, which the program can read but not write;
	 * jump back through that data. The flags survive: sysret restores
	 * rflags from r11, which the syscall instruction loaded from rflags.
	 * Nothing is stored: the data page is read-only to the program. */
	static const uint8_t loads[][3] = {
		{ 0x48, 0x8b, 0x05 }, /* mov rax, [rip+d] */
		{ 0x48, 0x8b, 0x0d }, /* mov rcx, [rip+d] */
		{ 0x48, 0x8b, 0x15 }, /* mov rdx, [rip+d] */
		{ 0x48, 0x8b, 0x35 }, /* mov rsi, [rip+d] */
		{ 0x48, 0x8b, 0x3d }, /* mov rdi, [rip+d] */
		{ 0x4c, 0x8b, 0x1d }, /* mov r11, [rip+d] */
	};
	static const uint8_t jmp_ind[] = { 0xff, 0x25 }; /* jmp [rip+d] */
	struct emitter e = { out, out, code_addr };

	memset(out, 0xcc, ARCH_TRAMP_SLOT_SIZE);
	emit_bytes(&e, arch_syscall_insn, sizeof(arch_syscall_insn));
	for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++)
		emit_rip_insn(&e, loads[i], 3, data_addr + 8 * i);
	emit_rip_insn(&e, jmp_ind, sizeof(jmp_ind), data_addr + 48);
}

void arch_tramp_slot_data(uint64_t data[8], const arch_regs *saved)
{
	data[0] = saved->rax;
	data[1] = saved->rcx;
	data[2] = saved->rdx;
	data[3] = saved->rsi;
	data[4] = saved->rdi;
	data[5] = saved->r11;
	data[6] = saved->rip;
	data[7] = 0;
}
