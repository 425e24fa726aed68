/* SPDX-License-Identifier: MIT */
/*
 * Eight threads, each on its own page, flip it RW -> RWX and back as fast
 * as they can and run new code after every flip. emt sees a stream of
 * concurrent W+X mprotects of tracked pages (and, in launch mode, not the
 * RW ones: they do not stop in emt): each run must still be a capture, in
 * order, seq 1..N per page.
 *
 * usage: mprotect_storm [ROUNDS] (default 100)
 */
#include <pthread.h>
#include <stdatomic.h>

#include "victim.h"

#define THREADS 8

static unsigned long rounds = 100;
static uint8_t *pages[THREADS];
static atomic_long errors;
static long sums[THREADS];

static void *storm(void *arg)
{
	long t = (long)arg;
	uint8_t *page = pages[t];

	for (unsigned long i = 1; i <= rounds; i++) {
		uint8_t *fn = page + (i % 128) * 32;
		uint32_t want = (uint32_t)(t * 100000 + i);

		if (mprotect(page, VICTIM_PAGE, PROT_READ | PROT_WRITE) < 0)
			victim_die("mprotect RW");
		emit_ret_imm(fn, want);
		announce_code(page, i, "wx_map");
		if (mprotect(page, VICTIM_PAGE, PROT_RWX) < 0)
			victim_die("mprotect RWX");
		if (call_code(fn) != (int)want)
			atomic_fetch_add(&errors, 1);
		else
			sums[t] += want;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[THREADS];
	long t, total = 0;

	if (argc > 1)
		rounds = strtoul(argv[1], NULL, 0);
	if (rounds < 1 || rounds > 100000)
		victim_fail("usage: mprotect_storm [ROUNDS]");
	announce_start();
	for (t = 0; t < THREADS; t++) {
		pages[t] = map_rwx(VICTIM_PAGE);
		announce_execs(pages[t], rounds, 0);
	}
	for (t = 0; t < THREADS; t++)
		if (pthread_create(&th[t], NULL, storm, (void *)t))
			victim_fail("pthread_create");
	for (t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
		total += sums[t];
	}
	printf("mprotect storm: %d threads x %lu rounds, sum %ld, errors %ld\n", THREADS,
	       rounds, total, atomic_load(&errors));
	return atomic_load(&errors) ? 1 : 0;
}
