/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * What the kernel-side call watcher (callwatch.bpf.c) and emt share: the
 * record of a call it stopped a thread for, and how its tables are keyed.
 * Plain types only: this header is compiled for BPF too.
 */
#ifndef EMT_CALLWATCH_REC_H
#define EMT_CALLWATCH_REC_H

/* Syscall numbers the tables index: native and x32 (bit 30 cleared) in
 * one table, i386 in the other. */
#define CW_NR_MAX 1024
#define CW_X32_BIT 0x40000000ull

/* A table entry: the call always matters, or only to a process whose
 * watch bits (procs table) meet these. */
#define CW_ALWAYS 0x80000000u
/* In a process's bits: it stops at every call (PTRACE_SYSCALL); the
 * watcher only notes its threads emt does not trace. */
#define CW_EVERY 0x40000000u

/* A call of the native table matters only when one of its conditions
 * holds: (args[arg] & mask) == value with eq, != 0 without. */
struct cw_cond {
	unsigned char arg, eq, used, pad;
	unsigned int pad2;
	unsigned long long mask, value;
};

#define CW_CONDS 6

struct cw_call {
	unsigned int need;    /* CW_ALWAYS and/or watch bits; 0: not watched */
	unsigned int pad;
	struct cw_cond cond[CW_CONDS]; /* any holds; none used: the need
					* alone decides */
};


struct cw_rec {
	unsigned long long nr;      /* orig_rax as the call left it */
	long long ret;
	unsigned long long args[6]; /* rdi rsi rdx r10 r8 r9 (native, x32) or
				     * ebx ecx edx esi edi ebp (i386) */
	unsigned long long ip;      /* after the syscall instruction */
	unsigned int compat;        /* made with the i386 ABI */
	unsigned int pad;
};

/* emt's own call, told to the watcher before it is made: by thread and
 * place (a slot's call may wait while emt steps another through the
 * trampoline's first syscall instruction). */
struct cw_expect_key {
	unsigned int tid, pad;
	unsigned long long ip;
};

struct cw_expect {
	unsigned long long nr, a0, a1, a2;
};

#endif
