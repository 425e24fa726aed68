/* SPDX-License-Identifier: MIT */
/*
 * What glibc does to make the stack executable (a library that needs it):
 * mprotect(one stack page, RWX | PROT_GROWSDOWN), which the kernel applies
 * down to the start of the stack mapping, and to what the stack grows
 * into later. Code is then run from a buffer in the page given, from one
 * far below it (in the pages the mprotect reached without naming them),
 * and from one further down the stack, in pages it grows into. All three
 * must be captured (origin wx_protect).
 */
#include <alloca.h>

#include "victim.h"

static int run_at(uint8_t *buf, uint32_t imm)
{
	uint8_t *page = page_of(buf) + VICTIM_PAGE;

	run_ret_imm(page, imm, 1, "wx_protect");
	announce_execs(page, 1, 0);
	return call_code(page);
}

static __attribute__((noinline)) int deep(size_t depth, uint32_t imm)
{
	uint8_t *buf = alloca(depth);

	memset(buf, 0, 64);
	return run_at(buf, imm);
}

int main(void)
{
	uint8_t here[3 * VICTIM_PAGE];
	uint8_t *page = page_of(here + VICTIM_PAGE);

	announce_start();
	memset(here, 0, sizeof(here));
	if (mprotect(page, VICTIM_PAGE, PROT_RWX | PROT_GROWSDOWN) < 0)
		victim_die("mprotect PROT_GROWSDOWN");
	printf("here: %d\n", run_at(here, 1));
	printf("below: %d\n", deep(64 * 1024, 2));
	printf("grown: %d\n", deep(4 * 1024 * 1024, 3));
	return 0;
}
