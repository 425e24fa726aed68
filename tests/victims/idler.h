/* SPDX-License-Identifier: MIT */
/*
 * A second thread that only sleeps: with it the process's memory is shared
 * by several threads, which changes how emt flips pages (it makes the flip
 * itself and steps the faulting instruction).
 */
#ifndef EMT_TEST_IDLER_H
#define EMT_TEST_IDLER_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "victim.h"

static atomic_int idler_quit;
static pthread_t idler_thread;

static void *idler_main(void *arg)
{
	struct timespec nap = { 0, 1000 * 1000 };

	(void)arg;
	while (!atomic_load(&idler_quit))
		nanosleep(&nap, NULL);
	return NULL;
}

static inline void idler_start(void)
{
	if (pthread_create(&idler_thread, NULL, idler_main, NULL))
		victim_fail("pthread_create");
}

static inline void idler_stop(void)
{
	atomic_store(&idler_quit, 1);
	pthread_join(idler_thread, NULL);
}

#endif
