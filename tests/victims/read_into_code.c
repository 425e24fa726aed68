/* SPDX-License-Identifier: MIT */
/*
 * read(2) into a code buffer that has already run once: the kernel, not the
 * program, writes the page. Under W^X the page is executable and not
 * writable at that moment, and the kernel answers EFAULT instead of raising
 * a signal emt could see. The program must get the byte count it gets
 * natively, from a pipe and from a file, and then run what it read.
 */
#include "victim.h"

static void show(const char *what, ssize_t n)
{
	if (n < 0)
		printf("%s returned -1 errno %s\n", what, strerrorname_np(errno));
	else
		printf("%s returned %zd\n", what, n);
}

int main(void)
{
	char path[] = "/tmp/emt-read-into-code-XXXXXX";
	uint8_t code[6], *page;
	int pfd[2], fd;
	ssize_t n;

	announce_start();
	page = map_rwx(VICTIM_PAGE);
	run_ret_imm(page, 1, 1, "wx_map");
	printf("first run %d\n", call_code(page));

	if (pipe(pfd) < 0)
		victim_die("pipe");
	emit_ret_imm(code, 2);
	if (write(pfd[1], code, sizeof(code)) != (ssize_t)sizeof(code))
		victim_die("write pipe");
	n = read(pfd[0], page + 0x40, sizeof(code));
	show("read from pipe", n);
	if (n == (ssize_t)sizeof(code)) {
		announce_code(page, 2, "wx_map");
		printf("second run %d\n", call_code(page + 0x40));
	}

	fd = mkstemp(path);
	if (fd < 0)
		victim_die("mkstemp");
	unlink(path);
	emit_ret_imm(code, 3);
	if (write(fd, code, sizeof(code)) != (ssize_t)sizeof(code))
		victim_die("write file");
	n = pread(fd, page + 0x80, sizeof(code), 0);
	show("pread from file", n);
	if (n == (ssize_t)sizeof(code)) {
		announce_code(page, 3, "wx_map");
		printf("third run %d\n", call_code(page + 0x80));
	}
	announce_execs(page, 3, 0);
	return 0;
}
