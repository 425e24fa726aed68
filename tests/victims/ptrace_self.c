/* SPDX-License-Identifier: MIT */
/*
 * A program that plays with ptrace itself, as anti-debugging code does:
 * PTRACE_TRACEME, PTRACE_ATTACH on itself and on its parent (which is emt
 * when traced). The results differ under emt (TRACEME fails with EPERM:
 * the program is already traced), so the output only says that each call
 * returned. An attach that succeeds is undone at once: wait for the
 * attach stop and detach without the SIGSTOP. emt must go on tracing:
 * code generated before and after is captured.
 */
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "victim.h"

static void attach_and_release(pid_t pid, const char *who)
{
	int status;

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0) {
		if (waitpid(pid, &status, __WALL) != pid)
			victim_die("waitpid after PTRACE_ATTACH");
		if (ptrace(PTRACE_DETACH, pid, NULL, NULL) < 0)
			victim_die("PTRACE_DETACH");
	}
	printf("PTRACE_ATTACH %s returned\n", who);
	fflush(stdout);
}

int main(void)
{
	uint8_t *page;

	announce_start();
	page = map_rwx(VICTIM_PAGE);
	run_ret_imm(page, 1, 1, "wx_map");

	attach_and_release(getpid(), "self");
	attach_and_release(getppid(), "parent");
	/* Last: natively it makes the parent our tracer, and a parent we
	 * trace that traces us would deadlock at our next signal. */
	(void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	printf("PTRACE_TRACEME returned\n");
	fflush(stdout);

	run_ret_imm(page + 64, 2, 2, "wx_map");
	announce_execs(page, 2, 0);
	printf("ran %d %d\n", call_code(page), call_code(page + 64));
	return 0;
}
