/* SPDX-License-Identifier: MIT */
/*
 * Calls that change what code pages hold, or take them from emt, without
 * writing them:
 *
 *   discard   a file's private R-X view, patched, then madvise(DONTNEED):
 *             the page goes back to the file's code, which runs again
 *   remap     remap_file_pages makes a shared R-X view of a memfd show
 *             another page of it
 *   seal      an RWX page that ran is sealed with mseal: emt can no longer
 *             withhold execution (reported), then rewritten and run
 *   mapcount  a child fills its allowed number of mappings, so emt's
 *             mprotect of a single page fails: reported, no loop (the
 *             child may then die: its parent does not say)
 *
 * usage: page_calls MODE
 */
#include <sys/syscall.h>
#include <sys/wait.h>

#include "victim.h"

#define RX (PROT_READ | PROT_EXEC)

static void run_expect(uint8_t *p, uint32_t want, unsigned long seq, const char *origin)
{
	announce_code(page_of(p), seq, origin);
	if (call_code(p) != (int)want)
		victim_fail("stale code ran");
}

static int file_with(uint32_t a, uint32_t b, int memfd)
{
	uint8_t pages[2 * VICTIM_PAGE] = { 0 };
	int fd = memfd ? memfd_create("code", MFD_CLOEXEC)
		       : open("code.bin", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	emit_ret_imm(pages, a);
	emit_ret_imm(pages + VICTIM_PAGE, b);
	if (fd < 0 || write(fd, pages, sizeof(pages)) != (ssize_t)sizeof(pages))
		victim_die("code file");
	return fd;
}

static void discard(void)
{
	uint8_t *x = mmap(NULL, VICTIM_PAGE, RX, MAP_PRIVATE, file_with(1, 0, 0), 0);

	if (x == MAP_FAILED)
		victim_die("mmap");
	run_expect(x, 1, 1, "exec_map");
	if (mprotect(x, VICTIM_PAGE, PROT_READ | PROT_WRITE) < 0)
		victim_die("mprotect");
	emit_ret_imm(x, 2);
	if (mprotect(x, VICTIM_PAGE, RX) < 0)
		victim_die("mprotect");
	run_expect(x, 2, 2, "exec_map");
	/* The private copy goes; the file's page shows again. */
	if (madvise(x, VICTIM_PAGE, MADV_DONTNEED) < 0)
		victim_die("madvise");
	run_expect(x, 1, 3, "kernel_write");
	announce_execs(x, 3, 0);
}

static void remap(void)
{
	uint8_t *x = mmap(NULL, VICTIM_PAGE, RX, MAP_SHARED, file_with(3, 4, 1), 0);

	if (x == MAP_FAILED)
		victim_die("mmap");
	run_expect(x, 3, 1, "exec_map");
	if (syscall(SYS_remap_file_pages, x, VICTIM_PAGE, 0, 1, 0) < 0)
		victim_die("remap_file_pages");
	run_expect(x, 4, 2, "kernel_write");
	announce_execs(x, 2, 0);
}

static void seal(void)
{
	uint8_t *p = map_rwx(VICTIM_PAGE);

	run_ret_imm(p, 5, 1, "wx_map");
	announce_blind("unenforceable", p);
	if (syscall(462 /* mseal */, p, VICTIM_PAGE, 0) < 0)
		victim_die("mseal");
	/* Not captured: emt said so. */
	emit_ret_imm(p, 6);
	if (call_code(p) != 6)
		victim_fail("sealed page ran stale code");
	announce_execs(p, 1, 0);
}

/* Map pages one by one, alternately readable and not, so none merge,
 * until the kernel refuses: emt's next split of a mapping then fails. */
static void fill_map_count(void)
{
	for (int i = 0;; i++) {
		void *q = mmap(NULL, VICTIM_PAGE, i & 1 ? PROT_READ : PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (q == MAP_FAILED)
			return;
	}
}

/* In a child, which may die of it under emt: when the kernel refuses
 * emt the split of a mapping, emt reports the page and leaves it as the
 * program asked if it can; it never faults on it for ever. */
static void mapcount(void)
{
	uint8_t *p = map_rwx(3 * VICTIM_PAGE);
	uint8_t *mid = p + VICTIM_PAGE;
	pid_t pid;
	int st;

	/* The middle page of three: flipping it alone splits the mapping. */
	emit_ret_imm(mid, 7);
	pid = fork();
	if (pid == 0) {
		announce("start pid=%d parent=%d", (int)getpid(), (int)getppid());
		announce_blind("unenforceable", mid);
		announce_execs(mid, 1, 1);
		fill_map_count();
		_exit(call_code(mid) == 7 ? 0 : VICTIM_BROKEN);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		victim_fail("child");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	announce_start();
	if (strcmp(mode, "discard") == 0)
		discard();
	else if (strcmp(mode, "remap") == 0)
		remap();
	else if (strcmp(mode, "seal") == 0)
		seal();
	else if (strcmp(mode, "mapcount") == 0)
		mapcount();
	else
		victim_fail("usage: page_calls discard|remap|seal|mapcount");
	printf("page calls %s: ok\n", mode);
	return 0;
}
