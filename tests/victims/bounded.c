/* SPDX-License-Identifier: MIT */
/*
 * State emt must keep bounded: an RWX buffer of MB MiB whose every other
 * page is run (each page a state of its own in emt's map: MB * 128
 * regions), then rewritten and run again, then 50 forked children that
 * each run one more page and exit, 10 alive at a time. Announces how long
 * each part took ("times pages=N run=S rerun=S forks=S"), prints the
 * checksum.
 *
 * usage: bounded MB
 */
#include <sys/wait.h>
#include <time.h>

#include "victim.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t max_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "re");
	unsigned long n = 65530;

	if (f) {
		if (fscanf(f, "%lu", &n) != 1)
			n = 65530;
		fclose(f);
	}
	return n;
}

static unsigned long pass(uint8_t *buf, size_t pages, uint32_t imm)
{
	unsigned long sum = 0;

	for (size_t i = 0; i < pages; i += 2) {
		emit_ret_imm(buf + i * VICTIM_PAGE, imm);
		sum += (unsigned long)call_code(buf + i * VICTIM_PAGE);
	}
	return sum;
}

static void children(uint8_t *buf, size_t pages)
{
	int st;

	for (int i = 0; i < 50; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			uint8_t *p = buf + ((size_t)(i * 2 + 1) % pages) * VICTIM_PAGE;

			emit_ret_imm(p, 3);
			_exit(call_code(p) == 3 ? 0 : VICTIM_BROKEN);
		}
		if (pid < 0)
			victim_die("fork");
		if (i >= 9 && wait(&st) < 0)
			victim_die("wait");
	}
	while (wait(&st) > 0)
		;
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	size_t pages = mb * 256;
	uint8_t *buf;
	unsigned long sum;
	double t0, t1, t2;

	announce_start();
	/* Every page run alone is a mapping of its own under emt: past the
	 * kernel's limit on mappings emt says it cannot arm more. */
	if (pages > max_map_count())
		announce_blind("unenforceable", NULL);
	buf = victim_mmap(NULL, pages * VICTIM_PAGE, PROT_RWX, MAP_NORESERVE);
	t0 = now();
	sum = pass(buf, pages, 1);
	t1 = now();
	sum += pass(buf, pages, 2);
	t2 = now();
	children(buf, pages);
	announce("times pages=%zu run=%.3f rerun=%.3f forks=%.3f", pages / 2, t1 - t0,
		 t2 - t1, now() - t2);
	printf("bounded %zu MiB: %lu\n", mb, sum);
	return 0;
}
