/* SPDX-License-Identifier: MIT */
/*
 * Signals arriving while emt drives a thread. One thread runs a function
 * in an RWX page that stores into that same page (an execute fault, then
 * a same-page write emt single-steps, every round, in memory two threads
 * share); another thread sends it signals:
 *
 *   signal_flood rt    500 real-time signals, as fast as they come
 *   signal_flood bus   300 SIGBUS sent with tgkill, one at a time, each
 *                      waited for: a signal that looks like a fault, but
 *                      is not one
 *
 * Every signal must reach the handler, once; emt must neither spin
 * sending a signal again to a thread it is stepping, nor take a sent
 * SIGBUS for a fault of the instruction it steps.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <time.h>

#include "victim.h"

#define DATA_OFFSET 100

static int sig, count;
static bool one_at_a_time;
static atomic_int received;
static atomic_int sender_done;
static pid_t runner_tid;

static void on_signal(int s)
{
	(void)s;
	atomic_fetch_add(&received, 1);
}

static void nap_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

/* Until the handler has run want times, at most about a second. */
static void wait_received(int want)
{
	for (int k = 0; k < 10000 && atomic_load(&received) < want; k++)
		nap_us(100);
}

static void *sender(void *arg)
{
	(void)arg;
	for (int i = 0; i < count; i++) {
		if (syscall(SYS_tgkill, getpid(), runner_tid, sig) != 0)
			victim_die("tgkill");
		if (one_at_a_time)
			wait_received(i + 1);
		else
			nap_us(500);
	}
	atomic_store(&sender_done, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	/* mov byte ptr [rdi], sil; mov eax, esi; ret */
	static const uint8_t store_ret[] = { 0x40, 0x88, 0x37, 0x89, 0xf0, 0xc3 };
	int (*store)(uint8_t *, int);
	pthread_t s;
	uint8_t *page;
	int i = 0;

	if (argc != 2 || (strcmp(argv[1], "rt") && strcmp(argv[1], "bus")))
		victim_fail("usage: signal_flood rt|bus");
	one_at_a_time = strcmp(argv[1], "bus") == 0;
	sig = one_at_a_time ? SIGBUS : SIGRTMIN;
	count = one_at_a_time ? 300 : 500;
	on_signal_call(sig, on_signal);
	announce_start();
	runner_tid = (pid_t)syscall(SYS_gettid);
	page = map_rwx(VICTIM_PAGE);
	memcpy(page, store_ret, sizeof(store_ret));
	announce_execs(page, 1, 1);
	store = (int (*)(uint8_t *, int))(void *)page;
	if (pthread_create(&s, NULL, sender, NULL))
		victim_fail("pthread_create");
	for (; !atomic_load(&sender_done); i++)
		if (store(page + DATA_OFFSET, i & 0x7f) != (i & 0x7f) ||
		    page[DATA_OFFSET] != (i & 0x7f))
			victim_fail("generated code stored or returned something else");
	pthread_join(s, NULL);
	wait_received(count);
	printf("signal_flood %s sent %d received %d\n", argv[1], count, atomic_load(&received));
	return atomic_load(&received) == count ? 0 : 1;
}
