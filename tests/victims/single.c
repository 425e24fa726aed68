/* SPDX-License-Identifier: MIT */
/* The simplest case: one RWX mapping, one function written into it, one call.
 * Expected: exactly one exec event for the page, seq 1, origin wx_map. */
#include "victim.h"

int main(void)
{
	void *page;

	announce_start();
	page = map_rwx(VICTIM_PAGE);
	run_ret_imm(page, 42, 1, "wx_map");
	announce_execs(page, 1, 0);
	printf("result %d\n", call_code(page));
	return 0;
}
