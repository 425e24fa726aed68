/* SPDX-License-Identifier: MIT */
/*
 * A 64-bit program making memory calls through the i386 ABI (int $0x80),
 * which a filter or a tracer reading only native numbers would let through
 * unread:
 *
 *   mmap2     mmap2(NULL, 4096, RWX): emt must arm it like a native mmap
 *   mprotect  a low RW page made RWX with i386 mprotect: armed too
 *   oldmmap   the old i386 mmap, whose arguments are a structure in
 *             memory: emt refuses it (ENOSYS) and reports it as blind
 *
 * The code written into the page is run and announced; it must be
 * captured. Output is the same natively and under emt.
 *
 * usage: abi_i386 mmap2|mprotect|oldmmap
 */
#include "victim.h"

#define I386_OLD_MMAP 90
#define I386_MPROTECT 125
#define I386_MMAP2 192

static long int80(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;

	/* int $0x80 from 64-bit code: ebx, ecx, edx, esi, edi, ebp; the
	 * kernel zeroes r8-r11 on the way back. */
	__asm__ volatile("push %%rbp\n\tmov %[f], %%rbp\n\tint $0x80\n\tpop %%rbp"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e), [f] "g"(f)
			 : "r8", "r9", "r10", "r11", "memory", "cc");
	return ret;
}

static void run_low(uint8_t *page, const char *origin)
{
	run_ret_imm(page, 386, 1, origin);
	announce_execs(page, 1, 0);
	printf("i386 %s: %d\n", origin, call_code(page));
}

static void via_mmap2(void)
{
	long p = int80(I386_MMAP2, 0, VICTIM_PAGE, PROT_RWX,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p < 0 && p > -4096)
		victim_fail("i386 mmap2 failed");
	announce_wx("mmap", (void *)p, VICTIM_PAGE);
	run_low((uint8_t *)p, "wx_map");
}

static void via_mprotect(void)
{
	uint8_t *p = mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	if (p == MAP_FAILED)
		victim_die("mmap MAP_32BIT");
	if (int80(I386_MPROTECT, (long)p, VICTIM_PAGE, PROT_RWX, 0, 0, 0) != 0)
		victim_fail("i386 mprotect failed");
	announce_wx("mprotect", p, VICTIM_PAGE);
	run_low(p, "wx_protect");
}

/* struct mmap_arg_struct of the old i386 mmap: six 32-bit words. */
static void via_old_mmap(void)
{
	static uint32_t args[6] = { 0, VICTIM_PAGE, PROT_RWX,
				    MAP_PRIVATE | MAP_ANONYMOUS, (uint32_t)-1, 0 };
	uint32_t *low = mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	long p;

	if (low == MAP_FAILED)
		victim_die("mmap MAP_32BIT");
	memcpy(low, args, sizeof(args));
	announce_blind("foreign_abi", NULL);
	p = int80(I386_OLD_MMAP, (long)low, 0, 0, 0, 0, 0);
	/* Refused under emt: then there is nothing to run. */
	if (!(p < 0 && p > -4096)) {
		uint8_t *page = (uint8_t *)p;

		emit_ret_imm(page, 90);
		announce_code(page, 1, "wx_map");
		if (call_code(page) != 90)
			victim_fail("old mmap page ran stale code");
	}
	printf("i386 old mmap: done\n");
}

int main(int argc, char **argv)
{
	if (argc != 2)
		victim_fail("usage: abi_i386 mmap2|mprotect|oldmmap");
	announce_start();
	if (strcmp(argv[1], "mmap2") == 0)
		via_mmap2();
	else if (strcmp(argv[1], "mprotect") == 0)
		via_mprotect();
	else if (strcmp(argv[1], "oldmmap") == 0)
		via_old_mmap();
	else
		victim_fail("usage: abi_i386 mmap2|mprotect|oldmmap");
	return 0;
}
