/* SPDX-License-Identifier: MIT */
/*
 * An instruction that straddles two tracked pages: `mov eax, imm32` starts 3
 * bytes before the end of the first page and ends in the second, followed by
 * `ret`. The first fetch faults in the first page; once that one is
 * executable, the rest of the instruction faults in the second page with
 * RIP still in the first. Both pages must be captured, the second with
 * fault_addr at its first byte.
 */
#include "victim.h"

int main(void)
{
	uint8_t *two, *fn;

	announce_start();
	two = map_rwx(2 * VICTIM_PAGE);
	fn = two + VICTIM_PAGE - 3;
	emit_ret_imm(fn, 0x5eed);
	announce_code(two, 1, "wx_map");
	announce_code(two + VICTIM_PAGE, 1, "wx_map");
	announce("straddle pid=%d addr=%#lx", (int)getpid(),
		 (unsigned long)(two + VICTIM_PAGE));
	announce_execs(two, 1, 0);
	announce_execs(two + VICTIM_PAGE, 1, 0);
	printf("straddle %#x\n", call_code(fn));
	return 0;
}
