/* SPDX-License-Identifier: MIT */
/* W->X->W cycles on one page: write "mov eax, i; ret", call it, repeat.
 *
 *   cycle wx N         the page is mapped RWX once (what emt intercepts:
 *                      under emt each round is one write fault and one
 *                      exec fault)
 *   cycle mprotect N   the page is RW; each round writes, mprotects it RX,
 *                      calls, mprotects it RW again: what a W^X-compliant
 *                      JIT pays natively for the same work (reference)
 *
 * Prints "NS_PER_CYCLE CHECK" on stdout; CHECK is the sum of the values the
 * generated code returned and must match between native and emt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

typedef uint32_t (*gen_fn)(void);

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* mov eax, imm32 (b8 imm32); ret (c3). */
static void emit_ret_imm(uint8_t *p, uint32_t imm)
{
	p[0] = 0xb8;
	memcpy(p + 1, &imm, sizeof(imm));
	p[5] = 0xc3;
	/* The call below goes through a pointer the compiler cannot see
	 * into: keep it from sinking or dropping the stores. */
	__asm__ volatile("" ::: "memory");
}

static uint32_t call_gen(uint8_t *p)
{
	gen_fn fn;

	memcpy(&fn, &p, sizeof(fn));
	return fn();
}

static int protect(uint8_t *p, size_t len, int prot)
{
	if (mprotect(p, len, prot) != 0) {
		perror("cycle: mprotect");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned long i, n, check = 0;
	int flip;
	uint8_t *p;
	double t0, t1;

	if (argc != 3 || (strcmp(argv[1], "wx") && strcmp(argv[1], "mprotect"))) {
		fprintf(stderr, "usage: cycle wx|mprotect N\n");
		return 2;
	}
	flip = strcmp(argv[1], "mprotect") == 0;
	n = strtoul(argv[2], NULL, 0);
	p = mmap(NULL, page, PROT_READ | PROT_WRITE | (flip ? 0 : PROT_EXEC),
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("cycle: mmap");
		return 1;
	}
	t0 = now_ns();
	for (i = 1; i <= n; i++) {
		emit_ret_imm(p, (uint32_t)i);
		if (flip && protect(p, page, PROT_READ | PROT_EXEC))
			return 1;
		check += call_gen(p);
		if (flip && protect(p, page, PROT_READ | PROT_WRITE))
			return 1;
	}
	t1 = now_ns();
	printf("%.1f %lu\n", n ? (t1 - t0) / (double)n : 0.0, check);
	return check == n * (n + 1) / 2 ? 0 : 1;
}
