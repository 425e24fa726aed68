/* SPDX-License-Identifier: MIT */
/*
 * The seccomp rules of --stealth. In the launch filter: PTRACE_TRACEME,
 * every open (which file it opened is only known from the fd at its exit),
 * the prctl options stealth answers. Then, once a process has a status
 * file open, a filter added to it (inject_filter) sends emt the
 * read-family calls and dups of that fd number, args[0] compared, at a
 * cost paid only by those calls. A filter cannot be taken back: an fd
 * number keeps its filter when the fd is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>

#include "decide/filter.h"
#include "decide/stealth.h"

#define TRACE SCMP_ACT_TRACE(0)
/* prctl's option and fds are ints to the kernel: the upper half of the
 * register is not looked at, so the filter must not look at it either. */
#define LOW32 0xffffffffu

int stealth_filter_rules(scmp_filter_ctx ctx)
{
	static const enum sc_op opens[] = { SC_OPEN, SC_OPENAT, SC_OPENAT2 };
	static const int prctls[] = { PR_GET_SECCOMP, PR_GET_NO_NEW_PRIVS,
				      PR_SET_NO_NEW_PRIVS };
	int rc = seccomp_rule_add(ctx, TRACE, (int)sysent_native_nr(SC_PTRACE), 1,
				  SCMP_A0(SCMP_CMP_EQ, PTRACE_TRACEME));

	/* Any open may name a status file (a path, a symlink, /dev/fd/N):
	 * which one it opened is only known from the fd at its exit. */
	rc |= filter_trace_calls(ctx, opens, sizeof(opens) / sizeof(opens[0]));
	for (size_t i = 0; i < sizeof(prctls) / sizeof(prctls[0]); i++)
		rc |= seccomp_rule_add(ctx, TRACE, (int)sysent_native_nr(SC_PRCTL), 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ, LOW32, prctls[i]));
	return rc ? -EINVAL : 0;
}

/* The read-family calls and dups of *(int *)arg (of every fd when < 0). */
static int fd_rules(scmp_filter_ctx ctx, const void *arg)
{
	int fd = *(const int *)arg;
	static const enum sc_op by_fd[] = { SC_READ, SC_PREAD64, SC_READV, SC_PREADV,
					    SC_PREADV2, SC_DUP, SC_DUP2, SC_DUP3 };
	static const int dups[] = { F_DUPFD, F_DUPFD_CLOEXEC };
	struct scmp_arg_cmp is_fd = SCMP_A0(SCMP_CMP_MASKED_EQ, LOW32, (uint64_t)fd);
	struct scmp_arg_cmp cmd[2];
	unsigned int n = fd < 0 ? 0 : 1;
	int rc = 0;

	for (size_t i = 0; i < sizeof(by_fd) / sizeof(by_fd[0]); i++)
		rc |= seccomp_rule_add_array(ctx, TRACE, (int)sysent_native_nr(by_fd[i]),
					     n, &is_fd);
	for (size_t i = 0; i < sizeof(dups) / sizeof(dups[0]); i++) {
		cmd[0] = SCMP_A1(SCMP_CMP_MASKED_EQ, LOW32, dups[i]);
		cmd[1] = is_fd;
		rc |= seccomp_rule_add_array(ctx, TRACE, (int)sysent_native_nr(SC_FCNTL),
					     n + 1, cmd);
	}
	return rc ? -EINVAL : 0;
}

static int fd_filter(int fd, struct sock_fprog *prog)
{
	/* Calls of another ABI reach emt through the launch filter. */
	return filter_compile(prog, SCMP_ACT_ALLOW, fd_rules, &fd);
}

static bool has_bit(const uint64_t *bits, int fd)
{
	return fd < STEALTH_FD_MAX && (bits[fd / 64] >> (fd % 64)) & 1;
}

void stealth_watch_fd(struct emt_monitor *mon, struct thread *t, int fd)
{
	struct proc *p = t->proc;
	struct stealth_proc *s = p->stealth;
	struct sock_fprog prog = { 0 };
	bool all = fd >= STEALTH_FD_MAX || s->n_filters + 1 >= STEALTH_FILTERS_MAX;
	int rc;

	if (!mon->use_seccomp || p->syscall_mode || s->all_fds || has_bit(s->watched, fd))
		return; /* they reach emt already */
	rc = fd_filter(all ? -1 : fd, &prog);
	if (!rc)
		rc = inject_filter(mon, t, &prog);
	filter_free(&prog);
	if (rc) {
		emt_log(mon, EMT_LOG_WARN,
			"%d: cannot add a seccomp filter (%d): stopping at its every syscall",
			p->pid, rc);
		watcher_every_call(mon, p);
		return;
	}
	if (all)
		s->all_fds = true;
	else
		s->watched[fd / 64] |= 1ull << (fd % 64);
	s->n_filters++;
}
