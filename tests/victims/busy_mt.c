/* SPDX-License-Identifier: MIT */
/*
 * Four threads rewriting and running their own RWX page without pause, to
 * attach to and detach from while they run: the detach lands in the middle
 * of write faults, exec faults and flips of several threads at once.
 *
 * usage: busy_mt [-m] [-t SECONDS]
 *
 * Announces its pages and "ready", then runs until SIGUSR1 or SECONDS
 * (default 30), checking every result. With -m it then checks that every
 * page is rwx again in /proc/self/maps (emt has detached); every page must
 * still be writable and run. Prints a result that does not depend on
 * timing; exit 0 when everything held.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#include "victim.h"

#define THREADS 4

static uint8_t *pages[THREADS];
static atomic_int stop;
static atomic_long errors;
static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static void *busy(void *arg)
{
	uint8_t *page = arg;

	for (uint32_t v = 1; !atomic_load_explicit(&stop, memory_order_relaxed); v++)
		if (run_slot(page, v))
			atomic_fetch_add(&errors, 1);
	return NULL;
}

static int page_is_rwx(const void *addr)
{
	char perms[5];

	return maps_perms(addr, perms) == 0 && strncmp(perms, "rwx", 3) == 0;
}

int main(int argc, char **argv)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 }, t0, t;
	pthread_t th[THREADS];
	struct run_options o;
	int i, bad = 0;

	parse_run_options(argc, argv, "usage: busy_mt [-m] [-t SECONDS]", &o);
	on_signal_call(SIGUSR1, on_usr1);
	announce_start();
	for (i = 0; i < THREADS; i++) {
		pages[i] = map_rwx(VICTIM_PAGE);
		announce("page pid=%d addr=%#lx", (int)getpid(), (unsigned long)pages[i]);
		if (pthread_create(&th[i], NULL, busy, pages[i]))
			victim_fail("pthread_create");
	}
	announce_ready();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (!got_usr1 && (double)(t.tv_sec - t0.tv_sec) < o.limit);
	atomic_store(&stop, 1);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);

	bad |= check_busy_pages(pages, THREADS, o.check_maps ? page_is_rwx : NULL,
				atomic_load(&errors));
	printf(bad ? "busy FAILED\n" : "busy ok\n");
	return bad;
}
