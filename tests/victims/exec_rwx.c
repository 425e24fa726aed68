/* SPDX-License-Identifier: MIT */
/*
 * A program with a writable and executable PT_LOAD segment (as ld -N or a
 * section declared "awx" make): its pages are W+X from execve on, with no
 * call asking for it. Code written there is run twice, rewritten between:
 * two captures, seq 1 and 2, origin exec_image.
 */
#include "victim.h"

/* The '#' comments out the flags gcc appends, so the section is "awx". */
__attribute__((section(".wxbuf,\"awx\",@progbits #"), aligned(4096)))
uint8_t wxbuf[2 * 4096] = { 1 };

int main(void)
{
	uint8_t *page = wxbuf + VICTIM_PAGE;

	announce_start();
	run_ret_imm(page, 11, 1, "exec_image");
	run_ret_imm(page + 64, 22, 2, "exec_image");
	announce_execs(page, 2, 0);
	printf("rwx segment: %d %d\n", call_code(page), call_code(page + 64));
	return 0;
}
