/* SPDX-License-Identifier: MIT */
/*
 * Writers and runners of one page: two marker threads bump a counter that
 * sits in the same page as a function two runner threads keep calling, as
 * HotSpot's GC threads claim an nmethod whose code Java threads run. Every
 * marker write needs the page writable, every run needs it executable: a
 * write fault of one thread is often handled after another thread's flip
 * already gave the page the right it faulted on, again and again from the
 * same instruction. emt must never pass such a fault to the program (it
 * would die of a SIGSEGV it did not cause) nor let the threads starve.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "victim.h"

#define MARKERS 2
#define RUNNERS 2
#define MARKS 2000
#define COUNTER_OFFSET 2048

static uint8_t *page;
static atomic_int markers_done;
static atomic_long errors;
static atomic_long runs;

/* One instruction does every write (lock add), so the faults of a marker
 * all come from the same place. */
static void mark(_Atomic uint64_t *counter)
{
	atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

static void *marker(void *arg)
{
	_Atomic uint64_t *counter = (_Atomic uint64_t *)(void *)(page + COUNTER_OFFSET);

	(void)arg;
	for (int i = 0; i < MARKS; i++) {
		long seen = atomic_load(&runs);

		mark(counter);
		/* Let the page run between two marks: every mark is a write
		 * to a page that ran since the last one. */
		while (atomic_load(&runs) == seen)
			sched_yield();
	}
	atomic_fetch_add(&markers_done, 1);
	return NULL;
}

static void *runner(void *arg)
{
	(void)arg;
	while (atomic_load(&markers_done) < MARKERS) {
		if (call_code(page) != 42)
			atomic_fetch_add(&errors, 1);
		atomic_fetch_add(&runs, 1);
	}
	return NULL;
}

int main(void)
{
	pthread_t m[MARKERS], r[RUNNERS];
	uint64_t total;
	int i;

	announce_start();
	page = map_rwx(VICTIM_PAGE);
	emit_ret_imm(page, 42);
	/* Each run of the page after a marker wrote it is a new version. */
	announce_execs(page, 1, 1);
	for (i = 0; i < RUNNERS; i++)
		if (pthread_create(&r[i], NULL, runner, NULL))
			victim_fail("pthread_create");
	for (i = 0; i < MARKERS; i++)
		if (pthread_create(&m[i], NULL, marker, NULL))
			victim_fail("pthread_create");
	for (i = 0; i < MARKERS; i++)
		pthread_join(m[i], NULL);
	for (i = 0; i < RUNNERS; i++)
		pthread_join(r[i], NULL);
	memcpy(&total, page + COUNTER_OFFSET, sizeof(total));
	printf("mark_and_run marks %llu errors %ld result %d\n", (unsigned long long)total,
	       atomic_load(&errors), call_code(page));
	return total == (uint64_t)MARKERS * MARKS && !atomic_load(&errors) ? 0 : 1;
}
