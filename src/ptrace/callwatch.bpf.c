// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * The call watcher emt loads when it attaches to a running process: at
 * every syscall exit of a watched process, a call emt must see stops the
 * thread before it returns to user space, without a stop at every call.
 *
 * The thread is sent SIGSTOP (bpf_send_signal_thread): a signal is taken
 * on the way back to user space (exit_to_user_mode_loop), so the thread
 * runs no instruction of its own before emt, its tracer, sees the
 * signal-delivery-stop; SIGSTOP is the signal the program can neither
 * block nor catch. What the call was is left in `pending`, keyed by
 * thread: emt takes it there (the program cannot write it), so a SIGSTOP
 * the program sends itself is told apart, and the call is known even when
 * other signals' handlers were set up first and the registers moved on.
 */
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "ptrace/callwatch_rec.h"

#define SIGSTOP 19
#define USER32_CS 0x23
/* A new task's first return to user space is from the call that made it
 * (ret_from_fork): clone, clone3 (the same in both tables), fork, vfork. */
#define NR_CLONE 56
#define NR_FORK 57
#define NR_VFORK 58
#define NR_CLONE3 435
#define NR_I386_CLONE 120
#define NR_I386_FORK 2
#define NR_I386_VFORK 190
#define INT80 0x80cd /* cd 80, little-endian */

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Only the field used; its offset comes from the kernel's BTF (CO-RE). */
struct task_struct {
	unsigned int ptrace;
	int tgid;
	struct task_struct *real_parent;
} __attribute__((preserve_access_index));

/* The pid namespace emt runs in, set before loading: pids are emt's. In
 * the first one (the usual case) the kernel's pids are emt's, and cheaper
 * to get. */
const volatile unsigned long long ns_dev = 0;
const volatile unsigned long long ns_ino = 0;
const volatile unsigned int first_ns = 0;

/* Every watch bit some watched process has (emt sets them as it adds
 * them): a call that matters only with a bit nobody has leaves at once. */
__u32 watch_any = 0;

static int current_ids(struct bpf_pidns_info *ns)
{
	__u64 id;

	if (!first_ns)
		return bpf_get_ns_current_pid_tgid(ns_dev, ns_ino, ns, sizeof(*ns));
	id = bpf_get_current_pid_tgid();
	ns->pid = (__u32)id;
	ns->tgid = (__u32)(id >> 32);
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);   /* tgid */
	__type(value, __u32); /* its watch bits */
} procs SEC(".maps");

/* Whether a number is in either table (by its low bits), or a new
 * task's first return: one look for every call on the machine. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CW_NR_MAX);
	__type(key, __u32);
	__type(value, __u8);
} interest SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CW_NR_MAX);
	__type(key, __u32);
	__type(value, struct cw_call);
} native_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CW_NR_MAX);
	__type(key, __u32);
	__type(value, struct cw_call);
} compat_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);   /* tid */
	__type(value, struct cw_rec);
} pending SEC(".maps");

/* emt's own next call in a thread (a remote call, a trampoline slot's):
 * not stopped for, once. Only emt writes it, so the program cannot have
 * its calls passed for emt's. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct cw_expect_key);
	__type(value, struct cw_expect);
} expected SEC(".maps");

/* Threads of watched processes that emt does not trace (made with
 * CLONE_UNTRACED), seen returning from a call: for emt to report. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);   /* tid */
	__type(value, __u32); /* tgid */
} strays SEC(".maps");

/* Counters emt reads through the mmapped .bss, without a syscall: calls
 * that could not be stopped for (no room, the signal refused), and strays
 * noted, so that emt looks at that table only when it changed. */
__u64 missed_calls = 0;
__u64 strays_noted = 0;

static struct cw_call *call_of(void *table, __u64 nr)
{
	__u32 key = (__u32)nr;

	if (nr >= CW_NR_MAX)
		return 0;
	return bpf_map_lookup_elem(table, &key);
}

static int cond_holds(const struct cw_cond *c, const struct cw_rec *rec)
{
	__u64 v;

	if (!c->used || c->arg > 5)
		return 0;
	v = rec->args[c->arg & 7] & c->mask;
	return c->eq ? v == c->value : v != 0;
}

