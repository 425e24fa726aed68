/* SPDX-License-Identifier: MIT */
/*
 * A program that runs a copy of itself from memory, as fileless malware
 * does: its own executable copied into a memfd, then fexecve (memfd mode),
 * or into a new file in the current directory, then execve (file mode).
 * The new image's code was written while traced: its first run must be
 * captured (origin exec_image), here the page of the function that the
 * second stage calls.
 *
 * usage: exec_memfd memfd|file
 */
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "victim.h"

extern char **environ;

static __attribute__((noinline, aligned(4096))) int stage2_marker(void)
{
	return 2;
}

static int stage2(void)
{
	uint8_t *page = page_of((void *)stage2_marker);

	/* This page is mapped from the file: it is what ran, whenever it
	 * ran. Its hash does not depend on the moment it is taken. */
	announce_code(page, 1, "exec_image");
	printf("stage 2: %d\n", stage2_marker());
	return 0;
}

/* A copy of this executable in fd, from the start. */
static void copy_self(int fd)
{
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (self < 0 || fstat(self, &st) < 0)
		victim_die("/proc/self/exe");
	if (sendfile(fd, self, NULL, (size_t)st.st_size) != st.st_size)
		victim_die("sendfile");
	close(self);
}

static int run_copy(const char *how)
{
	char *args[] = { "exec_memfd", "stage2", NULL };
	int fd;

	if (strcmp(how, "memfd") == 0)
		fd = memfd_create("payload", 0);
	else
		fd = open("payload.bin", O_RDWR | O_CREAT | O_TRUNC, 0700);
	if (fd < 0)
		victim_die("create the copy");
	copy_self(fd);
	announce("execve pid=%d", (int)getpid());
	fflush(stdout);
	if (strcmp(how, "memfd") == 0) {
		fexecve(fd, args, environ);
	} else {
		close(fd);
		execve("./payload.bin", args, environ);
	}
	victim_die("exec");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		victim_fail("usage: exec_memfd memfd|file");
	if (strcmp(argv[1], "stage2") == 0)
		return stage2();
	announce_start();
	return run_copy(argv[1]);
}
