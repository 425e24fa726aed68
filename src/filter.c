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

#include "internal.h"

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
	rc |= add_open_rules(ctx);
	rc |= seccomp_rule_add(ctx, TRACE, (int)sysent_native_nr(SC_PERSONALITY), 0);
	/* Limits set on another process, maybe emt's own (shield.c). */
	rc |= seccomp_rule_add(ctx, TRACE, SCMP_SYS(prlimit64), 1, SCMP_A0(SCMP_CMP_NE, 0));
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

/* Calls that make the kernel write into user buffers (kwrite.c). */
static int add_read_rules(scmp_filter_ctx ctx)
{
	static const enum sc_op calls[] = { SC_READ, SC_PREAD64, SC_READV, SC_PREADV,
					    SC_PREADV2, SC_RECVFROM, SC_RECVMSG };
	int rc = 0;

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		rc |= seccomp_rule_add(ctx, TRACE, (int)sysent_native_nr(calls[i]), 0);
	return rc ? -EINVAL : 0;
}

/* Every mmap: under READ_IMPLIES_EXEC a readable mapping is executable. */
static int add_mmap_rules(scmp_filter_ctx ctx)
{
	return seccomp_rule_add(ctx, TRACE, (int)sysent_native_nr(SC_MMAP), 0) ? -EINVAL : 0;
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
	prog->filter = body;
	prog->len = (unsigned short)n;
	return 0;
}

int filter_build(struct emt_monitor *mon, struct sock_fprog *prog)
{
	/* A call of another ABI (int $0x80, x32) is not matched by the
	 * rules: trace it rather than let it through unseen. */
	return build(mon, prog, add_rules, TRACE);
}

int filter_build_watch(struct emt_monitor *mon, unsigned int which,
		       struct sock_fprog *prog)
{
	if (which == WATCH_READS)
		return build(mon, prog, add_read_rules, SCMP_ACT_ALLOW);
	if (which == WATCH_MMAPS)
		return build(mon, prog, add_mmap_rules, SCMP_ACT_ALLOW);
	return -EINVAL;
}

void filter_free(struct sock_fprog *prog)
{
	free(prog->filter);
	prog->filter = NULL;
}
