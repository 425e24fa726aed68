/* SPDX-License-Identifier: MIT */
/*
 * The launch-mode seccomp filter: SECCOMP_RET_TRACE for the calls emt must
 * see, SECCOMP_RET_ALLOW for everything else, so a program that generates
 * no code runs at native speed: the kernel caches the verdict of every
 * call whose rule depends only on its number (the seccomp action cache,
 * seccomp_cache_prepare_bitmap() in kernel/seccomp.c, Linux 5.11), and
 * runs the filter only for the rest. Nothing is exempt: emt's own calls
 * stop in emt too (tramp.c says why).
 */
#include <errno.h>
#include <fcntl.h>
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

#include "decide/filter.h"
#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "decide/stealth.h"

#define TRACE SCMP_ACT_TRACE(0)

/* Opens that can change a file (write access, O_TRUNC): written.c keeps
 * the files a traced process could write. */
static int add_open_rules(scmp_filter_ctx ctx)
{
	static const struct scmp_arg_cmp flags_of[3][3] = {
		{ SCMP_A1(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_WRONLY),
		  SCMP_A1(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_RDWR),
		  SCMP_A1(SCMP_CMP_MASKED_EQ, O_TRUNC, O_TRUNC) },
		{ SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_WRONLY),
		  SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_RDWR),
		  SCMP_A2(SCMP_CMP_MASKED_EQ, O_TRUNC, O_TRUNC) },
	};
	static const struct { enum sc_op op; int arg; } by_flags[] = {
		{ SC_OPEN, 0 }, { SC_OPENAT, 1 }, { SC_OPEN_BY_HANDLE_AT, 1 },
	};
	static const enum sc_op always[] = { SC_CREAT, SC_OPENAT2, SC_MEMFD_CREATE };
	int rc = 0;

	for (size_t i = 0; i < sizeof(by_flags) / sizeof(by_flags[0]); i++)
		for (int j = 0; j < 3; j++)
			rc |= seccomp_rule_add(ctx, TRACE, (int)sysent_native_nr(by_flags[i].op),
					       1, flags_of[by_flags[i].arg][j]);
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		rc |= seccomp_rule_add(ctx, TRACE, (int)sysent_native_nr(always[i]), 0);
	return rc;
}

/* Calls that always stop in emt: rare, and each can change memory emt
 * tracks, make code, or take a process out of emt's sight. */
static const enum sc_op always[] = {
	SC_MPROTECT, SC_PKEY_MPROTECT, SC_MUNMAP, SC_MREMAP, SC_BRK,
	SC_PROCESS_MADVISE, SC_REMAP_FILE_PAGES, SC_MSEAL, SC_SHMAT, SC_SHMDT,
	/* clone3 passes its flags in memory, out of the filter's reach */
	SC_CLONE3,
	SC_PERSONALITY,
	/* by path: the file may be mapped executable anywhere */
	SC_TRUNCATE,
	/* into another address space, or its own: needs no fd to be seen */
	SC_PROCESS_VM_WRITEV,
	/* a filter of the program's own may answer calls in emt's place */
	SC_SECCOMP,
	SC_USERFAULTFD, SC_IO_URING_SETUP, SC_IO_URING_REGISTER,
};

#define LOW32 0xffffffffull


/* ioctls of userfaultfd that create one or fill pages (uffd.c). */
static const uint64_t uffd_ioctls[] = {
	UFFD_IOCTL_NEW, UFFD_IOCTL_COPY, UFFD_IOCTL_ZEROPAGE, UFFD_IOCTL_MOVE,
	UFFD_IOCTL_CONTINUE, UFFD_IOCTL_POISON,
};

static int rule(scmp_filter_ctx ctx, enum sc_op op, unsigned int n,
		const struct scmp_arg_cmp *cmp)
{
	return seccomp_rule_add_array(ctx, TRACE, (int)sysent_native_nr(op), n, cmp);
}

static int add_mmap_rules_base(scmp_filter_ctx ctx)
{
	static const uint64_t bits[] = { PROT_EXEC, MAP_FIXED, MAP_FIXED_NOREPLACE,
					 MAP_SHARED };
	int rc = 0;

	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		/* PROT_EXEC in prot; the others (placement, sharing) in flags:
		 * shared file mappings may alias executable ones (alias.c). */
		struct scmp_arg_cmp c = i == 0 ? SCMP_A2(SCMP_CMP_MASKED_EQ, bits[i], bits[i])
					       : SCMP_A3(SCMP_CMP_MASKED_EQ, bits[i], bits[i]);

		rc |= rule(ctx, SC_MMAP, 1, &c);
	}
	return rc;
}

