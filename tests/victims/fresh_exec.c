/* SPDX-License-Identifier: MIT */
/*
 * Code that becomes executable by a fresh R-X mapping of a file it wrote,
 * never through a writable mapping: a loader or a UPX 5 stub. emt arms
 * such mappings (origin exec_map) when the file is one a program writes:
 *   memfd    a memfd filled with write(2), mapped MAP_PRIVATE;
 *   deleted  a file in the current directory written, reopened read-only
 *            and unlinked before the mapping (only "(deleted)" says it
 *            was generated).
 *
 * usage: fresh_exec memfd|deleted
 */
#include "victim.h"

static uint8_t code[VICTIM_PAGE];

static void write_all(int fd)
{
	if (write(fd, code, sizeof(code)) != (ssize_t)sizeof(code))
		victim_die("write");
}

static int memfd_code(void)
{
	int fd = memfd_create("emt-fresh", MFD_CLOEXEC);

	if (fd < 0)
		victim_die("memfd_create");
	write_all(fd);
	return fd;
}

static int deleted_code(void)
{
	char path[] = "emt-code.XXXXXX";
	int wfd = mkstemp(path), fd;

	if (wfd < 0)
		victim_die("mkstemp");
	write_all(wfd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		victim_die("open");
	close(wfd);
	if (unlink(path) < 0)
		victim_die("unlink");
	return fd;
}

int main(int argc, char **argv)
{
	uint8_t *p;
	int fd, got;

	if (argc != 2)
		victim_fail("usage: fresh_exec memfd|deleted");
	emit_ret_imm(code + 0x123, 4242);
	announce_start();
	if (strcmp(argv[1], "memfd") == 0)
		fd = memfd_code();
	else if (strcmp(argv[1], "deleted") == 0)
		fd = deleted_code();
	else
		victim_fail("usage: fresh_exec memfd|deleted");
	p = mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED && errno == EPERM) {
		/* A noexec mount: nothing to test here. */
		printf("exec mapping refused: %s\n", strerror(errno));
		return 0;
	}
	if (p == MAP_FAILED)
		victim_die("mmap");
	close(fd);
	announce_code(p, 1, "exec_map");
	announce_execs(p, 1, 0);
	got = call_code(p + 0x123);
	printf("fresh exec map (%s) returned %d\n", argv[1], got);
	return got == 4242 ? 0 : 1;
}
