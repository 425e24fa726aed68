/* SPDX-License-Identifier: MIT */
/*
 * Generated code whose first instruction is int3, with a SIGTRAP handler
 * that counts the traps and checks they come from the int3 (SI_KERNEL),
 * while a second thread floods this one with real-time signals: the
 * program's own trap must reach it once per run, with its own siginfo, as
 * without emt, even though emt steps that very instruction after making
 * the page executable and other signals arrive during the step.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>

#include "victim.h"

#define RUNS 300

static atomic_int quit;
static volatile sig_atomic_t traps, foreign_traps;
static pid_t runner_tid;

static void on_trap(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	traps++;
	if (si->si_code != SI_KERNEL)
		foreign_traps++;
}

static void on_rt(int sig)
{
	(void)sig;
}

static void *flooder(void *arg)
{
	struct timespec nap = { 0, 20 * 1000 };

	(void)arg;
	while (!atomic_load(&quit)) {
		syscall(SYS_tgkill, getpid(), runner_tid, SIGRTMIN);
		nanosleep(&nap, NULL);
	}
	return NULL;
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_trap, .sa_flags = SA_SIGINFO };
	pthread_t f;
	uint8_t *page;
	int sum = 0;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTRAP, &sa, NULL) < 0)
		victim_die("sigaction");
	on_signal_call(SIGRTMIN, on_rt);
	announce_start();
	runner_tid = (pid_t)syscall(SYS_gettid);
	if (pthread_create(&f, NULL, flooder, NULL))
		victim_fail("pthread_create");
	page = map_rwx(VICTIM_PAGE);
	for (int i = 0; i < RUNS; i++) {
		page[0] = 0xcc; /* int3, then mov eax, i; ret */
		emit_ret_imm(page + 1, (uint32_t)i);
		announce_code(page, (unsigned long)i + 1, "wx_map");
		sum += call_code(page);
	}
	atomic_store(&quit, 1);
	pthread_join(f, NULL);
	printf("trap_first traps %d not from the int3 %d sum %d\n", (int)traps,
	       (int)foreign_traps, sum);
	return traps == RUNS && !foreign_traps ? 0 : 1;
}
