/* SPDX-License-Identifier: MIT */
/*
 * The window of attach mode's call watcher: emt sees a call only after the
 * kernel made it, and holds only the calling thread until then. Does
 * another thread run what the call made executable before emt arms it?
 *
 * Each round, the main thread writes "mov eax, ROUND; ret" into a page the
 * program keeps writable only, makes it writable and executable with
 * mprotect, waits until a sibling has run it, and makes it writable only
 * again. The sibling calls into the page without pause: a SIGSEGV while the
 * page is not executable yet is the program's own, caught, and the call
 * made again. Every round's code runs exactly once.
 *
 * Under emt each round's code is captured when it runs after emt armed the
 * page; a round whose code ran in the window is not (the harness counts the
 * captures). Prints "window: N rounds, each ran once" and exits 0.
 *
 * usage: window [ROUNDS]   (default 2000)
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>

#include "victim.h"

static uint8_t *page;
static atomic_int round_now;  /* the round whose code is in the page */
static atomic_int ran;        /* the last round the sibling ran */
static atomic_int stop;
static sigjmp_buf retry;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(retry, 1);
}

static void *sibling(void *arg)
{
	struct sigaction sa = { .sa_handler = on_segv, .sa_flags = SA_NODEFER };

	(void)arg;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigsetjmp(retry, 1);
	while (!atomic_load(&stop)) {
		int want = atomic_load(&round_now);

		if (want == atomic_load(&ran))
			continue; /* this round's code ran already */
		/* Faults until the page is executable. */
		if (((int (*)(void))page)() != want)
			victim_fail("the sibling ran another round's code");
		atomic_store(&ran, want);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 2000;
	pthread_t th;

	announce_start();
	page = victim_mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS);
	announce("window pid=%d addr=%#lx rounds=%d", (int)getpid(),
		 (unsigned long)(uintptr_t)page, rounds);
	if (pthread_create(&th, NULL, sibling, NULL))
		victim_die("pthread_create");
	for (int r = 1; r <= rounds; r++) {
		emit_ret_imm(page, (uint32_t)r);
		atomic_store(&round_now, r);
		victim_mprotect(page, VICTIM_PAGE, PROT_RWX);
		while (atomic_load(&ran) != r)
			;
		victim_mprotect(page, VICTIM_PAGE, PROT_READ | PROT_WRITE);
	}
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	printf("window: %d rounds, each ran once\n", rounds);
	return 0;
}
