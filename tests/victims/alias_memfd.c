/* SPDX-License-Identifier: MIT */
/*
 * Two views of one memfd page, as a JIT under a no-W+X policy makes them
 * (libffi, hardened JITs): MAP_SHARED read-write to write the code,
 * MAP_SHARED read-exec to run it. Neither view is ever W+X and the
 * executable one is never written through: emt must catch the writes made
 * through the other view. N rounds of patch-then-run, each a capture of the
 * executable page: seq 1..N, the first of a fresh exec mapping, the others
 * written through the writable view.
 *
 * usage: alias_memfd [N] (default 10)
 */
#include "victim.h"

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 10, i, sum = 0;
	uint8_t *w, *x;
	int fd;

	if (n < 1 || n > 10000)
		victim_fail("usage: alias_memfd [N]");
	announce_start();
	fd = memfd_create("emt-alias", MFD_CLOEXEC);
	if (fd < 0)
		victim_die("memfd_create");
	if (ftruncate(fd, VICTIM_PAGE) < 0)
		victim_die("ftruncate");
	w = mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	x = mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	if (w == MAP_FAILED || x == MAP_FAILED)
		victim_die("mmap");
	for (i = 1; i <= n; i++) {
		size_t at = (i % 64) * 32;
		uint32_t want = (uint32_t)(i * 5);
		int got;

		emit_ret_imm(w + at, want);
		if (i == 1)
			announce_code(x, i, "exec_map");
		else
			announce_code_via(x, i, "alias", w);
		got = call_code(x + at);
		if (got != (int)want)
			victim_fail("the executable view ran stale code");
		sum += (unsigned long)got;
	}
	announce_execs(x, n, 0);
	announce_execs(w, 0, 0);
	printf("alias memfd: %lu rounds, sum %lu\n", n, sum);
	return 0;
}
