/* SPDX-License-Identifier: MIT */
/*
 * --stealth: the checks a program makes for a tracer before it unpacks,
 * answered as the kernel would answer them without emt, so that the
 * payload runs and is captured.
 *  - ptrace(PTRACE_TRACEME): 0 the first time in a thread, EPERM after, as
 *    if its parent traced it. The flag is per task (ptrace_traceme() in
 *    kernel/ptrace.c): a new thread or a forked child starts untraced.
 *  - the status files of traced threads (stealth_fds.c, stealth_reads.c).
 *  - prctl(PR_GET_SECCOMP) and prctl(PR_GET_NO_NEW_PRIVS) without emt's
 *    filters and the no_new_privs emt set to install them unprivileged;
 *    then a filter the program installs unprivileged without setting
 *    no_new_privs itself is refused with EACCES, as it would be
 *    (seccomp(2)).
 * Calls stealth answers never run: their result is set at the entry stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ptrace/procfs.h"
#include "decide/stealth.h"

bool stealth_on(const struct emt_monitor *mon)
{
	return mon->opts.flags & EMT_OPT_STEALTH;
}

/* Whether emt's process has CAP_SYS_ADMIN: its launched child then
 * installs the filter without no_new_privs (launch.c). */
static bool has_sys_admin(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return d[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32));
}

/* Whether no_new_privs of p is emt's doing: launch.c sets it to install
 * the filter when unprivileged, and the program did not set it itself
 * (nor had it from emt's caller, which the tracer thread would have). */
static bool emt_nnp(const struct emt_monitor *mon, const struct proc *p)
{
	if (!mon->launch || !mon->use_seccomp || (p->stealth && p->stealth->own_nnp))
		return false;
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0 && !has_sys_admin();
}

/* Seccomp filters emt added to p: the launch filter, the watch filters,
 * stealth's own (all inherited by children, kept across execve). */
static unsigned int emt_filters(const struct emt_monitor *mon, const struct proc *p)
{
	if (!mon->use_seccomp)
		return 0;
	return 1 + (unsigned int)__builtin_popcount(p->watched) +
	       (p->stealth ? p->stealth->n_filters : 0);
}

void stealth_fix_of(struct emt_monitor *mon, pid_t tid, struct status_fix *fix)
{
	struct thread *t = thread_find(mon, tid);

	/* A thread emt holds would be running; one in a group-stop (which
	 * emt PTRACE_LISTENs to) would show as stopped. */
	*fix = (struct status_fix){ .state = 'R' };
	if (!t || !t->proc)
		return;
	fix->traceme = t->stealth_traceme;
	if (t->state == THREAD_LISTENING)
		fix->state = 'T';
	fix->emt_filters = emt_filters(mon, t->proc);
	fix->emt_nnp = emt_nnp(mon, t->proc);
}

static bool answer(struct thread *t, int64_t ret)
{
	syscalls_refuse(t, ret);
	return true;
}

static bool answer_traceme(struct thread *t)
{
	int64_t ret = t->stealth_traceme ? -EPERM : 0;

	t->stealth_traceme = true;
	return answer(t, ret);
}

/* prctl(PR_GET_SECCOMP) returns the mode: 2 while the program has filters
 * of its own, 0 without (a program in mode 1 could not call prctl). */
static bool answer_get_seccomp(struct emt_monitor *mon, struct thread *t)
{
	unsigned int mine = emt_filters(mon, t->proc);
	long all;

	if (!mine)
		return false;
	all = procfs_status_field(t->tid, "Seccomp_filters");
	return answer(t, all > (long)mine ? 2 : 0);
}

/* Installing a filter needs no_new_privs or CAP_SYS_ADMIN (seccomp(2),
 * EACCES): without emt's no_new_privs the program would be refused. */
static bool refuse_filter(struct emt_monitor *mon, struct thread *t)
{
	if (!emt_nnp(mon, t->proc))
		return false;
	emt_log(mon, EMT_LOG_INFO, "%d: seccomp filter refused (EACCES) as without emt",
		t->tid);
	return answer(t, -EACCES);
}

static bool answer_prctl(struct emt_monitor *mon, struct thread *t,
			 const uint64_t *a)
{
	bool no_args = !a[1] && !a[2] && !a[3] && !a[4];
	struct stealth_proc *s;

	switch ((int)a[0]) {
	case PR_GET_SECCOMP:
		return answer_get_seccomp(mon, t);
	case PR_GET_NO_NEW_PRIVS:
		/* Other arguments than 0: EINVAL, which the kernel says. */
		return no_args && emt_nnp(mon, t->proc) && answer(t, 0);
	case PR_SET_NO_NEW_PRIVS:
		if (a[1] == 1 && !a[2] && !a[3] && !a[4] && (s = stealth_proc_of(t->proc)))
			s->own_nnp = true;
		return false;
	case PR_SET_SECCOMP:
		return a[1] == SECCOMP_MODE_FILTER && refuse_filter(mon, t);
	default:
		return false;
	}
}

bool stealth_answer(struct emt_monitor *mon, struct thread *t,
		    const struct sc_call *sc)
{
	if (!stealth_on(mon))
		return false;
	switch (sc->op) {
	case SC_PTRACE:
		return sc->args[0] == PTRACE_TRACEME && answer_traceme(t);
	case SC_PRCTL:
		return answer_prctl(mon, t, sc->args);
	case SC_SECCOMP:
		return sc->args[0] == SECCOMP_SET_MODE_FILTER && refuse_filter(mon, t);
	case SC_READ:
	case SC_PREAD64:
	case SC_READV:
	case SC_PREADV:
	case SC_PREADV2:
		return stealth_read(mon, t, sc);
	default:
		return false;
	}
}

static bool followed(struct proc *p, uint64_t fd)
{
	return stealth_fd_find(p, (int)(uint32_t)fd) != NULL;
}

bool stealth_wants_exit(struct emt_monitor *mon, struct thread *t,
			const struct sc_call *sc)
{
	const uint64_t *a = sc->args;

	if (!stealth_on(mon))
		return false;
	switch (sc->op) {
	case SC_OPEN:
	case SC_OPENAT:
	case SC_OPENAT2:
		return true;
	case SC_DUP:
		return followed(t->proc, a[0]);
	case SC_DUP2:
	case SC_DUP3:
		return followed(t->proc, a[0]) || followed(t->proc, a[1]);
	case SC_FCNTL:
		return ((uint32_t)a[1] == F_DUPFD || (uint32_t)a[1] == F_DUPFD_CLOEXEC) &&
		       followed(t->proc, a[0]);
	default:
		return false;
	}
}

void stealth_exit(struct emt_monitor *mon, struct thread *t,
		  const struct sc_call *sc, int64_t ret)
{
	if (ret < 0 || ret > INT32_MAX)
		return;
	switch (sc->op) {
	case SC_OPEN:
	case SC_OPENAT:
	case SC_OPENAT2:
		stealth_fd_opened(mon, t, (int)ret);
		break;
	case SC_DUP:
	case SC_DUP2:
	case SC_DUP3:
	case SC_FCNTL:
		stealth_fd_copied(mon, t, (int)(uint32_t)sc->args[0], (int)ret);
		break;
	default:
		break;
	}
}
