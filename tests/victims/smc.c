/* SPDX-License-Identifier: MIT */
/*
 * Same-page self-modifying code: a generated function that returns an
 * immediate and then increments that immediate in its own code, run 2000
 * times. Under W^X every run writes to the page the thread is executing:
 * emt must let the write through without ping-ponging forever, and the
 * function must return 0, 1, 2, ... exactly as natively.
 *
 *   0:  b8 imm32               mov eax, imm32
 *   5:  ff 05 f6 ff ff ff      inc dword [rip - 10]   ; the imm32 at 1
 *  11:  c3                     ret
 */
#include "victim.h"

#define RUNS 2000

int main(void)
{
	static const uint8_t code[] = { 0xb8, 0, 0, 0, 0, 0xff, 0x05, 0xf6,
					0xff, 0xff, 0xff, 0xc3 };
	long sum = 0;
	int got = -1, bad = 0;
	uint8_t *page;

	announce_start();
	page = map_rwx(VICTIM_PAGE);
	memcpy(page, code, sizeof(code));
	announce_code(page, 1, "wx_map");
	announce_execs(page, 1, 1);
	for (int i = 0; i < RUNS; i++) {
		got = call_code(page);
		if (got != i)
			bad++;
		sum += got;
	}
	printf("smc runs %d last %d sum %ld bad %d\n", RUNS, got, sum, bad);
	return bad ? 1 : 0;
}
