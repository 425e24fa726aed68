/* SPDX-License-Identifier: MIT */
/* Runs generated code, then exits 7: emt must exit with the program's status. */
#include "victim.h"

int main(void)
{
	void *page;

	announce_start();
	page = map_rwx(VICTIM_PAGE);
	run_ret_imm(page, 7, 1, "wx_map");
	announce_execs(page, 1, 0);
	printf("exiting with %d\n", call_code(page));
	fflush(stdout);
	exit(call_code(page));
}
