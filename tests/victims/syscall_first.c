/* SPDX-License-Identifier: MIT */
/*
 * Generated code whose first instruction is a syscall, in a process with
 * a second thread: shellcode often starts so. One page's syscall is a
 * getpid, which no one traces; another's (made from the generated page, as
 * the first thing that runs there) makes a third page writable and
 * executable, and code is then run from that page: emt must see the
 * mprotect like any other, so the third page is captured too, and the
 * program must see its calls return what they return natively.
 */
#include <sys/syscall.h>

#include "idler.h"

int main(void)
{
	static const uint8_t syscall_ret[] = { 0x0f, 0x05, 0xc3 }; /* syscall; ret */
	uint8_t *code, *target, *getpid_code;
	long rc;

	announce_start();
	idler_start();
	getpid_code = map_rwx(VICTIM_PAGE);
	memcpy(getpid_code, syscall_ret, sizeof(syscall_ret));
	announce_code(getpid_code, 1, "wx_map");
	if (call_syscall_code(getpid_code, SYS_getpid, 0, 0, 0) != getpid())
		victim_fail("getpid from generated code returned something else");
	code = map_rwx(VICTIM_PAGE);
	memcpy(code, syscall_ret, sizeof(syscall_ret));
	target = victim_mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_WRITE, 0);
	announce_code(code, 1, "wx_map");
	announce_wx("mprotect", target, VICTIM_PAGE);
	rc = call_syscall_code(code, SYS_mprotect, (long)target, VICTIM_PAGE, PROT_RWX);
	if (rc != 0)
		victim_fail("mprotect from generated code failed");
	run_ret_imm(target, 77, 1, "wx_protect");
	idler_stop();
	printf("syscall_first ok\n");
	return 0;
}
