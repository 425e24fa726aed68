/* SPDX-License-Identifier: MIT */
/*
 * jit_demo: a tiny JIT, the kind of program emt is for. It generates
 * machine code at run time in two common ways, runs it, rewrites one
 * function and runs it again:
 *
 *   - a page mapped writable and executable at once (as PCRE2's JIT or
 *     libffi do): add(a, b), later rewritten in place as mul(a, b);
 *   - a page written while read-write, then made read-execute (a W^X
 *     JIT, as LuaJIT does): sum(n) = 1 + 2 + ... + n, a loop.
 *
 * The output depends on nothing but the code, so that a run under emt
 * can be compared with a run without it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096

typedef int (*binary_fn)(int, int);
typedef int (*unary_fn)(int);

static const uint8_t add_code[] = {
	0x89, 0xf8,             /* mov  eax, edi */
	0x01, 0xf0,             /* add  eax, esi */
	0xc3,                   /* ret */
};

static const uint8_t mul_code[] = {
	0x89, 0xf8,             /* mov  eax, edi */
	0x0f, 0xaf, 0xc6,       /* imul eax, esi */
	0xc3,                   /* ret */
};

static const uint8_t sum_code[] = {
	0x31, 0xc0,             /* xor  eax, eax */
	0x85, 0xff,             /* test edi, edi */
	0x7e, 0x06,             /* jle  done */
	0x01, 0xf8,             /* loop: add eax, edi */
	0xff, 0xcf,             /* dec  edi */
	0x75, 0xfa,             /* jnz  loop */
	0xc3,                   /* done: ret */
};

static void *map_page(int prot)
{
	void *p = mmap(NULL, PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("jit_demo: mmap");
		exit(1);
	}
	return p;
}

/* Copies code into place; the barrier keeps the compiler from moving the
 * stores past a later call through a pointer to the same memory. */
static void emit(void *where, const uint8_t *code, size_t len)
{
	memcpy(where, code, len);
	__asm__ volatile("" ::: "memory");
}

static binary_fn as_binary(void *p) { return (binary_fn)p; }
static unary_fn as_unary(void *p) { return (unary_fn)p; }

static int run_rwx_page(void)
{
	void *rwx = map_page(PROT_READ | PROT_WRITE | PROT_EXEC);

	emit(rwx, add_code, sizeof(add_code));
	printf("add(2, 3) = %d\n", as_binary(rwx)(2, 3));
	printf("add(40, 2) = %d\n", as_binary(rwx)(40, 2));

	emit(rwx, mul_code, sizeof(mul_code));
	printf("rewrote add as mul\n");
	printf("mul(6, 7) = %d\n", as_binary(rwx)(6, 7));
	return munmap(rwx, PAGE);
}

static int run_wx_page(void)
{
	void *page = map_page(PROT_READ | PROT_WRITE);

	emit(page, sum_code, sizeof(sum_code));
	if (mprotect(page, PAGE, PROT_READ | PROT_EXEC) < 0) {
		perror("jit_demo: mprotect");
		return -1;
	}
	printf("sum(1..10) = %d\n", as_unary(page)(10));
	printf("sum(1..100) = %d\n", as_unary(page)(100));
	return munmap(page, PAGE);
}

int main(void)
{
	if (run_rwx_page() < 0 || run_wx_page() < 0)
		return 1;
	return 0;
}
