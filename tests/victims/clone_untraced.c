/* SPDX-License-Identifier: MIT */
/*
 * Children made with CLONE_UNTRACED, which asks the kernel not to let a
 * tracer follow them. Such a child would run unseen with the pages it
 * inherits stripped of PROT_EXEC by emt (and crash on them); emt must keep
 * it traced, so the code it generates is captured under its own pid. Two
 * ways: a raw fork-like clone (SIGCHLD|CLONE_UNTRACED, no new stack), and
 * glibc's clone() on a small stack with CLONE_VM, sharing the memory.
 */
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "victim.h"

static uint8_t *page, *shared_page;

static int child_run(uint8_t *p, uint32_t value)
{
	announce("start pid=%d parent=%d", (int)getpid(), (int)getppid());
	run_ret_imm(p, value, 0, NULL);
	announce("execs pid=%d addr=%#lx n=1 from=any", (int)getpid(), (unsigned long)page_of(p));
	return call_code(p);
}

static int vm_child(void *arg)
{
	(void)arg;
	return child_run(shared_page + 0x100, 22);
}

static void reap(pid_t pid, int want, const char *what)
{
	int status;

	if (waitpid(pid, &status, __WALL) != pid)
		victim_die("waitpid");
	printf("%s child exited %d\n", what, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != want)
		exit(1);
}

int main(void)
{
	static uint8_t stack[64 * 1024] __attribute__((aligned(16)));
	long pid;

	announce_start();
	page = map_rwx(VICTIM_PAGE);
	run_ret_imm(page, 1, 1, "wx_map");
	fflush(stdout);

	pid = syscall(SYS_clone, SIGCHLD | CLONE_UNTRACED, NULL, NULL, NULL, 0);
	if (pid < 0)
		victim_die("clone");
	if (pid == 0)
		_exit(child_run(page + 0x80, 11));
	reap((pid_t)pid, 11, "fork-like");

	/* A page of its own: in the shared memory the parent's page state is
	 * the child's too. */
	shared_page = map_rwx(VICTIM_PAGE);
	pid = clone(vm_child, stack + sizeof(stack), CLONE_VM | CLONE_UNTRACED | SIGCHLD, NULL);
	if (pid < 0)
		victim_die("clone CLONE_VM");
	reap((pid_t)pid, 22, "CLONE_VM");

	announce_execs(page, 1, 0);
	printf("parent ran %d\n", call_code(page));
	return 0;
}
