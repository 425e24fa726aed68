/* SPDX-License-Identifier: MIT */
/*
 * The launch-mode seccomp filter: SECCOMP_RET_TRACE for the calls emt must
 * see, SECCOMP_RET_ALLOW for everything else, so a program that generates
 * no code runs at native speed. Built with libseccomp, then given a test
 * libseccomp cannot express: calls made from emt's trampoline (at a fixed
 * address) are allowed, so a flip costs one stop.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "internal.h"

#define TRACE SCMP_ACT_TRACE(0)

static int add_rules(scmp_filter_ctx ctx)
{
	struct scmp_arg_cmp exec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC);
	struct scmp_arg_cmp fixed = SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_FIXED, MAP_FIXED);
	int rc = 0;

	rc |= seccomp_rule_add(ctx, TRACE, SCMP_SYS(mmap), 1, exec);
	rc |= seccomp_rule_add(ctx, TRACE, SCMP_SYS(mmap), 1, fixed);
	/* Shared file mappings may alias executable ones (alias.c). */
	rc |= seccomp_rule_add(ctx, TRACE, SCMP_SYS(mmap), 1,
			       SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_SHARED, MAP_SHARED));
	rc |= seccomp_rule_add(ctx, TRACE, SCMP_SYS(mprotect), 0);
	rc |= seccomp_rule_add(ctx, TRACE, SCMP_SYS(pkey_mprotect), 0);
	rc |= seccomp_rule_add(ctx, TRACE, SCMP_SYS(munmap), 0);
	rc |= seccomp_rule_add(ctx, TRACE, SCMP_SYS(mremap), 0);
	rc |= seccomp_rule_add(ctx, TRACE, SCMP_SYS(brk), 0);
	/* CLONE_UNTRACED would let a child escape emt; clone3 passes its
	 * flags in memory, out of the filter's reach. */
	rc |= seccomp_rule_add(ctx, TRACE, SCMP_SYS(clone), 1,
			       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_UNTRACED,
				       CLONE_UNTRACED));
	rc |= seccomp_rule_add(ctx, TRACE, SCMP_SYS(clone3), 0);
	/* A filter of the program's own could hide calls from emt: say so. */
	rc |= seccomp_rule_add(ctx, TRACE, SCMP_SYS(seccomp), 0);
	rc |= seccomp_rule_add(ctx, TRACE, SCMP_SYS(prctl), 1,
			       SCMP_A0(SCMP_CMP_EQ, PR_SET_SECCOMP));
	return rc ? -EINVAL : 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **out, size_t *n)
{
	int fd = memfd_create("emt-filter", MFD_CLOEXEC);
	off_t size;
	int rc = -EIO;

	if (fd < 0)
		return -errno;
	if (seccomp_export_bpf(ctx, fd) == 0 && (size = lseek(fd, 0, SEEK_END)) > 0) {
		*n = (size_t)size / sizeof(struct sock_filter);
		*out = malloc((size_t)size);
		if (!*out)
			rc = -ENOMEM;
		else if (pread(fd, *out, (size_t)size, 0) == size)
			rc = 0;
	}
	close(fd);
	return rc;
}

/* seccomp_data.instruction_pointer, split in 32-bit words for classic BPF. */
#define IP_LO offsetof(struct seccomp_data, instruction_pointer)
#define IP_HI (IP_LO + 4)
#define SUFFIX_LEN 7

/* Where libseccomp's program would trace, trace unless the call comes from
 * emt's trampoline. The test must only be reached by calls emt traces:
 * the kernel skips the filter for a syscall whose verdict it can prove to
 * depend on nothing but the number and the arch (the seccomp action cache,
 * seccomp_cache_prepare_bitmap() in kernel/seccomp.c, Linux 5.11), and a
 * load of instruction_pointer on the path of every call, as a prefix,
 * would make it run the filter for all of them. */
static void write_suffix(struct sock_filter *f)
{
	uint32_t hi = (uint32_t)(ARCH_TRAMP_FIXED_ADDR >> 32);
	uint32_t lo = (uint32_t)ARCH_TRAMP_FIXED_ADDR;

	f[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_HI);
	f[1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, hi, 0, 4);
	f[2] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_LO);
	f[3] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 2);
	f[4] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
					    lo + (uint32_t)ARCH_TRAMP_CODE_SIZE, 1, 0);
	f[5] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[6] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
}

/* Every "return TRACE" of the n instructions becomes a jump to the suffix
 * that follows them (classic BPF jumps only forward, which this is). */
static void route_traces(struct sock_filter *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].code == (BPF_RET | BPF_K) && f[i].k == SECCOMP_RET_TRACE)
			f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA,
							    (uint32_t)(n - i - 1), 0, 0);
}

/* Calls that make the kernel write into user buffers (kwrite.c). */
static int add_read_rules(scmp_filter_ctx ctx)
{
	static const int calls[] = { SCMP_SYS(read), SCMP_SYS(pread64),
				     SCMP_SYS(readv), SCMP_SYS(preadv),
				     SCMP_SYS(preadv2), SCMP_SYS(recvfrom),
				     SCMP_SYS(recvmsg) };
	int rc = 0;

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		rc |= seccomp_rule_add(ctx, TRACE, calls[i], 0);
	return rc ? -EINVAL : 0;
}

static int build(struct emt_monitor *mon, struct sock_fprog *prog,
		 int (*rules)(scmp_filter_ctx), uint32_t badarch)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	struct sock_filter *body = NULL;
	size_t n = 0;
	int rc;

	if (!ctx)
		return -ENOMEM;
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, badarch);
	if (!rc)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (!rc)
		rc = rules(ctx);
	if (!rc)
		rc = export_bpf(ctx, &body, &n);
	seccomp_release(ctx);
	if (rc) {
		emt_log(mon, EMT_LOG_WARN, "cannot build the seccomp filter: %d", rc);
		free(body);
		return rc;
	}
	prog->filter = calloc(n + SUFFIX_LEN, sizeof(*body));
	if (!prog->filter) {
		free(body);
		return -ENOMEM;
	}
	memcpy(prog->filter, body, n * sizeof(*body));
	route_traces(prog->filter, n);
	write_suffix(prog->filter + n);
	prog->len = (unsigned short)(n + SUFFIX_LEN);
	free(body);
	return 0;
}

int filter_build(struct emt_monitor *mon, struct sock_fprog *prog)
{
	/* A call of another ABI (int $0x80, x32) is not matched by the
	 * rules: trace it rather than let it through unseen. */
	return build(mon, prog, add_rules, TRACE);
}

int filter_build_reads(struct emt_monitor *mon, struct sock_fprog *prog)
{
	return build(mon, prog, add_read_rules, SCMP_ACT_ALLOW);
}

void filter_free(struct sock_fprog *prog)
{
	free(prog->filter);
	prog->filter = NULL;
}
