/* SPDX-License-Identifier: MIT */
/*
 * Stops itself with SIGSTOP between two runs of generated code; a child
 * waits until the parent is really stopped and sends SIGCONT. A tracer must
 * let the group-stop happen (not swallow SIGSTOP) and let SIGCONT end it.
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "victim.h"

/* 'T' (stopped) or 't' (tracing stop) in /proc/PID/stat. */
static int is_stopped(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'T' || p[2] == 't');
}

static int waker(pid_t parent)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 };

	announce("start pid=%d parent=%d", (int)getpid(), (int)parent);
	/* Bounded: 10 s, so that a parent that never stops does not keep
	 * its child alive. */
	for (int i = 0; i < 1000; i++) {
		if (is_stopped(parent)) {
			nanosleep(&nap, NULL);
			kill(parent, SIGCONT);
			return 0;
		}
		nanosleep(&nap, NULL);
	}
	kill(parent, SIGCONT);
	return 1;
}

int main(void)
{
	uint8_t *page;
	int status;
	pid_t pid;

	page = first_run(1, "before stop");

	pid = fork();
	if (pid < 0)
		victim_die("fork");
	if (pid == 0)
		_exit(waker(getppid()));
	raise(SIGSTOP);
	run_ret_imm(page + 16, 2, 2, "wx_map");
	announce_execs(page, 2, 0);
	printf("after stop %d\n", call_code(page + 16));
	if (waitpid(pid, &status, 0) != pid)
		victim_die("waitpid");
	printf("waker saw the stop: %s\n",
	       WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "yes" : "no");
	return 0;
}
