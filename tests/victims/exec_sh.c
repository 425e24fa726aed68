/* SPDX-License-Identifier: MIT */
/*
 * Runs generated code, then replaces itself with /bin/sh -c 'echo hi'. The
 * new image has none of the old tracked pages; the shell must run normally
 * and emt must report the execve.
 */
#include "victim.h"

int main(void)
{
	uint8_t *page;

	announce_start();
	page = map_rwx(VICTIM_PAGE);
	run_ret_imm(page, 8, 1, "wx_map");
	announce_execs(page, 1, 0);
	printf("before exec %d\n", call_code(page));
	fflush(stdout);
	announce("execve pid=%d", (int)getpid());
	execl("/bin/sh", "sh", "-c", "echo hi", (char *)NULL);
	victim_die("execl /bin/sh");
}
