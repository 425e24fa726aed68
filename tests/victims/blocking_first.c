/* SPDX-License-Identifier: MIT */
/*
 * Generated code whose first instruction is a blocking syscall (poll on a
 * pipe), while another thread must go through emt (a traced W+X mmap)
 * before it writes the pipe. emt must not wait for the blocked thread
 * alone: the program would hang for ever.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>

#include "victim.h"

static int fds[2];

static void *writer(void *arg)
{
	struct timespec nap = { 0, 200 * 1000 * 1000 };

	(void)arg;
	nanosleep(&nap, NULL);
	map_rwx(VICTIM_PAGE);
	if (write(fds[1], "x", 1) != 1)
		victim_die("write");
	return NULL;
}

int main(void)
{
	static const uint8_t syscall_ret[] = { 0x0f, 0x05, 0xc3 }; /* syscall; ret */
	struct pollfd pfd;
	pthread_t w;
	uint8_t *code;
	long rc;
	char c;

	announce_start();
	if (pipe(fds) != 0)
		victim_die("pipe");
	code = map_rwx(VICTIM_PAGE);
	memcpy(code, syscall_ret, sizeof(syscall_ret));
	announce_code(code, 1, "wx_map");
	if (pthread_create(&w, NULL, writer, NULL))
		victim_fail("pthread_create");
	pfd = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	rc = call_syscall_code(code, SYS_poll, (long)&pfd, 1, -1);
	if (rc != 1 || read(fds[0], &c, 1) != 1)
		victim_fail("poll from generated code failed");
	pthread_join(w, NULL);
	printf("blocking_first poll %ld read %c\n", rc, c);
	return 0;
}
