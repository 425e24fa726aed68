/* SPDX-License-Identifier: MIT */
/*
 * A W^X-compliant JIT (LuaJIT, LLVM ORC, UPX unpackers): it never asks for
 * W+X, it writes RW pages and then mprotects them to R-X, twice. emt tracks
 * such flips unless told --only-wx: two captures, origin flip.
 */
#include "victim.h"

static int write_and_run(uint8_t *page, uint32_t imm, unsigned long seq)
{
	if (mprotect(page, VICTIM_PAGE, PROT_READ | PROT_WRITE) < 0)
		victim_die("mprotect RW");
	emit_ret_imm(page + seq * 32, imm);
	announce_code(page, seq, "flip");
	if (mprotect(page, VICTIM_PAGE, PROT_READ | PROT_EXEC) < 0)
		victim_die("mprotect RX");
	return call_code(page + seq * 32);
}

int main(void)
{
	uint8_t *page;
	int a, b;

	announce_start();
	page = victim_mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_WRITE, 0);
	a = write_and_run(page, 21, 1);
	b = write_and_run(page, 22, 2);
	announce_execs(page, 2, 0);
	printf("flip %d %d\n", a, b);
	return 0;
}
