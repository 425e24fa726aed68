/* SPDX-License-Identifier: MIT */
/*
 * A long-running JIT to attach to (or to stop and continue from outside).
 *
 * usage: attach [-m] [-t SECONDS]
 *
 * Announces its pid and page, then "ready", then rewrites and runs its RWX
 * page every few milliseconds until SIGUSR1 or SECONDS (default 30) have
 * passed, checking every result. With -m it finally checks that the page is
 * still rwx in /proc/self/maps, and that it can still be written and run:
 * after emt detaches, the program must have exactly the protection it asked
 * for. Exit 0 when everything held, 1 when a check failed.
 */
#include <signal.h>
#include <time.h>

#include "victim.h"

static volatile sig_atomic_t done;

static void on_usr1(int sig)
{
	(void)sig;
	done = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_once(uint8_t *page, uint32_t i)
{
	uint8_t *fn = page + (i % 128) * 32;

	emit_ret_imm(fn, i);
	return call_code(fn) == (int)i ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct timespec nap = { 0, 5 * 1000 * 1000 };
	struct run_options o;
	double start;
	int bad = 0;
	char perms[5];
	uint32_t i;
	uint8_t *page;

	parse_run_options(argc, argv, "usage: attach [-m] [-t SECONDS]", &o);
	on_signal_call(SIGUSR1, on_usr1);
	announce_start();
	page = map_rwx(VICTIM_PAGE);
	announce("page pid=%d addr=%#lx", (int)getpid(), (unsigned long)page);
	bad |= run_once(page, 0);
	announce_ready();

	start = now();
	for (i = 1; !done && now() - start < o.limit; i++) {
		bad |= run_once(page, i);
		nanosleep(&nap, NULL);
	}

	if (o.check_maps) {
		if (maps_perms(page, perms) < 0) {
			printf("page not found in /proc/self/maps\n");
			bad = 1;
		} else if (strncmp(perms, "rwx", 3) != 0) {
			printf("page is %s in /proc/self/maps, not rwx\n", perms);
			bad = 1;
		}
	}
	bad |= run_once(page, 0xfeed);
	printf(bad ? "attach FAILED\n" : "attach ok\n");
	return bad ? 1 : 0;
}
