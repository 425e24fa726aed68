/* SPDX-License-Identifier: MIT */
/*
 * Generated code whose first instruction is int3, in a process with a
 * second thread, and a SIGTRAP handler that counts: the program's own trap
 * must reach it exactly once per run, as without emt, even though emt
 * steps that very instruction after making the page executable.
 */
#include "idler.h"

#define RUNS 5

static volatile sig_atomic_t traps;

static void on_trap(int sig)
{
	(void)sig;
	traps++;
}

int main(void)
{
	uint8_t *page;
	int sum = 0;

	on_signal_call(SIGTRAP, on_trap);
	announce_start();
	idler_start();
	page = map_rwx(VICTIM_PAGE);
	for (int i = 0; i < RUNS; i++) {
		page[0] = 0xcc; /* int3, then mov eax, i; ret */
		emit_ret_imm(page + 1, (uint32_t)i);
		announce_code(page, (unsigned long)i + 1, "wx_map");
		sum += call_code(page);
	}
	idler_stop();
	printf("trap_first traps %d sum %d\n", (int)traps, sum);
	return traps == RUNS ? 0 : 1;
}
