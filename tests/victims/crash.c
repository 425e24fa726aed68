/* SPDX-License-Identifier: MIT */
/* Runs generated code, then dereferences NULL. The SIGSEGV is the program's
 * own: emt must deliver it unchanged, so the program dies of it, and emt then
 * dies of the same signal. */
#include "victim.h"

int main(void)
{
	volatile int *null = NULL;
	void *page;

	announce_start();
	page = map_rwx(VICTIM_PAGE);
	run_ret_imm(page, 11, 1, "wx_map");
	announce_execs(page, 1, 0);
	printf("about to crash after %d\n", call_code(page));
	fflush(stdout);
	*null = 1;
	printf("still alive\n");
	return 0;
}
