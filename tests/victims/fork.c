/* SPDX-License-Identifier: MIT */
/*
 * fork after running generated code. The child inherits the page in
 * whatever state emt left it (executable, not writable): it must still be
 * able to rewrite and run it, followed (its own captures) or not (then emt
 * must have given it back the protection it asked for). The parent then
 * rewrites and runs the page again: its second capture.
 */
#include <sys/wait.h>

#include "victim.h"

int main(void)
{
	uint8_t *page;
	int status;
	pid_t pid;

	page = first_run(1, "parent ran");

	pid = fork();
	if (pid < 0)
		victim_die("fork");
	if (pid == 0) {
		announce("start pid=%d parent=%d", (int)getpid(), (int)getppid());
		/* The child's seq depends on whether the capture count is
		 * inherited: announce the content, not the number. */
		run_ret_imm(page + 64, 2, 0, NULL);
		announce("execs pid=%d addr=%#lx n=1 from=any", (int)getpid(),
			 (unsigned long)page);
		printf("child ran %d\n", call_code(page + 64));
		fflush(stdout);
		_exit(3);
	}
	if (waitpid(pid, &status, 0) != pid)
		victim_die("waitpid");
	printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

	run_ret_imm(page + 128, 4, 2, "wx_map");
	announce_execs(page, 2, 0);
	printf("parent ran %d\n", call_code(page + 128));
	return 0;
}
