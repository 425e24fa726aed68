/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the set of traced processes (src/traced.c), which the
 * user's thread reads while the tracer changes it. TAP output; exit
 * status 1 if any failed.
 */
#include <pthread.h>
#include <stdio.h>

#include "monitor.h"
#include "model/model.h"

static int n_test, n_failed;

static void check(bool ok, const char *what)
{
	n_test++;
	if (!ok)
		n_failed++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", n_test, what);
}

static void basics(void)
{
	struct traced_set *s = traced_new();

	check(s != NULL, "a new set");
	check(!traced_has(s, 100), "an unknown process is not traced");
	check(traced_add(s, 100) == 0 && traced_has(s, 100), "an added process is");
	check(!traced_has(s, 100 + 1024), "a process of the same bucket is not");
	traced_gone(s, 100);
	check(traced_has(s, 100), "an ended process still counts, within the grace");
	traced_add(s, 100);
	traced_gone(s, 100);
	traced_gone(s, 100);
	check(traced_has(s, 100), "added again, ended twice: still known");
	traced_free(s);
}

/* A fork storm: many processes come and go; the prunes they set off keep
 * every one that ended within the grace. */
static void storm(void)
{
	struct traced_set *s = traced_new();
	bool all = true;

	for (pid_t p = 1; p <= 20000; p++) {
		traced_add(s, p);
		traced_gone(s, p);
	}
	for (pid_t p = 1; p <= 20000 && all; p++)
		all = traced_has(s, p);
	check(all, "20000 ended processes all still known within the grace");
	traced_free(s);
}

struct reader {
	struct traced_set *s;
	volatile bool stop;
	bool saw_wrong;
};

/* Process 1 stays traced throughout: a reader must never miss it while
 * the writer changes the buckets around it. */
static void *read_loop(void *arg)
{
	struct reader *r = arg;

	while (!r->stop)
		if (!traced_has(r->s, 1))
			r->saw_wrong = true;
	return NULL;
}

static void concurrent(void)
{
	struct reader r = { .s = traced_new() };
	pthread_t th;

	traced_add(r.s, 1);
	pthread_create(&th, NULL, read_loop, &r);
	for (pid_t p = 2; p < 50000; p++) {
		traced_add(r.s, p);
		traced_gone(r.s, p - 1 > 1 ? p - 1 : 2);
	}
	r.stop = true;
	pthread_join(th, NULL);
	check(!r.saw_wrong, "read while the tracer changes the set");
	traced_free(r.s);
}

int main(void)
{
	basics();
	storm();
	concurrent();
	printf("1..%d\n", n_test);
	return n_failed ? 1 : 0;
}
