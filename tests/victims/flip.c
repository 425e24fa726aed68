/* SPDX-License-Identifier: MIT */
/*
 * A W^X-compliant JIT (LuaJIT, LLVM ORC, UPX unpackers): it never asks for
 * W+X, it writes RW pages and then mprotects them to R-X, N times (default
 * 2) with new code each time. emt tracks such flips unless told --only-wx:
 * N captures, origin flip, seq 1..N.
 *
 * usage: flip [N]
 */
#include "victim.h"

static int write_and_run(uint8_t *page, uint32_t imm, unsigned long seq)
{
	uint8_t *fn = page + (seq % 128) * 32;

	if (mprotect(page, VICTIM_PAGE, PROT_READ | PROT_WRITE) < 0)
		victim_die("mprotect RW");
	emit_ret_imm(fn, imm);
	announce_code(page, seq, "flip");
	if (mprotect(page, VICTIM_PAGE, PROT_READ | PROT_EXEC) < 0)
		victim_die("mprotect RX");
	return call_code(fn);
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 2, i;
	uint8_t *page;

	if (n < 1 || n > 100000)
		victim_fail("usage: flip [N]");
	announce_start();
	page = victim_mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_WRITE, 0);
	printf("flip");
	for (i = 1; i <= n; i++)
		printf(" %d", write_and_run(page, (uint32_t)(20 + i), i));
	printf("\n");
	announce_execs(page, n, 0);
	return 0;
}
