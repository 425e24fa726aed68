/* SPDX-License-Identifier: MIT */
/*
 * Code changed by writing the file an executable view shows, with no
 * write through any mapping and no fault in the program:
 *
 *   pwrite     a memfd mapped R-X (shared); code pwrite'n into the memfd
 *   write      a new file mapped R-X private (its page never copied);
 *              lseek + write
 *   truncate   the file truncated to nothing and written again
 *   copy       new code copied in from another file (copy_file_range)
 *   fork       a child writes the file its parent maps R-X
 *
 * Each version is run and must be captured: seq 1 when first mapped,
 * then 2 and 3, origin kernel_write.
 *
 * usage: file_write MODE
 */
#include <sys/wait.h>

#include "victim.h"

static const char *mode = "";

static int open_code(void)
{
	int fd;

	if (strcmp(mode, "pwrite") == 0)
		fd = memfd_create("code", MFD_CLOEXEC);
	else
		fd = open("code.bin", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, VICTIM_PAGE) < 0)
		victim_die("code file");
	return fd;
}

/* A page holding `mov eax, imm; ret` at offset 0, in a file of its own. */
static int code_file(uint32_t imm)
{
	uint8_t page[VICTIM_PAGE] = { 0 };
	int fd = open("other.bin", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	emit_ret_imm(page, imm);
	if (fd < 0 || write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
		victim_die("other.bin");
	return fd;
}

static void put_code(int fd, uint32_t imm)
{
	uint8_t code[6];
	loff_t in = 0, out = 0;
	int src;

	emit_ret_imm(code, imm);
	if (strcmp(mode, "write") == 0) {
		if (lseek(fd, 0, SEEK_SET) < 0 || write(fd, code, 6) != 6)
			victim_die("write");
	} else if (strcmp(mode, "truncate") == 0) {
		if (ftruncate(fd, 0) < 0 || ftruncate(fd, VICTIM_PAGE) < 0 ||
		    pwrite(fd, code, 6, 0) != 6)
			victim_die("truncate");
	} else if (strcmp(mode, "copy") == 0) {
		src = code_file(imm);
		if (copy_file_range(src, &in, fd, &out, VICTIM_PAGE, 0) != VICTIM_PAGE)
			victim_die("copy_file_range");
		close(src);
	} else if (pwrite(fd, code, 6, 0) != 6) {
		victim_die("pwrite");
	}
}

static void by_child(int fd, uint32_t imm)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		announce("start pid=%d parent=%d", (int)getpid(), (int)getppid());
		put_code(fd, imm);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || st != 0)
		victim_fail("child");
}

int main(int argc, char **argv)
{
	int fd, shared;
	uint8_t *x;

	mode = argc > 1 ? argv[1] : "";
	announce_start();
	shared = strcmp(mode, "pwrite") == 0;
	fd = open_code();
	put_code(fd, 1);
	x = mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_EXEC, shared ? MAP_SHARED : MAP_PRIVATE,
		 fd, 0);
	if (x == MAP_FAILED)
		victim_die("mmap");
	announce_code(x, 1, "exec_map");
	if (call_code(x) != 1)
		victim_fail("first run");
	for (uint32_t v = 2; v <= 3; v++) {
		if (strcmp(mode, "fork") == 0)
			by_child(fd, v);
		else
			put_code(fd, v);
		announce_code(x, v, "kernel_write");
		if (call_code(x) != (int)v)
			victim_fail("the view ran stale code");
	}
	announce_execs(x, 3, 0);
	printf("file write %s: ok\n", mode);
	return 0;
}
