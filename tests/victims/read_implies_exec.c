/* SPDX-License-Identifier: MIT */
/*
 * personality(READ_IMPLIES_EXEC) at run time: from then on the kernel
 * makes every readable mapping executable, so memory asked only
 * readable and writable is W+X, with no call saying so. The program
 * writes code and runs it from
 *   - an mmap(PROT_READ|PROT_WRITE)            (captured: wx_map)
 *   - RW memory mapped before, mprotect'ed PROT_READ (captured: flip)
 *   - heap grown with sbrk                     (captured: wx_map)
 *   - an mmap in a forked child, which inherits the personality
 * and reads its personality back, which must say READ_IMPLIES_EXEC.
 */
#include <sys/personality.h>
#include <sys/wait.h>

#include "victim.h"

#define RW (PROT_READ | PROT_WRITE)

static void from_mmap(uint32_t imm)
{
	uint8_t *p = victim_mmap(NULL, VICTIM_PAGE, RW, 0);

	run_ret_imm(p, imm, 1, "wx_map");
	announce_execs(p, 1, 0);
}

/* p was mapped RW before READ_IMPLIES_EXEC. */
static void from_mprotect(uint8_t *p)
{
	emit_ret_imm(p, 2);
	if (mprotect(p, VICTIM_PAGE, PROT_READ) < 0)
		victim_die("mprotect");
	announce_code(p, 1, "flip");
	announce_execs(p, 1, 0);
	if (call_code(p) != 2)
		victim_fail("mprotect page");
}

static void from_heap(void)
{
	uint8_t *top = sbrk(0), *page;

	if (sbrk(3 * VICTIM_PAGE) == (void *)-1)
		victim_die("sbrk");
	page = page_of(top + 2 * VICTIM_PAGE - 1);
	run_ret_imm(page, 3, 1, "wx_map");
	announce_execs(page, 1, 0);
}

static void in_child(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		announce("start pid=%d parent=%d", (int)getpid(), (int)getppid());
		from_mmap(4);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || st != 0)
		victim_fail("child");
}

int main(void)
{
	uint8_t *rw;
	int persona;

	announce_start();
	rw = victim_mmap(NULL, VICTIM_PAGE, RW, 0);
	if (personality(READ_IMPLIES_EXEC) < 0)
		victim_die("personality");
	persona = personality(0xffffffff);
	printf("personality %#x\n", persona);
	from_mmap(1);
	from_mprotect(rw);
	from_heap();
	in_child();
	printf("read implies exec: ran 4\n");
	return 0;
}
