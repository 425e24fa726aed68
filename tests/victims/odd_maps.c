/* SPDX-License-Identifier: MIT */
/*
 * The shapes of W+X memory that a page-granular region map gets wrong:
 *   a  an RWX mmap whose length is not a page multiple (5000 bytes: the
 *      kernel maps 2 pages, and so must emt track 2);
 *   b  MAP_FIXED RWX over a PROT_NONE reservation, mprotect from PROT_NONE
 *      to RWX, and the same RWX mprotect repeated on a page that already ran;
 *   c  a partial munmap of a tracked region, an ordinary RW mapping in the
 *      hole, then a new RWX mapping in the hole (a new region: seq 1 again);
 *   d  mremap moving a tracked page elsewhere, where it is rewritten and run.
 */
#include "victim.h"

#define P VICTIM_PAGE

static int sum;

static void run(uint8_t *p, uint32_t imm, unsigned long seq, const char *origin)
{
	run_ret_imm(p, imm, seq, origin);
	sum += call_code(p);
}

static void odd_length(void)
{
	uint8_t *a = victim_mmap(NULL, 5000, PROT_RWX, 0);

	run(a + 0x10, 1, 1, "wx_map");
	/* Past the 5000 bytes asked for, still in the last page. */
	run(a + 2 * P - 16, 2, 1, "wx_map");
	announce_execs(a, 1, 0);
	announce_execs(a + P, 1, 0);
}

static void reservation(void)
{
	uint8_t *r = victim_mmap(NULL, 4 * P, PROT_NONE, 0);

	victim_mmap(r + P, 2 * P, PROT_RWX, MAP_FIXED);
	run(r + P, 3, 1, "wx_map");
	run(r + 2 * P + 0x100, 4, 1, "wx_map");
	victim_mprotect(r + 3 * P, P, PROT_RWX);
	run(r + 3 * P + 0x200, 5, 1, "wx_protect");
	/* Again on a page that already ran: W+X once more, still the same
	 * pages, so the next capture is their second. */
	victim_mprotect(r + P, P, PROT_RWX);
	run(r + P + 0x300, 6, 2, NULL);
	announce_execs(r, 0, 0);
	announce_execs(r + P, 2, 0);
	announce_execs(r + 2 * P, 1, 0);
	announce_execs(r + 3 * P, 1, 0);
}

static void partial_unmap(void)
{
	uint8_t *t = victim_mmap(NULL, 3 * P, PROT_RWX, 0);
	volatile uint8_t *data;

	run(t, 7, 1, "wx_map");
	run(t + P, 8, 1, "wx_map");
	run(t + 2 * P, 9, 1, "wx_map");
	if (munmap(t + P, P) < 0)
		victim_die("munmap");
	/* A plain data page in the hole: nothing of the old region may
	 * stick to it. */
	data = victim_mmap(t + P, P, PROT_READ | PROT_WRITE, MAP_FIXED);
	for (int i = 0; i < 64; i++)
		data[i * 64] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		sum += data[i * 64];
	if (munmap(t + P, P) < 0)
		victim_die("munmap");
	victim_mmap(t + P, P, PROT_RWX, MAP_FIXED);
	run(t + P + 0x40, 10, 1, "wx_map");
	run(t + 0x40, 11, 2, "wx_map");
	run(t + 2 * P + 0x40, 12, 2, "wx_map");
	announce_execs(t, 2, 0);
	announce_execs(t + P, 2, 0);
	announce_execs(t + 2 * P, 2, 0);
}

static void moved(void)
{
	uint8_t *m = victim_mmap(NULL, P, PROT_RWX, 0);
	uint8_t *dest = victim_mmap(NULL, 2 * P, PROT_NONE, 0);
	uint8_t *n;

	run(m, 13, 1, "wx_map");
	n = mremap(m, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, dest + P);
	if (n == MAP_FAILED)
		victim_die("mremap");
	/* Whether a moved page keeps its count is emt's choice; that it is
	 * still tracked, and captured when rewritten, is not. */
	run(n + 0x80, 14, 0, NULL);
	announce("execs pid=%d addr=%#lx n=1 from=any", (int)getpid(), (unsigned long)n);
	announce_execs(dest, 0, 0);
}

int main(void)
{
	announce_start();
	odd_length();
	reservation();
	partial_unmap();
	moved();
	printf("odd_maps sum %d\n", sum);
	return 0;
}
