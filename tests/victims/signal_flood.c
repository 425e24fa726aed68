/* SPDX-License-Identifier: MIT */
/*
 * Signals arriving while emt drives a thread: one thread rewrites and runs
 * an RWX page in a loop (two faults per round, each handled with a step
 * since the memory is shared), another queues SIGNALS real-time signals to
 * it. Every signal must reach the handler, once, and emt must never spin
 * re-sending one signal to a thread it is stepping.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>

#include "victim.h"

#define SIGNALS 500

static atomic_int received;
static atomic_int sender_done;
static pid_t runner_tid;

static void on_rt(int sig)
{
	(void)sig;
	atomic_fetch_add(&received, 1);
}

static void *sender(void *arg)
{
	struct timespec nap = { 0, 500 * 1000 };

	(void)arg;
	for (int i = 0; i < SIGNALS; i++) {
		if (syscall(SYS_tgkill, getpid(), runner_tid, SIGRTMIN) != 0)
			victim_die("tgkill");
		nanosleep(&nap, NULL);
	}
	atomic_store(&sender_done, 1);
	return NULL;
}

int main(void)
{
	struct timespec nap = { 0, 1000 * 1000 };
	pthread_t s;
	uint8_t *page;
	uint32_t i = 0;

	on_signal_call(SIGRTMIN, on_rt);
	announce_start();
	runner_tid = (pid_t)syscall(SYS_gettid);
	page = map_rwx(VICTIM_PAGE);
	announce_execs(page, 1, 1);
	if (pthread_create(&s, NULL, sender, NULL))
		victim_fail("pthread_create");
	while (!atomic_load(&sender_done)) {
		emit_ret_imm(page, i);
		if (call_code(page) != (int)i)
			victim_fail("generated code returned something else");
		i++;
	}
	pthread_join(s, NULL);
	/* Signals sent last may still be on their way. */
	for (int k = 0; k < 1000 && atomic_load(&received) < SIGNALS; k++)
		nanosleep(&nap, NULL);
	printf("signal_flood sent %d received %d\n", SIGNALS, atomic_load(&received));
	return atomic_load(&received) == SIGNALS ? 0 : 1;
}
