/* SPDX-License-Identifier: MIT */
/*
 * Code rewritten through /proc/PID/mem, which writes whatever the page's
 * protection (FOLL_FORCE) and makes no fault in the program:
 *
 *   pwrite    an R-X page (written RW, flipped R-X, run) rewritten with
 *             pwrite on /proc/self/mem, run again
 *   write     the same with lseek and write (at the file position)
 *   text      a function in the program's own text rewritten, then called
 *   child     a child rewrites its parent's R-X page through
 *             /proc/PPID/mem; the parent runs it
 *   vm_self   an RWX page that ran rewritten with process_vm_writev on the
 *             process itself, which respects protections (no FOLL_FORCE):
 *             natively it writes, since the page is writable
 *   vm_child  a child rewrites its parent's RWX page that ran with
 *             process_vm_writev; the parent runs it
 *
 * Every run of rewritten code must be captured (origin kernel_write).
 *
 * usage: mem_write pwrite|write|text|child|vm_self|vm_child
 */
#include <sys/uio.h>
#include <sys/wait.h>

#include "victim.h"

static int open_mem(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		victim_die(path);
	return fd;
}

static void poke(int fd, void *at, uint32_t imm, int at_pos)
{
	uint8_t code[6];

	emit_ret_imm(code, imm);
	if (at_pos) {
		if (lseek(fd, (off_t)(uintptr_t)at, SEEK_SET) < 0 ||
		    write(fd, code, sizeof(code)) != (ssize_t)sizeof(code))
			victim_die("write /proc/self/mem");
	} else if (pwrite(fd, code, sizeof(code), (off_t)(uintptr_t)at) !=
		   (ssize_t)sizeof(code)) {
		victim_die("pwrite /proc/self/mem");
	}
}

/* Writes `mov eax, imm; ret` at at in pid's memory. */
typedef void writer_fn(pid_t pid, void *at, uint32_t imm);

static void mem_pwrite(pid_t pid, void *at, uint32_t imm)
{
	int fd = open_mem(pid);

	poke(fd, at, imm, 0);
	close(fd);
}

static void mem_write_at_pos(pid_t pid, void *at, uint32_t imm)
{
	int fd = open_mem(pid);

	poke(fd, at, imm, 1);
	close(fd);
}

static void vm_write(pid_t pid, void *at, uint32_t imm)
{
	uint8_t code[6];
	struct iovec local = { code, sizeof(code) }, remote = { at, sizeof(code) };

	emit_ret_imm(code, imm);
	if (process_vm_writev(pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof(code))
		victim_die("process_vm_writev");
}

/* An R-X page that already ran once (seq 1, origin flip). */
static uint8_t *rx_page(void)
{
	uint8_t *p = victim_mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_WRITE, 0);

	emit_ret_imm(p, 1);
	if (mprotect(p, VICTIM_PAGE, PROT_READ | PROT_EXEC) < 0)
		victim_die("mprotect");
	announce_code(p, 1, "flip");
	if (call_code(p) != 1)
		victim_fail("first run");
	return p;
}

/* An RWX page that already ran once (seq 1, origin wx_map). */
static uint8_t *rwx_page(void)
{
	uint8_t *p = map_rwx(VICTIM_PAGE);

	run_ret_imm(p, 1, 1, "wx_map");
	return p;
}

static void rewrite_self(uint8_t *p, writer_fn *write_code)
{
	write_code(getpid(), p, 2);
	announce_code(p, 2, "kernel_write");
	if (call_code(p) != 2)
		victim_fail("the rewritten page ran stale code");
	announce_execs(p, 2, 0);
}

static __attribute__((noinline, aligned(4096))) int in_text(void)
{
	return 5;
}

static void rewrite_text(void)
{
	int (*volatile fn)(void) = in_text;

	mem_pwrite(getpid(), (void *)in_text, 6);
	announce_code(page_of((void *)in_text), 1, "kernel_write");
	if (fn() != 6)
		victim_fail("the rewritten function ran stale code");
}

static void rewrite_parent(uint8_t *p, writer_fn *write_code)
{
	pid_t parent = getpid(), pid = fork();
	int st;

	if (pid == 0) {
		announce("start pid=%d parent=%d", (int)getpid(), (int)parent);
		write_code(parent, p, 3);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || st != 0)
		victim_fail("child");
	announce_code(p, 2, "kernel_write");
	if (call_code(p) != 3)
		victim_fail("the page the child rewrote ran stale code");
	announce_execs(p, 2, 0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	announce_start();
	if (strcmp(mode, "pwrite") == 0)
		rewrite_self(rx_page(), mem_pwrite);
	else if (strcmp(mode, "write") == 0)
		rewrite_self(rx_page(), mem_write_at_pos);
	else if (strcmp(mode, "text") == 0)
		rewrite_text();
	else if (strcmp(mode, "child") == 0)
		rewrite_parent(rx_page(), mem_pwrite);
	else if (strcmp(mode, "vm_self") == 0)
		rewrite_self(rwx_page(), vm_write);
	else if (strcmp(mode, "vm_child") == 0)
		rewrite_parent(rwx_page(), vm_write);
	else
		victim_fail("usage: mem_write pwrite|write|text|child|vm_self|vm_child");
	printf("mem write %s: ok\n", mode);
	return 0;
}
