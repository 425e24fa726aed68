/* SPDX-License-Identifier: MIT */
/*
 * Runs generated code, then SIGKILLs itself at once. The kill cannot be
 * caught or reported as a stop: emt learns of it only from the exit
 * status, must still have recorded the capture, and must die of SIGKILL
 * itself, as the program does natively.
 */
#include <signal.h>

#include "victim.h"

int main(void)
{
	void *page;

	announce_start();
	page = map_rwx(VICTIM_PAGE);
	run_ret_imm(page, 9, 1, "wx_map");
	announce_execs(page, 1, 0);
	printf("ran %d, now SIGKILL\n", call_code(page));
	fflush(stdout);
	kill(getpid(), SIGKILL);
	victim_fail("survived SIGKILL");
}
