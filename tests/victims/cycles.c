/* SPDX-License-Identifier: MIT */
/* One page rewritten and run N times (argv[1], default 10). Each rewrite
 * must make the next run a new capture: seq 1..N, each with the content of
 * that round. */
#include "victim.h"

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 10;
	unsigned long i, sum = 0;
	uint8_t *page;

	if (n < 1 || n > 100000)
		victim_fail("usage: cycles [N]");
	announce_start();
	page = map_rwx(VICTIM_PAGE);
	for (i = 1; i <= n; i++) {
		/* Move the function around too, so that consecutive rounds
		 * differ in more than the immediate. */
		uint8_t *fn = page + (i % 64) * 16;

		run_ret_imm(fn, (uint32_t)(i * 3), i, "wx_map");
		sum += (unsigned long)call_code(fn);
	}
	announce_execs(page, n, 0);
	printf("cycles %lu sum %lu\n", n, sum);
	return 0;
}
