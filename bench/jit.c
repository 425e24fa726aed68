/* SPDX-License-Identifier: MIT */
/* A JIT that appends small functions one after another to a large RWX
 * buffer and calls each right after writing it, as HotSpot and V8 do with
 * their code caches.
 *
 *   jit N [MiB]   N functions of 64 bytes in a buffer of MiB (default 128)
 *
 * Under emt a new function usually lands in the page the previous one ran
 * from: one write fault (page back to RW) and one exec fault (capture of
 * that page, back to RX) per function. Prints "NS_PER_FUNCTION CHECK". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define FN_SIZE 64

typedef uint32_t (*gen_fn)(void);

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* A 64-byte function: mov eax, imm32; add eax, 1; ret; int3 padding, so a
 * runaway jump past the end traps instead of running the next function. */
static void emit_fn(uint8_t *p, uint32_t imm)
{
	uint8_t code[FN_SIZE];

	memset(code, 0xcc, sizeof(code));
	code[0] = 0xb8;
	memcpy(code + 1, &imm, sizeof(imm));
	code[5] = 0x83;	/* add eax, 1 */
	code[6] = 0xc0;
	code[7] = 0x01;
	code[8] = 0xc3;
	memcpy(p, code, sizeof(code));
	__asm__ volatile("" ::: "memory");
}

static uint32_t call_gen(uint8_t *p)
{
	gen_fn fn;

	memcpy(&fn, &p, sizeof(fn));
	return fn();
}

int main(int argc, char **argv)
{
	unsigned long i, n, mib, check = 0;
	size_t len;
	uint8_t *buf;
	double t0, t1;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: jit N [MiB]\n");
		return 2;
	}
	n = strtoul(argv[1], NULL, 0);
	mib = argc == 3 ? strtoul(argv[2], NULL, 0) : 128;
	len = (size_t)mib << 20;
	if (n == 0 || n > len / FN_SIZE) {
		fprintf(stderr, "jit: N must be 1..%zu\n", len / FN_SIZE);
		return 2;
	}
	/* Reserved, not committed: only the pages written are ever touched. */
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE | PROT_EXEC,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED) {
		perror("jit: mmap");
		return 1;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		emit_fn(buf + i * FN_SIZE, (uint32_t)i);
		check += call_gen(buf + i * FN_SIZE);
	}
	t1 = now_ns();
	printf("%.1f %lu\n", (t1 - t0) / (double)n, check);
	return check == n * (n + 1) / 2 ? 0 : 1;
}
