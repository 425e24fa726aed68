/* SPDX-License-Identifier: MIT */
/*
 * A program with an io_uring instance and generated code: io_uring's
 * kernel threads could write that code (a registered buffer stays pinned
 * whatever protection the page gets later; a write to /proc/self/mem or
 * to a mapped file makes no call emt sees with SQPOLL). emt must say so:
 * a blind event for the process, and one for a buffer registered over
 * the code page. The code itself is captured as usual.
 *
 * Prints "io_uring: unavailable" (natively too) when the kernel refuses.
 */
#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "victim.h"

int main(void)
{
	struct io_uring_params params = { 0 };
	struct iovec buf;
	uint8_t *page;
	int ring;

	announce_start();
	ring = (int)syscall(__NR_io_uring_setup, 4, &params);
	if (ring < 0) {
		printf("io_uring: unavailable\n");
		return 0;
	}
	announce_blind("io_uring", NULL);
	page = map_rwx(VICTIM_PAGE);
	run_ret_imm(page, 42, 1, "wx_map");
	buf = (struct iovec){ page, VICTIM_PAGE };
	announce_blind("io_uring", page);
	if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS, &buf, 1) < 0)
		victim_die("io_uring_register");
	/* Pinned for writing, the page was made writable again: its next
	 * run is captured again. */
	announce_code(page, 2, "wx_map");
	announce_execs(page, 2, 0);
	printf("io_uring: %d\n", call_code(page));
	return 0;
}