/* Whether a process with these watch bits is stopped for the call: a
 * watch bit it has, or CW_ALWAYS when its conditions hold (if any). */
static int matters(const struct cw_call *call, const struct cw_rec *rec, __u32 bits)
{
	if (!call)
		return 0;
	if (call->need & bits & ~CW_ALWAYS)
		return 1;
	if (!(call->need & CW_ALWAYS))
		return 0;
	if (!call->cond[0].used)
		return 1;
	for (int i = 0; i < CW_CONDS; i++)
		if (cond_holds(&call->cond[i], rec))
			return 1;
	return 0;
}

/* int $0x80 from 64-bit code keeps the 64-bit code segment: the
 * instruction before rip tells. */
static int is_int80(__u64 ip)
{
	__u16 insn = 0;

	if (bpf_probe_read_user(&insn, sizeof(insn), (void *)(ip - 2)))
		return 0;
	return insn == INT80;
}

static void note_stray(__u32 tid, __u32 tgid)
{
	if (!bpf_map_update_elem(&strays, &tid, &tgid, BPF_NOEXIST))
		__sync_fetch_and_add(&strays_noted, 1);
}

/* The kernel's registers, by its own names (CO-RE: the offsets come from
 * its BTF). Through a tp_btf program they are read directly; through a raw
 * tracepoint (kernels whose BTF programs cannot attach there) with a
 * helper, at the offsets of the user layout, which is the same. */
struct pt_regs___kernel {
	unsigned long bx, cx, dx, si, di, bp, r8, r9, r10, orig_ax, ip, cs;
} __attribute__((preserve_access_index));

static __always_inline __u64 reg_at(const void *regs, unsigned long off)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (const char *)regs + off);
	return v;
}

/* Register kf (kernel name) or uf (user name) of regs; btf is constant
 * in each program, so one of the two reads is left. */
#define REG(kf, uf)                                                          \
	(btf ? ((const struct pt_regs___kernel *)regs)->kf                   \
	     : reg_at(regs, __builtin_offsetof(struct pt_regs, uf)))

static __always_inline void read_args(struct cw_rec *rec, const void *regs, int btf)
{
	if (rec->compat) {
		rec->args[0] = REG(bx, rbx) & 0xffffffffu;
		rec->args[1] = REG(cx, rcx) & 0xffffffffu;
		rec->args[2] = REG(dx, rdx) & 0xffffffffu;
		rec->args[3] = REG(si, rsi) & 0xffffffffu;
		rec->args[4] = REG(di, rdi) & 0xffffffffu;
		rec->args[5] = REG(bp, rbp) & 0xffffffffu;
		return;
	}
	rec->args[0] = REG(di, rdi);
	rec->args[1] = REG(si, rsi);
	rec->args[2] = REG(dx, rdx);
	rec->args[3] = REG(r10, r10);
	rec->args[4] = REG(r8, r8);
	rec->args[5] = REG(r9, r9);
}

static __always_inline int is_expected(__u32 tid, const struct cw_rec *rec,
				       const void *regs, int btf)
{
	struct cw_expect_key key = { .tid = tid, .ip = rec->ip };
	struct cw_expect *e = bpf_map_lookup_elem(&expected, &key);

	if (!e || e->nr != rec->nr || e->a0 != REG(di, rdi) || e->a1 != REG(si, rsi) ||
	    e->a2 != REG(dx, rdx))
		return 0;
	bpf_map_delete_elem(&expected, &key);
	return 1;
}

/* Whether the call matters to a process with these watch bits (its
 * arguments read on the way). */
static __always_inline int wanted(struct cw_rec *rec, const void *regs, int btf,
				  __u32 bits, const struct cw_call *native,
				  const struct cw_call *compat)
{
	__u64 cs = REG(cs, cs);

	if (cs == USER32_CS || (compat && compat->need && is_int80(rec->ip))) {
		rec->compat = 1;
		read_args(rec, regs, btf);
		return matters(compat, rec, bits);
	}
	read_args(rec, regs, btf);
	return matters(native, rec, bits);
}

