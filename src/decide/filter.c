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
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "decide/filter.h"
#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "decide/stealth.h"

#define TRACE SCMP_ACT_TRACE(0)

static int rule(scmp_filter_ctx ctx, enum sc_op op, unsigned int n,
		const struct scmp_arg_cmp *cmp)
{
	return seccomp_rule_add_array(ctx, TRACE, (int)sysent_native_nr(op), n, cmp);
}

/* One test of a stop rule as seccomp rules: any bit of a mask is one
 * masked compare per bit (libseccomp has no masked "not equal"), a whole
 * argument not zero one compare. */
static int add_test(scmp_filter_ctx ctx, enum sc_op op, const struct stop_test *test)
{
	struct scmp_arg_cmp c = { .arg = test->arg, .op = SCMP_CMP_MASKED_EQ,
				  .datum_a = test->mask, .datum_b = test->value };
	int rc = 0;

	if (test->kind == STOP_MASKED_EQ)
		return rule(ctx, op, 1, &c);
	if (test->mask == ~0ull) {
		c = (struct scmp_arg_cmp){ .arg = test->arg, .op = SCMP_CMP_NE, .datum_a = 0 };
		return rule(ctx, op, 1, &c);
	}
	for (int bit = 0; bit < 64; bit++) {
		c.datum_a = c.datum_b = 1ull << bit;
		if (test->mask & c.datum_a)
			rc |= rule(ctx, op, 1, &c);
	}
	return rc;
}

/* The calls every traced process stops for (stoprules.c). */
static int add_rules(scmp_filter_ctx ctx)
{
	int rc = 0;

	for (enum sc_op op = SC_NONE + 1; op < SC_COUNT; op++) {
		const struct stop_rule *r = stoprules_of(op);

		if (r && !r->n_tests)
			rc |= rule(ctx, op, 0, NULL);
		for (size_t i = 0; r && i < r->n_tests; i++)
			rc |= add_test(ctx, op, &r->test[i]);
	}
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