static int add_rules(scmp_filter_ctx ctx)
{
	struct scmp_arg_cmp untraced = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_UNTRACED,
					       CLONE_UNTRACED);
	struct scmp_arg_cmp set_seccomp = SCMP_A0(SCMP_CMP_MASKED_EQ, LOW32, PR_SET_SECCOMP);
	struct scmp_arg_cmp other_process = SCMP_A0(SCMP_CMP_NE, 0);
	int rc = add_mmap_rules_base(ctx);

	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		rc |= rule(ctx, always[i], 0, NULL);
	/* The kernel reads these arguments as int: only their low 32 bits
	 * count, whatever the program puts above. */
	for (size_t i = 0; i < PAGECALLS_N_DISCARDING; i++) {
		struct scmp_arg_cmp c = SCMP_A2(SCMP_CMP_MASKED_EQ, LOW32,
						pagecalls_discarding[i]);

		rc |= rule(ctx, SC_MADVISE, 1, &c);
	}
	for (size_t i = 0; i < sizeof(uffd_ioctls) / sizeof(uffd_ioctls[0]); i++) {
		struct scmp_arg_cmp c = SCMP_A1(SCMP_CMP_MASKED_EQ, LOW32, uffd_ioctls[i]);

		rc |= rule(ctx, SC_IOCTL, 1, &c);
	}
	/* CLONE_UNTRACED would let a child escape emt. */
	rc |= rule(ctx, SC_CLONE, 1, &untraced);
	rc |= rule(ctx, SC_PRCTL, 1, &set_seccomp);
	rc |= add_open_rules(ctx);
	/* Limits set on another process, maybe emt's own (shield.c). */
	rc |= rule(ctx, SC_PRLIMIT64, 1, &other_process);
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

int filter_trace_calls(scmp_filter_ctx ctx, const enum sc_op *calls, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		rc |= seccomp_rule_add(ctx, TRACE, (int)sysent_native_nr(calls[i]), 0);
	return rc ? -EINVAL : 0;
}

/* Every call of group g but those in skip[0..n_skip). */
static int add_group_rules(scmp_filter_ctx ctx, enum sc_group g,
			   const enum sc_op *skip, size_t n_skip)
{
	enum sc_op calls[SC_COUNT];
	size_t n = 0;

	for (enum sc_op op = SC_NONE + 1; op < SC_COUNT; op++) {
		bool skipped = false;

		for (size_t i = 0; i < n_skip; i++)
			skipped |= skip[i] == op;
		if (sysent_group(op) == g && !skipped)
			calls[n++] = op;
	}
	return filter_trace_calls(ctx, calls, n);
}

/* Calls that make the kernel write into user buffers (kwrite.c). */
static int add_read_rules(scmp_filter_ctx ctx)
{
	return add_group_rules(ctx, SCG_BUFFER_WRITE, NULL, 0);
}

/* Calls that make the kernel write a file or /proc/PID/mem (writes.c),
 * but truncate and process_vm_writev, which always stop. */
static int add_write_rules(scmp_filter_ctx ctx)
{
	static const enum sc_op skip[] = { SC_TRUNCATE, SC_PROCESS_VM_WRITEV };

	return add_group_rules(ctx, SCG_FILE_WRITE, skip, sizeof(skip) / sizeof(skip[0]));
}

/* Every mmap: under READ_IMPLIES_EXEC a readable mapping is executable. */
static int add_mmap_rules(scmp_filter_ctx ctx)
{
	return seccomp_rule_add(ctx, TRACE, (int)sysent_native_nr(SC_MMAP), 0) ? -EINVAL : 0;
}

int filter_compile(struct sock_fprog *prog, uint32_t badarch,
		   int (*rules)(scmp_filter_ctx ctx, const void *arg), const void *arg)
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
		rc = rules(ctx, arg);
	if (!rc)
		rc = export_bpf(ctx, &body, &n);
	seccomp_release(ctx);
	if (rc) {
		free(body);
		return rc;
	}
	prog->filter = body;
	prog->len = (unsigned short)n;
	return 0;
}

struct rules {
	int (*add)(scmp_filter_ctx ctx);
};

static int add_these(scmp_filter_ctx ctx, const void *arg)
{
	return ((const struct rules *)arg)->add(ctx);
}

static int build(struct emt_monitor *mon, struct sock_fprog *prog,
		 int (*add)(scmp_filter_ctx), uint32_t badarch)
{
	struct rules r = { add };
	int rc = filter_compile(prog, badarch, add_these, &r);

	if (rc)
		emt_log(mon, EMT_LOG_WARN, "cannot build the seccomp filter: %d", rc);
	return rc;
}

static int add_stealth_rules(scmp_filter_ctx ctx)
{
	return add_rules(ctx) ?: stealth_filter_rules(ctx);
}

int filter_build(struct emt_monitor *mon, struct sock_fprog *prog)
{
	/* A call of another ABI (int $0x80, x32) is not matched by the
	 * rules: trace it rather than let it through unseen. */
	return build(mon, prog, stealth_on(mon) ? add_stealth_rules : add_rules, TRACE);
}

int filter_build_watch(struct emt_monitor *mon, unsigned int which,
		       struct sock_fprog *prog)
{
	if (which == WATCH_READS)
		return build(mon, prog, add_read_rules, SCMP_ACT_ALLOW);
	if (which == WATCH_MMAPS)
		return build(mon, prog, add_mmap_rules, SCMP_ACT_ALLOW);
	if (which == WATCH_WRITES)
		return build(mon, prog, add_write_rules, SCMP_ACT_ALLOW);
	return -EINVAL;
}

void filter_free(struct sock_fprog *prog)
{
	free(prog->filter);
	prog->filter = NULL;
}
