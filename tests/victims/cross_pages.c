/* SPDX-License-Identifier: MIT */
/*
 * A function that crosses pages, as a JIT lays them out: in one RWX region
 * of four pages, code entered 16 bytes before the end of page 0 slides
 * through page 1 into page 2, where it returns 77. Each of pages 0, 1, 2
 * runs once (three captures); page 3 never runs. Prints the SHA-256 of the
 * whole region as it runs (the code holds no address: the same in every
 * run), which a capture of the whole region must hold.
 */
#include "victim.h"

#define PAGES 4
#define ENTRY (VICTIM_PAGE - 16)
#define RET_AT (2 * VICTIM_PAGE + 16)

int main(void)
{
	char hex[65];
	uint8_t *region;

	announce_start();
	region = map_rwx(PAGES * VICTIM_PAGE);
	memset(region + ENTRY, 0x90, RET_AT - ENTRY); /* nop */
	emit_ret_imm(region + RET_AT, 77);
	for (int i = 0; i < 3; i++) {
		announce_code(region + i * VICTIM_PAGE, 1, "wx_map");
		announce_execs(region + i * VICTIM_PAGE, 1, 0);
	}
	victim_sha256_hex(region, PAGES * VICTIM_PAGE, hex);
	printf("region sha256 %s\n", hex);
	printf("result %d\n", call_code(region + ENTRY));
	return 0;
}
