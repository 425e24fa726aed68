/* SPDX-License-Identifier: MIT */
/*
 * A program that takes SIGSEGV on purpose, as HotSpot, Mono and wasm
 * runtimes do, while also running generated code. Those faults are not
 * emt's: each must reach the program's handler with its original siginfo.
 *
 * 50 faults, in turn:
 *   - a store to a PROT_READ page: the handler makes the page writable and
 *     returns, the store is retried (SEGV_ACCERR);
 *   - a load just above NULL: the handler siglongjmps (SEGV_MAPERR);
 *   - a call into a RW page the program never asked to be executable: an
 *     execute fault that is the program's own (SEGV_ACCERR at the target);
 *   - a load from a PROT_NONE page (SEGV_ACCERR).
 * Between faults the RWX page is rewritten and run: captures seq 1..50.
 */
#include <setjmp.h>
#include <signal.h>

#include "victim.h"

#define ROUNDS 50

static sigjmp_buf env;
static volatile int expect_code;
static void *volatile expect_addr;
static volatile int fix_and_return; /* mprotect RW and return, or jump */
static uint8_t *ro_page;
static volatile int taken, accerr, maperr, wrong;

static void on_segv(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	taken++;
	if (si->si_code == SEGV_ACCERR)
		accerr++;
	else if (si->si_code == SEGV_MAPERR)
		maperr++;
	if (sig != SIGSEGV || si->si_signo != SIGSEGV || si->si_code != expect_code ||
	    si->si_addr != expect_addr)
		wrong++;
	if (fix_and_return) {
		if (mprotect(ro_page, VICTIM_PAGE, PROT_READ | PROT_WRITE) < 0)
			_exit(VICTIM_BROKEN);
		return;
	}
	siglongjmp(env, 1);
}

static void fault(int kind, uint8_t *rw_page, uint8_t *gone, uint8_t *none, int i)
{
	volatile uint8_t *p;

	fix_and_return = 0;
	switch (kind) {
	case 0:
		p = ro_page + i * 8;
		expect_code = SEGV_ACCERR;
		expect_addr = (void *)p;
		fix_and_return = 1;
		*p = (uint8_t)i;
		if (*p != (uint8_t)i)
			wrong++;
		if (mprotect(ro_page, VICTIM_PAGE, PROT_READ) < 0)
			victim_die("mprotect");
		return;
	case 1:
		p = gone + i;
		expect_code = SEGV_MAPERR;
		expect_addr = (void *)p;
		(void)*p;
		break;
	case 2:
		expect_code = SEGV_ACCERR;
		expect_addr = rw_page + i;
		((victim_fn)(void *)(rw_page + i))();
		break;
	default:
		p = none + i * 3;
		expect_code = SEGV_ACCERR;
		expect_addr = (void *)p;
		(void)*p;
		break;
	}
	wrong++; /* the access should not have returned */
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
	uint8_t *code, *rw_page, *gone, *none;
	volatile long sum = 0;
	volatile int i;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) < 0)
		victim_die("sigaction");
	announce_start();
	code = map_rwx(VICTIM_PAGE);
	ro_page = victim_mmap(NULL, VICTIM_PAGE, PROT_READ, 0);
	rw_page = victim_mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_WRITE, 0);
	memset(rw_page, 0xc3, VICTIM_PAGE); /* ret: would work if executable */
	/* Below vm.mmap_min_addr nothing is ever mapped, not even a page emt
	 * might inject: an implicit null check, as HotSpot does them. */
	gone = (uint8_t *)(uintptr_t)0x100;
	none = victim_mmap(NULL, VICTIM_PAGE, PROT_NONE, 0);

	for (i = 0; i < ROUNDS; i++) {
		run_ret_imm(code + i * 16, (uint32_t)i, (unsigned long)i + 1, "wx_map");
		sum += call_code(code + i * 16);
		if (sigsetjmp(env, 1) == 0)
			fault(i % 4, rw_page, gone, none, i);
	}
	announce_execs(code, ROUNDS, 0);
	printf("segv taken %d accerr %d maperr %d wrong %d\n", taken, accerr, maperr, wrong);
	printf("code sum %ld\n", sum);
	return taken == ROUNDS && wrong == 0 ? 0 : 1;
}
