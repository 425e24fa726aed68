/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the one stop classifier (pt_stop_of): every kind of wait
 * status a tracer meets, built as the kernel encodes them (wait(2):
 * 0x7f | sig << 8 | event << 16 for a stop). TAP output; exit status 1 if
 * any failed.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "ptrace/pt.h"

static int n, failed;

static int stopped(int sig, int event)
{
	return 0x7f | sig << 8 | event << 16;
}

static void expect(int status, enum pt_stop want, const char *what)
{
	enum pt_stop got = pt_stop_of(status);

	printf("%s %d - %s\n", got == want ? "ok" : "not ok", ++n, what);
	if (got != want) {
		printf("# status %#x: want %d, got %d\n", status, (int)want, (int)got);
		failed = 1;
	}
}

static void expect_true(bool v, const char *what)
{
	printf("%s %d - %s\n", v ? "ok" : "not ok", ++n, what);
	failed |= !v;
}

int main(void)
{
	expect(0 << 8, STOP_GONE, "exit 0");
	expect(3 << 8, STOP_GONE, "exit 3");
	expect(SIGKILL, STOP_GONE, "killed by SIGKILL");
	expect(SIGSEGV | 0x80, STOP_GONE, "killed by SIGSEGV, core dumped");
	expect(stopped(SIGSEGV, 0), STOP_SIGNAL, "signal-delivery-stop SIGSEGV");
	expect(stopped(SIGTRAP, 0), STOP_SIGNAL, "a single-step's SIGTRAP");
	expect(stopped(SIGRTMIN, 0), STOP_SIGNAL, "signal-delivery-stop SIGRTMIN");
	expect(stopped(SIGTRAP | 0x80, 0), STOP_SYSCALL, "syscall stop (TRACESYSGOOD)");
	expect(stopped(SIGTRAP, PTRACE_EVENT_SECCOMP), STOP_SECCOMP, "seccomp stop");
	expect(stopped(SIGTRAP, PTRACE_EVENT_CLONE), STOP_CLONE, "clone event");
	expect(stopped(SIGTRAP, PTRACE_EVENT_FORK), STOP_CLONE, "fork event");
	expect(stopped(SIGTRAP, PTRACE_EVENT_VFORK), STOP_CLONE, "vfork event");
	expect(stopped(SIGTRAP, PTRACE_EVENT_EXEC), STOP_EXEC, "exec event");
	expect(stopped(SIGTRAP, PTRACE_EVENT_EXIT), STOP_EXIT, "exit event");
	expect(stopped(SIGTRAP, PTRACE_EVENT_VFORK_DONE), STOP_OTHER_EVENT, "vfork-done event");
	expect(stopped(SIGSTOP, PTRACE_EVENT_STOP), STOP_EVENT_STOP, "group-stop");
	expect(stopped(SIGTRAP, PTRACE_EVENT_STOP), STOP_EVENT_STOP, "interrupt stop");
	expect_true(pt_is_group_stop(stopped(SIGTSTP, PTRACE_EVENT_STOP)), "SIGTSTP group-stop");
	expect_true(!pt_is_group_stop(stopped(SIGTRAP, PTRACE_EVENT_STOP)),
		    "an interrupt stop is no group-stop");
	expect_true(!pt_is_group_stop(stopped(SIGSTOP, 0)),
		    "SIGSTOP's signal-delivery-stop is no group-stop yet");
	expect_true(pt_event_of(stopped(SIGTRAP, PTRACE_EVENT_FORK)) == PTRACE_EVENT_FORK,
		    "event of a fork stop");
	expect_true(pt_event_of(3 << 8) == 0, "no event in an exit status");
	printf("1..%d\n", n);
	return failed;
}
