/* SPDX-License-Identifier: MIT */
/*
 * Everything x86_64-specific: register layout, syscall numbers and calling
 * convention, instruction bytes. The rest of emt names no register.
 */
#ifndef EMT_ARCH_H
#define EMT_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

#include "emt/emt.h"
#include "sysent.h"

typedef struct user_regs_struct arch_regs;

/* Longest x86 instruction: a fetch fault lies at most this far past rip. */
#define ARCH_MAX_INSN_LEN 15

/* Bytes of the `syscall` instruction. */
#define ARCH_SYSCALL_INSN_LEN 2
extern const uint8_t arch_syscall_insn[ARCH_SYSCALL_INSN_LEN];
/* Whether the bytes at an instruction start are a system call: syscall,
 * int $0x80 or sysenter. */
bool arch_is_syscall_insn(const uint8_t insn[ARCH_SYSCALL_INSN_LEN]);

/* A trampoline slot: the code a thread runs to make emt's call and come
 * back to where it was by itself (one per thread), and its data, the
 * registers to restore and where to return. */
#define ARCH_TRAMP_SLOT_SIZE 64u
#define ARCH_TRAMP_DATA_SIZE 64u

static inline uint64_t arch_pc(const arch_regs *r) { return r->rip; }
static inline void arch_set_pc(arch_regs *r, uint64_t pc) { r->rip = pc; }
static inline uint64_t arch_sp(const arch_regs *r) { return r->rsp; }
static inline int64_t arch_retval(const arch_regs *r) { return (int64_t)r->rax; }
/* At a syscall-exit stop: the result the program gets. */
static inline void arch_set_retval(arch_regs *r, int64_t v) { r->rax = (uint64_t)v; }
/* At a signal-delivery-stop: whether the thread entered the kernel by an
 * exception or an interrupt, not a syscall. The entry code stores -1 in
 * orig_rax for those (arch/x86/entry/entry_64.S, idtentry); a signal
 * dequeued on a syscall's way out (one a thread sent itself with
 * rt_tgsigqueueinfo, or unblocked with rt_sigprocmask) finds the call's
 * number there. A fault of the instruction at rip always has -1. */
static inline bool arch_fault_regs(const arch_regs *r)
{
	return r->orig_rax == (unsigned long long)-1;
}

void arch_regs_to_event(const arch_regs *r, struct emt_regs *out);
/* The registers in DWARF's numbering (the x86-64 psABI: rax rdx rcx rbx
 * rsi rdi rbp rsp r8-r15, then the return address column, rip), as the
 * thread would have them had it just returned to ret_addr from a call
 * made with regs as they are at the callee's first instruction: the stack
 * pointer past the return address, the other registers unchanged. */
#define ARCH_DWARF_REGS 17
void arch_dwarf_after_return(const arch_regs *regs, uint64_t ret_addr,
			     uint64_t out[ARCH_DWARF_REGS]);
/* Turn r into a call of syscall nr with args, not subject to the kernel's
 * restart logic (orig_rax = -1). */
void arch_setup_syscall(arch_regs *r, long nr, const uint64_t args[6]);
/* Like arch_setup_syscall for a three-argument call made through a
 * trampoline slot: touches only the registers the slot restores. */
void arch_setup_tramp_call(arch_regs *r, long nr, uint64_t a0, uint64_t a1,
			   uint64_t a2);
/* Replace the argument in register slot `slot` of a call of that ABI r is
 * stopped in (entry or seccomp stop). */
void arch_set_syscall_arg(arch_regs *r, enum sc_abi abi, int slot, uint64_t value);
/* At a syscall-entry or seccomp stop of a native call: its number, and
 * its arguments as they stand in the registers; -1 for another ABI. */
long arch_native_call(const arch_regs *r, uint64_t args[6]);
/* At a signal-delivery-stop: the signal comes from an exception of the
 * instruction at rip (a fault), not from a syscall: the exception entry
 * stores -1 in orig_rax (arch/x86/entry), a syscall its number. */
static inline bool arch_at_fault(const arch_regs *r) { return (int64_t)r->orig_rax == -1; }
/* The ABI of a call from the AUDIT_ARCH_* a syscall stop reports. */
enum sc_abi arch_abi_of(uint32_t audit_arch);
/* Skip the syscall r is stopped at, making it return ret. */
void arch_skip_syscall(arch_regs *r, int64_t ret);

/* Put a thread stopped in (or just after) a syscall back on its syscall
 * instruction, to make the same call again when resumed. */
void arch_rewind_syscall(arch_regs *r);

/* Write the code of trampoline slot at code_addr whose data lives at
 * data_addr into out (ARCH_TRAMP_SLOT_SIZE bytes). */
void arch_tramp_slot_code(uint8_t out[ARCH_TRAMP_SLOT_SIZE], uint64_t code_addr,
			  uint64_t data_addr);
/* Fill the data slot for a thread stopped with regs saved, so the slot
 * code restores it after its syscall and jumps back to saved->rip. */
void arch_tramp_slot_data(uint64_t data[8], const arch_regs *saved);

#endif