static int is_child_return(__u64 nr, long long ret)
{
	return ret == 0 && (nr == NR_CLONE || nr == NR_CLONE3 || nr == NR_FORK ||
			    nr == NR_VFORK || nr == NR_I386_CLONE || nr == NR_I386_FORK ||
			    nr == NR_I386_VFORK);
}

/* A process made with CLONE_UNTRACED by a watched one is not watched
 * itself: its parent tells, at its first return. The parent's pid is the
 * kernel's: this holds when emt runs in the first pid namespace; elsewhere
 * emt learns of the child from its parent's call alone. */
static void note_stray_process(struct task_struct *task, __u32 tid, __u32 tgid)
{
	__u32 parent;

	if (BPF_CORE_READ(task, ptrace))
		return;
	parent = (__u32)BPF_CORE_READ(task, real_parent, tgid);
	if (bpf_map_lookup_elem(&procs, &parent))
		note_stray(tid, tgid);
}

static __always_inline int on_exit_of(const void *regs, long long ret, int btf)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct bpf_pidns_info ns = { 0 };
	struct cw_rec rec = { 0 };
	struct cw_call *native, *compat;
	__u32 *bits, tid;
	int child;

	/* Every call of every process comes here while emt is attached:
	 * those in neither table leave at once. */
	__u32 low = 0;
	__u8 *any;

	rec.nr = REG(orig_ax, orig_rax);
	low = (__u32)rec.nr & (CW_NR_MAX - 1);
	any = bpf_map_lookup_elem(&interest, &low);
	if (!any || !*any)
		return 0;
	rec.ret = ret;
	native = call_of(&native_calls, rec.nr & ~CW_X32_BIT);
	compat = call_of(&compat_calls, rec.nr);
	child = is_child_return(rec.nr, rec.ret);
	if (!child && !(native && (native->need & (CW_ALWAYS | watch_any))) &&
	    !(compat && compat->need))
		return 0;
	if (current_ids(&ns))
		return 0;
	tid = ns.pid;
	bits = bpf_map_lookup_elem(&procs, &ns.tgid);
	if (!bits) {
		if (child)
			note_stray_process(task, tid, ns.tgid);
		return 0;
	}
	/* A call that matters only with a watch bit the process has not. */
	if (!child && !(native && (native->need & (CW_ALWAYS | *bits))) &&
	    !(compat && compat->need))
		return 0;
	/* A process stopping at every call: emt sees its calls; a thread of
	 * it emt does not trace is still noted. */
	if (*bits & CW_EVERY) {
		if (!BPF_CORE_READ(task, ptrace))
			note_stray(tid, ns.tgid);
		return 0;
	}
	rec.ip = REG(ip, rip);
	if (is_expected(tid, &rec, regs, btf))
		return 0;
	/* A thread emt does not trace (made with CLONE_UNTRACED, which emt
	 * reports) would stop its whole process: SIGSTOP is only for
	 * threads whose signals emt receives. */
	if (!BPF_CORE_READ(task, ptrace)) {
		note_stray(tid, ns.tgid);
		return 0;
	}
	if (!wanted(&rec, regs, btf, *bits, native, compat))
		return 0;
	if (bpf_map_update_elem(&pending, &tid, &rec, BPF_ANY) ||
	    bpf_send_signal_thread(SIGSTOP)) {
		bpf_map_delete_elem(&pending, &tid);
		__sync_fetch_and_add(&missed_calls, 1);
	}
	return 0;
}

/* The kernel passes sys_exit's registers and result (trace_sys_exit). */
SEC("tp_btf/sys_exit")
int emt_callwatch(unsigned long long *ctx)
{
	return on_exit_of((const void *)ctx[0], (long long)ctx[1], 1);
}

SEC("raw_tracepoint/sys_exit")
int emt_callwatch_r(struct bpf_raw_tracepoint_args *ctx)
{
	return on_exit_of((const void *)ctx->args[0], (long long)ctx->args[1], 0);
}
