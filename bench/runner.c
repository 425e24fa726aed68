/* SPDX-License-Identifier: MIT */
/* Run one command for the benchmark driver: wall time, peak RSS, time limit.
 *
 *   runner LIMIT_S RESULT_FILE CMD [ARGS...]
 *
 * Writes "WALL_US PEAK_RSS_KB STATUS" to RESULT_FILE. STATUS is the exit
 * code, 128+signal if CMD was killed, 124 if it overran LIMIT_S (then it got
 * SIGTERM, and SIGKILL 3 s later), 127 if it could not be started.
 *
 * PEAK_RSS_KB is VmHWM of the process CMD becomes (taskset execs it, so for
 * "taskset -c 0 emt -- prog" that is emt itself), sampled every 50 ms. It is
 * not wait4's ru_maxrss: that one also covers the children the process
 * reaped, i.e. the traced program, which would hide emt's own footprint.
 * A pidfd wakes us the moment CMD exits, so the wall time is not rounded
 * up to the sampling period. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SAMPLE_MS 50
#define KILL_GRACE_MS 3000

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* VmHWM in KiB, or -1 once the process has no memory (exited, zombie). */
static long read_hwm(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

/* Sample until the child exits; kill it if it overruns. */
static int supervise(pid_t pid, int pidfd, long long limit_us, long *hwm,
		     int *timed_out)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	long long start = now_us(), killed_at = 0;
	long kb;

	for (;;) {
		kb = read_hwm(pid);
		if (kb > *hwm)
			*hwm = kb;
		if (poll(&pfd, 1, SAMPLE_MS) > 0)
			return 0;
		if (!*timed_out && now_us() - start > limit_us) {
			*timed_out = 1;
			killed_at = now_us();
			kill(pid, SIGTERM);
		} else if (*timed_out && now_us() - killed_at > KILL_GRACE_MS * 1000LL) {
			kill(pid, SIGKILL);
		}
	}
}

int main(int argc, char **argv)
{
	long long t0, t1, limit_us;
	int pidfd, status, timed_out = 0, rc;
	long hwm = -1;
	FILE *res;
	pid_t pid;

	if (argc < 4) {
		fprintf(stderr, "usage: runner LIMIT_S RESULT_FILE CMD [ARGS...]\n");
		return 2;
	}
	limit_us = (long long)(atof(argv[1]) * 1e6);
	res = fopen(argv[2], "w");
	if (!res) {
		perror("runner: result file");
		return 2;
	}
	t0 = now_us();
	pid = fork();
	if (pid < 0) {
		perror("runner: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		fprintf(stderr, "runner: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		perror("runner: pidfd_open");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 2;
	}
	supervise(pid, pidfd, limit_us, &hwm, &timed_out);
	if (waitpid(pid, &status, 0) != pid) {
		perror("runner: waitpid");
		return 2;
	}
	t1 = now_us();
	rc = timed_out ? 124 : exit_status(status);
	fprintf(res, "%lld %ld %d\n", t1 - t0, hwm, rc);
	fclose(res);
	close(pidfd);
	return 0;
}
