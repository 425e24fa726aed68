/* SPDX-License-Identifier: MIT */
/*
 * Generated code that calls generated code, for backtraces: main calls
 * page B, whose code calls page A (`mov eax, 5; ret`) and returns what A
 * gave. Announces both pages (seq 1). A backtrace at A's capture has B's
 * capture as its caller, returning to B+0x10 (the instruction after B's
 * call); one at B's has main.
 */
#include "victim.h"

/* sub rsp, 8; movabs rax, target; call rax; add rsp, 8; ret */
static void emit_caller(uint8_t *p, const void *target)
{
	static const uint8_t head[] = { 0x48, 0x83, 0xec, 0x08, 0x48, 0xb8 };
	static const uint8_t tail[] = { 0xff, 0xd0, 0x48, 0x83, 0xc4, 0x08, 0xc3 };
	uint64_t addr = (uint64_t)(uintptr_t)target;

	memcpy(p, head, sizeof(head));
	memcpy(p + sizeof(head), &addr, sizeof(addr));
	memcpy(p + sizeof(head) + sizeof(addr), tail, sizeof(tail));
}

int main(void)
{
	uint8_t *a, *b;

	announce_start();
	a = map_rwx(VICTIM_PAGE);
	b = map_rwx(VICTIM_PAGE);
	emit_ret_imm(a, 5);
	emit_caller(b, a);
	announce_code(b, 1, "wx_map");
	announce_code(a, 1, "wx_map");
	announce_execs(a, 1, 0);
	announce_execs(b, 1, 0);
	printf("result %d\n", call_code(b));
	return 0;
}
