/* SPDX-License-Identifier: MIT */
/*
 * ptrace(2) and waitpid(2), one request each. The data argument of the
 * resuming requests is the signal to deliver (ptrace(2): "If data is
 * nonzero, it is interpreted as the number of a signal to be delivered").
 */
#include <errno.h>
#include <sys/wait.h>

#include "ptrace/pt.h"

static int request(enum __ptrace_request req, pid_t tid, void *addr, void *data)
{
	return ptrace(req, tid, addr, data) < 0 ? -errno : 0;
}

static int resume(enum __ptrace_request req, pid_t tid, int sig)
{
	return request(req, tid, NULL, (void *)(long)sig);
}

int pt_seize(pid_t tid, long options)
{
	return request(PTRACE_SEIZE, tid, NULL, (void *)options);
}

int pt_interrupt(pid_t tid)
{
	return request(PTRACE_INTERRUPT, tid, NULL, NULL);
}

int pt_setoptions(pid_t tid, long options)
{
	return request(PTRACE_SETOPTIONS, tid, NULL, (void *)options);
}

int pt_cont(pid_t tid, int sig)
{
	return resume(PTRACE_CONT, tid, sig);
}

int pt_syscall(pid_t tid, int sig)
{
	return resume(PTRACE_SYSCALL, tid, sig);
}

int pt_step(pid_t tid, int sig)
{
	return resume(PTRACE_SINGLESTEP, tid, sig);
}

int pt_listen(pid_t tid)
{
	return request(PTRACE_LISTEN, tid, NULL, NULL);
}

int pt_detach(pid_t tid, int sig)
{
	return resume(PTRACE_DETACH, tid, sig);
}

int pt_traceme(void)
{
	return request(PTRACE_TRACEME, 0, NULL, NULL);
}

int pt_getregs(pid_t tid, arch_regs *regs)
{
	return request(PTRACE_GETREGS, tid, NULL, regs);
}

int pt_setregs(pid_t tid, const arch_regs *regs)
{
	return request(PTRACE_SETREGS, tid, NULL, (void *)regs);
}

int pt_getsiginfo(pid_t tid, siginfo_t *si)
{
	return request(PTRACE_GETSIGINFO, tid, NULL, si);
}

int pt_setsiginfo(pid_t tid, const siginfo_t *si)
{
	return request(PTRACE_SETSIGINFO, tid, NULL, (void *)si);
}

int pt_peeksiginfo(pid_t tid, siginfo_t *out, int max)
{
	struct __ptrace_peeksiginfo_args args = { .off = 0, .flags = 0, .nr = max };
	long n = ptrace(PTRACE_PEEKSIGINFO, tid, &args, out);

	return n < 0 ? -errno : (int)n;
}

int pt_eventmsg(pid_t tid, unsigned long *msg)
{
	return request(PTRACE_GETEVENTMSG, tid, NULL, msg);
}

int pt_syscall_info(pid_t tid, struct __ptrace_syscall_info *info)
{
	long n = ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(*info), info);

	if (n < 0)
		return -errno;
	return n > 0 ? 0 : -EIO;
}

pid_t pt_wait(pid_t pid, int *status, int flags)
{
	pid_t r;

	do
		r = waitpid(pid, status, flags);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

int pt_event_of(int status)
{
	return WIFSTOPPED(status) ? status >> 16 : 0;
}

enum pt_stop pt_stop_of(int status)
{
	if (!WIFSTOPPED(status))
		return STOP_GONE;
	switch (pt_event_of(status)) {
	case 0:
		return WSTOPSIG(status) == (SIGTRAP | 0x80) ? STOP_SYSCALL : STOP_SIGNAL;
	case PTRACE_EVENT_SECCOMP:
		return STOP_SECCOMP;
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		return STOP_CLONE;
	case PTRACE_EVENT_EXEC:
		return STOP_EXEC;
	case PTRACE_EVENT_EXIT:
		return STOP_EXIT;
	case PTRACE_EVENT_STOP:
		return STOP_EVENT_STOP;
	default:
		return STOP_OTHER_EVENT;
	}
}

bool pt_is_group_stop(int status)
{
	return pt_stop_of(status) == STOP_EVENT_STOP && pt_is_stop_signal(WSTOPSIG(status));
}
