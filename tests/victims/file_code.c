/* SPDX-License-Identifier: MIT */
/*
 * Code from disk: written to a new regular file, which is closed, opened
 * again read-only and mapped R-X, private or shared. The mapping is of a
 * file the program wrote while traced: its first run must be captured
 * (origin exec_map).
 *
 * usage: file_code private|shared
 */
#include "victim.h"

int main(int argc, char **argv)
{
	int flags = argc > 1 && strcmp(argv[1], "shared") == 0 ? MAP_SHARED : MAP_PRIVATE;
	uint8_t code[VICTIM_PAGE] = { 0 };
	uint8_t *page;
	int fd;

	announce_start();
	emit_ret_imm(code, 77);
	fd = open("code.bin", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, code, sizeof(code)) != (ssize_t)sizeof(code) || close(fd) < 0)
		victim_die("code.bin");
	fd = open("code.bin", O_RDONLY);
	if (fd < 0)
		victim_die("open code.bin");
	page = mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_EXEC, flags, fd, 0);
	if (page == MAP_FAILED)
		victim_die("mmap");
	close(fd);
	announce_code(page, 1, "exec_map");
	announce_execs(page, 1, 0);
	printf("file code: %d\n", call_code(page));
	return 0;
}
