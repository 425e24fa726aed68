/* SPDX-License-Identifier: MIT */
/*
 * Forged faults: the program sends its own thread SIGSEGVs that look like
 * emt's own faults (si_code SEGV_ACCERR, si_addr in a tracked page), with
 * rt_tgsigqueueinfo, which lets a thread give itself any si_code. They are
 * the program's: its handler must run for every one, as natively, and emt
 * must not flip a page because of them.
 *
 * usage: forged_segv [-w]
 *   -w: map the pages, announce "ready" and wait for SIGUSR1 first (for
 *       attaching).
 *
 * 20 forged faults on a page written but never run (RW under emt), 20 on
 * a page that has run (R-X under emt), and 10 more on the first page sent
 * from a SIGUSR2 handler that blocks SIGSEGV: they are delivered when the
 * handler returns, at rt_sigreturn, which leaves orig_rax -1 as a fault
 * does. The run page then runs again
 * unchanged: a flip made for a forged write fault would show as one more
 * capture. Then both pages get new code and run (captured).
 */
#include <signal.h>
#include <sys/syscall.h>

#include "victim.h"

#define FORGED 20

static volatile int handled, wrong;
static void *volatile expect_addr;
static volatile sig_atomic_t go;
static uint8_t *volatile forge_page;
static volatile int forge_index;

static void on_segv(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	handled++;
	if (sig != SIGSEGV || si->si_code != SEGV_ACCERR || si->si_addr != expect_addr)
		wrong++;
}

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void forge(uint8_t *page, int i)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGSEGV;
	si.si_code = SEGV_ACCERR;
	si.si_addr = page + i * 8;
	expect_addr = si.si_addr;
	if (syscall(SYS_rt_tgsigqueueinfo, getpid(), (pid_t)syscall(SYS_gettid), SIGSEGV,
		    &si) < 0)
		victim_die("rt_tgsigqueueinfo");
}

/* SIGSEGV is blocked here: the forged one waits for rt_sigreturn. */
static void on_usr2(int sig)
{
	(void)sig;
	forge(forge_page, forge_index);
}

static void forge_at_sigreturn(uint8_t *page, int i)
{
	struct sigaction sa = { .sa_handler = on_usr2 };

	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGSEGV);
	if (sigaction(SIGUSR2, &sa, NULL) < 0)
		victim_die("sigaction");
	forge_page = page;
	forge_index = i;
	raise(SIGUSR2);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
	uint8_t *written, *ran;
	int i, sum = 0;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) < 0)
		victim_die("sigaction");
	on_signal_call(SIGUSR1, on_usr1);
	announce_start();
	written = map_rwx(VICTIM_PAGE);
	ran = map_rwx(VICTIM_PAGE);
	if (argc > 1 && strcmp(argv[1], "-w") == 0)
		announce_ready_wait(&go);

	emit_ret_imm(written, 7);
	run_ret_imm(ran, 1, 0, NULL);
	for (i = 0; i < FORGED; i++)
		forge(written, i);
	for (i = 0; i < FORGED; i++)
		forge(ran, i);
	for (i = 0; i < FORGED / 2; i++)
		forge_at_sigreturn(written, i);
	/* Unchanged, so no new capture unless the page was flipped. */
	sum += call_code(ran);
	run_ret_imm(written, 7, 0, NULL);
	run_ret_imm(ran + 64, 2, 0, NULL);
	announce_execs(written, 1, 0);
	announce_execs(ran, 2, 0);
	printf("handler ran %d times, %d wrong\n", handled, wrong);
	printf("code sum %d\n", sum + call_code(written) + call_code(ran + 64));
	return handled == 2 * FORGED + FORGED / 2 && wrong == 0 ? 0 : 1;
}
