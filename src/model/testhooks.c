/* SPDX-License-Identifier: MIT */
/*
 * Faults the test suite injects, from emt's own environment (the traced
 * program cannot set it), so that what emt does when memory runs out can
 * be seen: EMT_TEST_FAIL_REGIONS=N makes allocation number N (from 0) of
 * the region maps and views fail, N+ every allocation from number N on. When one
 * fails, the file EMT_TEST_FAILED names is created, if it is set.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "monitor.h"
#include "model/model.h"
#include "model/regions_node.h"

static long fail_from, fail_to;
static long allocated;
static const char *failed_mark;

static void *fail_some(size_t size)
{
	long n = __atomic_fetch_add(&allocated, 1, __ATOMIC_RELAXED);
	int fd;

	if (n < fail_from || n > fail_to)
		return malloc(size);
	if (failed_mark && (fd = open(failed_mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0)
		close(fd);
	return NULL;
}

void testhooks_from_env(void)
{
	const char *n = getenv("EMT_TEST_FAIL_REGIONS");
	char *end;

	if (!n || !*n)
		return;
	fail_from = fail_to = strtol(n, &end, 10);
	if (*end == '+')
		fail_to = __LONG_MAX__;
	failed_mark = getenv("EMT_TEST_FAILED");
	regions_alloc_hook = fail_some;
}
