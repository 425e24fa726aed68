/* SPDX-License-Identifier: MIT */
/*
 * vfork + exec of /bin/true between two runs of generated code. The vfork
 * child borrows the parent's address space, tracked pages included, until it
 * execs; the parent is suspended meanwhile and must come back with its
 * pages intact.
 */
#include <sys/wait.h>

#include "victim.h"

int main(void)
{
	uint8_t *page;
	int status;
	pid_t pid;

	page = first_run(5, "before vfork");

	pid = vfork();
	if (pid < 0)
		victim_die("vfork");
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		victim_die("waitpid");
	printf("true exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

	run_ret_imm(page + 32, 6, 2, "wx_map");
	announce_execs(page, 2, 0);
	printf("after vfork %d\n", call_code(page + 32));
	return 0;
}
