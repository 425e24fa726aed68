/* SPDX-License-Identifier: MIT */
/*
 * Several tracked regions at once, made W+X in the different ways programs
 * do it:
 *   a, b, c  three separate RWX mmaps (c is 3 pages: code in its first and
 *            last page only, so the middle page must get no event);
 *   d        mmap'ed RW, then mprotect'ed to RWX (origin wx_protect);
 *   e        mmap'ed PROT_WRITE|PROT_EXEC without PROT_READ, as HotSpot does:
 *            still W+X.
 * Each page runs once, then all of them run again in another order without
 * being rewritten: no new capture.
 */
#include "victim.h"

int main(void)
{
	uint8_t *a, *b, *c, *d, *e;
	void *fns[6];
	int sum = 0;
	size_t i;

	announce_start();
	a = map_rwx(VICTIM_PAGE);
	b = map_rwx(VICTIM_PAGE);
	c = map_rwx(3 * VICTIM_PAGE);
	d = victim_mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_WRITE, 0);
	victim_mprotect(d, VICTIM_PAGE, PROT_RWX);
	e = victim_mmap(NULL, VICTIM_PAGE, PROT_WRITE | PROT_EXEC, 0);

	/* Put something in c's middle page: written, never run. */
	emit_ret_imm(c + VICTIM_PAGE, 999);

	fns[0] = a + 0x10;
	fns[1] = b + 0x200;
	fns[2] = c;
	fns[3] = c + 2 * VICTIM_PAGE + 0xff0;
	fns[4] = d + 0x800;
	fns[5] = e + 0x20;
	for (i = 0; i < 6; i++)
		run_ret_imm(fns[i], (uint32_t)(100 + i), 1, i == 4 ? "wx_protect" : "wx_map");
	for (i = 6; i-- > 0;)
		sum += call_code(fns[i]);

	announce_execs(a, 1, 0);
	announce_execs(b, 1, 0);
	announce_execs(c, 1, 0);
	announce_execs(c + VICTIM_PAGE, 0, 0);
	announce_execs(c + 2 * VICTIM_PAGE, 1, 0);
	announce_execs(d, 1, 0);
	announce_execs(e, 1, 0);
	printf("regions 6 sum %d\n", sum);
	return 0;
}
