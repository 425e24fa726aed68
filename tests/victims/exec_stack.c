/* SPDX-License-Identifier: MIT */
/*
 * Linked with -z execstack: the stack is writable and executable from
 * execve on, with no call asking for it. Code written into a buffer on
 * the stack is run, then code in a buffer far below, in stack pages the
 * kernel adds as the stack grows. Both must be captured (origin
 * exec_image); the program must not notice emt.
 */
#include <alloca.h>

#include "victim.h"

static int run_on_stack(uint8_t *buf, uint32_t imm)
{
	uint8_t *page = page_of(buf);

	/* The code goes at the start of a page of its own in the buffer. */
	if (page < buf)
		page += VICTIM_PAGE;
	run_ret_imm(page, imm, 1, "exec_image");
	announce_execs(page, 1, 0);
	return call_code(page);
}

/* Far below: the stack has to grow to reach it. */
static __attribute__((noinline)) int deep(void)
{
	uint8_t *buf = alloca(2 * 1024 * 1024);

	memset(buf, 0, 64);
	return run_on_stack(buf, 2);
}

int main(void)
{
	uint8_t buf[2 * VICTIM_PAGE];

	announce_start();
	printf("near: %d\n", run_on_stack(buf, 1));
	printf("far: %d\n", deep());
	return 0;
}
