/* SPDX-License-Identifier: MIT */
/*
 * A process whose main thread exits (pthread_exit) while its other threads
 * go on rewriting and running their own RWX pages. Its leader is then a
 * zombie that ptrace cannot seize, its /proc/PID/maps and /proc/PID/mem
 * empty: emt must work through the live threads.
 *
 * usage: leader_exit [-m] [-t SECONDS] [-n THREADS] [-e | -x]
 *   -e  the main thread exits at once, after "ready"
 *   -x  the main thread exits at SIGUSR2
 *   -n  how many threads run code (default 3)
 * The first thread runs until SIGUSR1 or SECONDS (default 30), then stops
 * the others, checks their results (with -m: every page is rwx again in
 * /proc/self/maps, emt has detached), prints "leader_exit ok" and exits 0.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#include "victim.h"

#define MAX_THREADS 64

static uint8_t *pages[MAX_THREADS];
static pthread_t threads[MAX_THREADS];
static int n_threads = 3, check_maps;
static double limit = 30;
static atomic_int stop;
static atomic_long errors;
static volatile sig_atomic_t got_usr1, got_usr2;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static void on_usr2(int sig)
{
	(void)sig;
	got_usr2 = 1;
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Through /proc/thread-self: /proc/self names the exited leader, whose
 * maps are empty. */
static int page_is_rwx(const void *addr)
{
	FILE *f = fopen("/proc/thread-self/maps", "re");
	unsigned long lo, hi, a = (unsigned long)addr;
	char line[512], perms[5];
	int rwx = 0;

	if (!f)
		victim_die("/proc/thread-self/maps");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && lo <= a && a < hi)
			rwx = strncmp(perms, "rwx", 3) == 0;
	fclose(f);
	return rwx;
}

/* The first thread: runs code until told, then ends the process. */
static void *finisher(void *arg)
{
	struct timespec t0;
	sigset_t usr1;
	int bad = 0;

	(void)arg;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint32_t v = 1; !got_usr1 && since(&t0) < limit; v++)
		if (run_slot(pages[0], v))
			atomic_fetch_add(&errors, 1);
	atomic_store(&stop, 1);
	for (int i = 1; i < n_threads; i++)
		pthread_join(threads[i], NULL);
	bad |= check_busy_pages(pages, n_threads, check_maps ? page_is_rwx : NULL,
				atomic_load(&errors));
	printf(bad ? "leader_exit FAILED\n" : "leader_exit ok\n");
	exit(bad);
}

static void *busy(void *arg)
{
	uint8_t *page = arg;

	for (uint32_t v = 1; !atomic_load_explicit(&stop, memory_order_relaxed); v++)
		if (run_slot(page, v))
			atomic_fetch_add(&errors, 1);
	return NULL;
}

static void parse(int argc, char **argv, int *when)
{
	int opt;

	while ((opt = getopt(argc, argv, "mt:n:ex")) != -1) {
		if (opt == 'm')
			check_maps = 1;
		else if (opt == 't')
			limit = atof(optarg);
		else if (opt == 'n')
			n_threads = atoi(optarg);
		else if (opt == 'e' || opt == 'x')
			*when = opt;
		else
			victim_fail("usage: leader_exit [-m] [-t SECONDS] [-n THREADS] [-e | -x]");
	}
	if (n_threads < 1 || n_threads > MAX_THREADS)
		victim_fail("-n: 1 to 64 threads");
}

int main(int argc, char **argv)
{
	sigset_t both, none;
	int when = 'e';

	parse(argc, argv, &when);
	on_signal_call(SIGUSR1, on_usr1);
	on_signal_call(SIGUSR2, on_usr2);
	/* Threads start with both blocked: SIGUSR1 is the first thread's,
	 * SIGUSR2 the main thread's. */
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGUSR2);
	sigprocmask(SIG_BLOCK, &both, NULL);
	announce_start();
	for (int i = 0; i < n_threads; i++) {
		pages[i] = map_rwx(VICTIM_PAGE);
		announce("page pid=%d addr=%#lx", (int)getpid(), (unsigned long)pages[i]);
	}
	for (int i = n_threads - 1; i >= 0; i--)
		if (pthread_create(&threads[i], NULL, i ? busy : finisher, pages[i]))
			victim_fail("pthread_create");
	announce_ready();
	sigemptyset(&none);
	sigaddset(&none, SIGUSR1);
	while (when == 'x' && !got_usr2)
		sigsuspend(&none);
	pthread_exit(NULL);
}
