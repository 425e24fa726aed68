/* SPDX-License-Identifier: MIT */
/*
 * Parents killed between fork and the fork's ptrace event. Each round
 * forks a parent that forks children as fast as it can, each child
 * running the code its parent just wrote (inherited, and stripped under
 * emt); once it has forked one, and after a random delay, the victim
 * SIGKILLs that parent. A parent killed inside fork leaves a child
 * attached to emt whose parent's event never comes (the kernel reports no ptrace event to a task with SIGKILL
 * pending): emt must still let it run, with its inherited pages tracked.
 *
 * usage: fork_kill [-w] [-s] [ROUNDS]   (default 20)
 *   -w: announce "ready" and wait for SIGUSR1 first (for attaching).
 *   -s: each parent reads /proc/self/status first and keeps it open, so
 *       that emt --stealth follows that fd in it, and in every child.
 * Every child reports on a pipe that it started and that its code ran;
 * the victim reads until every child is gone (end of file), at most 30
 * seconds. Exit 0 when every child that started also ran its code.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "victim.h"

#define MAX_CHILDREN 400

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void report(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		_exit(VICTIM_BROKEN);
}

static void child(int fd, uint8_t *page, uint32_t v, pid_t parent)
{
	report(fd, 's');
	/* Not getppid(): the parent may be dead and the child reparented. */
	announce("start pid=%d parent=%d", (int)getpid(), (int)parent);
	announce_code(page, 0, NULL);
	announce("execs pid=%d addr=%#lx n=1 from=any", (int)getpid(), (unsigned long)page);
	if (call_code(page) == (int)v)
		report(fd, 'o');
	_exit(0);
}

/* Forks until killed (or out of children to make); reaps none: the
 * children are reparented when it dies. */
static void parent(int fd, int ready_fd, bool open_status)
{
	uint8_t *page = map_rwx(VICTIM_PAGE);
	pid_t self = getpid();
	char buf[64];
	int status_fd;

	if (open_status) {
		status_fd = open("/proc/self/status", O_RDONLY);
		if (status_fd < 0 || read(status_fd, buf, sizeof(buf)) <= 0)
			_exit(VICTIM_BROKEN);
	}

	for (uint32_t v = 1; v <= MAX_CHILDREN; v++) {
		emit_ret_imm(page, v);
		pid_t pid = fork();

		if (pid == 0)
			child(fd, page, v, self);
		/* One child at least: the kill then lands in the fork loop,
		 * however late this process got the CPU. */
		if (v == 1 && (write(ready_fd, "r", 1) != 1 || close(ready_fd) < 0))
			_exit(VICTIM_BROKEN);
	}
	pause();
	_exit(0);
}

static void nap_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* Until the round's parent has forked once (or is gone), 10 s at most. */
static void wait_ready(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&pfd, 1, 10000) == 1 && read(fd, &c, 1) < 0)
		victim_die("read");
	close(fd);
}

/* Counts what the children report until every write end is closed. */
static int collect(int fd, int *started, int *ran)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[256];
	ssize_t n;

	for (;;) {
		if (poll(&pfd, 1, 30000) != 1)
			return -1;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return n == 0 ? 0 : -1;
		for (ssize_t i = 0; i < n; i++) {
			*started += buf[i] == 's';
			*ran += buf[i] == 'o';
		}
	}
}

int main(int argc, char **argv)
{
	int rounds = 20, i = 1, fds[2], started = 0, ran = 0;
	bool open_status = false;
	unsigned int seed = 1;
	sigset_t none;

	on_signal_call(SIGUSR1, on_usr1);
	announce_start();
	if (argc > i && strcmp(argv[i], "-w") == 0 && ++i) {
		sigemptyset(&none);
		announce_ready();
		while (!go)
			sigsuspend(&none);
	}
	if (argc > i && strcmp(argv[i], "-s") == 0 && ++i)
		open_status = true;
	if (argc > i)
		rounds = atoi(argv[i]);
	if (pipe(fds) < 0)
		victim_die("pipe");
	for (int r = 0; r < rounds; r++) {
		int ready[2];

		if (pipe(ready) < 0)
			victim_die("pipe");
		fflush(stdout);
		pid_t pid = fork();

		if (pid < 0)
			victim_die("fork");
		if (pid == 0) {
			close(fds[0]);
			close(ready[0]);
			parent(fds[1], ready[1], open_status);
		}
		close(ready[1]);
		wait_ready(ready[0]);
		nap_us(rand_r(&seed) % 4000);
		kill(pid, SIGKILL);
		if (waitpid(pid, NULL, 0) != pid)
			victim_die("waitpid");
	}
	close(fds[1]);
	if (collect(fds[0], &started, &ran) < 0) {
		printf("fork_kill: children still running after 30s\n");
		return 1;
	}
	if (started == 0 || ran != started) {
		printf("fork_kill: %d children started, %d ran their code\n", started, ran);
		return 1;
	}
	printf("fork_kill: every child ran its code\n");
	return 0;
}
