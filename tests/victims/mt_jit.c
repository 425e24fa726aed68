/* SPDX-License-Identifier: MIT */
/*
 * A multi-threaded JIT in one page: a compiler thread appends small
 * functions to a shared RWX buffer while three other threads keep running
 * the functions already published, as HotSpot and V8 do. Every write lands
 * next to code that is running, in the same page: emt must keep both sides
 * working, and its last capture of the page must be the finished buffer.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "victim.h"

#define NFUNCS 200
#define SLOT 16
#define RUNNERS 3

static uint8_t *buf;
static atomic_int published;
static atomic_int writer_done;
static atomic_long errors;
static long sums[RUNNERS];

static uint32_t value_of(int k)
{
	return (uint32_t)(7 * k + 1);
}

static void *writer(void *arg)
{
	struct timespec nap = { 0, 100 * 1000 };

	(void)arg;
	for (int k = 0; k < NFUNCS; k++) {
		emit_ret_imm(buf + k * SLOT, value_of(k));
		atomic_store_explicit(&published, k + 1, memory_order_release);
		nanosleep(&nap, NULL);
	}
	announce_last(buf);
	atomic_store_explicit(&writer_done, 1, memory_order_release);
	return NULL;
}

static long run_all(int n)
{
	long sum = 0;

	for (int j = 0; j < n; j++) {
		int got = ((victim_fn)(void *)(buf + j * SLOT))();

		if (got != (int)value_of(j))
			atomic_fetch_add(&errors, 1);
		sum += got;
	}
	return sum;
}

static void *runner(void *arg)
{
	long *sum = arg;

	while (!atomic_load_explicit(&writer_done, memory_order_acquire))
		run_all(atomic_load_explicit(&published, memory_order_acquire));
	/* The writer is done: one full pass, the same in every run. */
	*sum = run_all(NFUNCS);
	return NULL;
}

int main(void)
{
	pthread_t w, r[RUNNERS];
	long checksum = 0;
	int i;

	announce_start();
	buf = map_rwx(VICTIM_PAGE);
	announce_execs(buf, 1, 1);
	for (i = 0; i < RUNNERS; i++)
		if (pthread_create(&r[i], NULL, runner, &sums[i]))
			victim_fail("pthread_create");
	if (pthread_create(&w, NULL, writer, NULL))
		victim_fail("pthread_create");
	pthread_join(w, NULL);
	for (i = 0; i < RUNNERS; i++) {
		pthread_join(r[i], NULL);
		checksum += sums[i];
	}
	printf("mt_jit functions %d checksum %ld errors %ld\n", NFUNCS, checksum,
	       atomic_load(&errors));
	return atomic_load(&errors) ? 1 : 0;
}
