/* SPDX-License-Identifier: MIT */
/*
 * A stack that traps an unwinder: generated code is called with the stack
 * pointer at the top of a page whose next page is registered with a
 * userfaultfd for missing pages, and nobody answers it. Unwinding past the
 * caller reads that page (the caller's frame lies above the return
 * address): a read that waits for a missing page (process_vm_readv) waits
 * for ever; one through /proc/PID/mem fails at once. Announces the page of
 * code (seq 1). Prints "uffd: unavailable" (natively too) when userfaultfd
 * is refused.
 */
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "victim.h"

/* The call made with the stack at top; the return address is the last
 * word below it, the caller's frame (as its CFI sees it) above. */
static __attribute__((noinline)) int call_on_stack(void *code, void *top)
{
	int ret;

	__asm__ volatile("mov %%rsp, %%r12\n\t"
			 "mov %[top], %%rsp\n\t"
			 "call *%[code]\n\t"
			 "mov %%r12, %%rsp\n\t"
			 : "=a"(ret)
			 : [code] "r"(code), [top] "r"(top)
			 : "r12", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory",
			   "cc");
	return ret;
}

int main(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	uint8_t *stack, *code;
	int uffd;

	announce_start();
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) < 0) {
		printf("uffd: unavailable\n");
		return 0;
	}
	stack = victim_mmap(NULL, 2 * VICTIM_PAGE, PROT_READ | PROT_WRITE, 0);
	reg = (struct uffdio_register){ .range = { (uintptr_t)stack + VICTIM_PAGE, VICTIM_PAGE },
					.mode = UFFDIO_REGISTER_MODE_MISSING };
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0)
		victim_die("UFFDIO_REGISTER");
	memset(stack, 0, VICTIM_PAGE); /* the lower page is there */
	code = map_rwx(VICTIM_PAGE);
	emit_ret_imm(code, 31);
	announce_code(code, 1, "wx_map");
	announce_execs(code, 1, 0);
	printf("result %d\n", call_on_stack(code, stack + VICTIM_PAGE));
	return 0;
}
