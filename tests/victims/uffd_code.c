/* SPDX-License-Identifier: MIT */
/*
 * Code put in place by a userfaultfd handler thread: an RWX region is
 * registered for missing pages; the main thread jumps into it; the
 * handler fills the page with UFFDIO_COPY from a page of code prepared
 * elsewhere. Then the page is discarded (MADV_DONTNEED) and filled again
 * with other code. Both runs must be captured.
 *
 * Prints "uffd: unavailable" (natively too) when userfaultfd is refused.
 */
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "victim.h"

static int uffd;
static uint8_t *region, *source;
static volatile uint32_t next_imm;

static void *handler(void *arg)
{
	struct uffd_msg msg;

	(void)arg;
	for (int served = 0; served < 2;) {
		struct pollfd pfd = { uffd, POLLIN, 0 };

		if (poll(&pfd, 1, 10000) <= 0)
			victim_fail("no page fault came to the handler");
		if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
		    msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		emit_ret_imm(source, next_imm);
		struct uffdio_copy cp = { .dst = msg.arg.pagefault.address & ~(VICTIM_PAGE - 1),
					  .src = (uintptr_t)source, .len = VICTIM_PAGE };
		if (ioctl(uffd, UFFDIO_COPY, &cp) < 0)
			victim_die("UFFDIO_COPY");
		served++;
	}
	return NULL;
}

static int setup(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;

	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) < 0)
		return -1;
	region = map_rwx(VICTIM_PAGE);
	source = mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	reg = (struct uffdio_register){ .range = { (uintptr_t)region, VICTIM_PAGE },
					.mode = UFFDIO_REGISTER_MODE_MISSING };
	if (source == MAP_FAILED || ioctl(uffd, UFFDIO_REGISTER, &reg) < 0)
		victim_die("UFFDIO_REGISTER");
	return 0;
}

/* The page the handler will make: hashed beforehand, as it will be. */
static void expect(uint32_t imm, unsigned long seq, const char *origin)
{
	uint8_t page[VICTIM_PAGE] = { 0 };

	emit_ret_imm(page, imm);
	next_imm = imm;
	announce_code_as(region, page, seq, origin);
}

int main(void)
{
	pthread_t th;

	announce_start();
	if (setup() < 0) {
		printf("uffd: unavailable\n");
		return 0;
	}
	pthread_create(&th, NULL, handler, NULL);
	expect(21, 1, "wx_map");
	printf("first: %d\n", call_code(region));
	if (madvise(region, VICTIM_PAGE, MADV_DONTNEED) < 0)
		victim_die("madvise");
	expect(22, 2, "kernel_write");
	printf("second: %d\n", call_code(region));
	pthread_join(th, NULL);
	announce_execs(region, 2, 0);
	return 0;
}
