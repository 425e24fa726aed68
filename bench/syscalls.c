/* SPDX-License-Identifier: MIT */
/* Syscall-heavy loops that generate no code: what emt costs a program that
 * never makes anything executable.
 *
 *   syscalls [-s] getpid N      N x syscall(SYS_getpid)
 *   syscalls [-s] pread N FILE  N x pread(fd, buf, 4096, 0)
 *   syscalls open N FILE        N x open FILE, read 4 KiB of it, close: what
 *                               a program that opens many files pays
 *   syscalls create N DIR       N x create DIR/<n>.bin and write 4 KiB to it:
 *                               what storing one capture costs on DIR's
 *                               file system, whoever does it
 *
 * -s installs a seccomp filter that allows everything first: the least any
 * seccomp filter costs a call here, the floor of emt's launch mode.
 * -w waits (10 s at most) until a tracer has attached (attach.sh).
 *
 * Prints "NS_PER_CALL CHECK" on stdout. The loop is timed from inside so that
 * process start-up (and emt's own) is not counted. CHECK does not depend on
 * N and must be the same natively and under emt. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int usage(void)
{
	fprintf(stderr, "usage: syscalls [-w] [-s] getpid N | syscalls [-w] [-s] pread N FILE |"
			" syscalls open N FILE | syscalls create N DIR\n");
	return 2;
}

static int loop_getpid(unsigned long n)
{
	unsigned long i, check = 0;
	long self = getpid();
	double t0, t1;

	t0 = now_ns();
	/* syscall() rather than getpid(): no libc may cache the result, and
	 * every iteration must enter the kernel. */
	for (i = 0; i < n; i++)
		check += syscall(SYS_getpid) == self;
	t1 = now_ns();
	printf("%.1f %d\n", (t1 - t0) / (double)n, check == n);
	return check == n ? 0 : 1;
}

static int loop_pread(unsigned long n, const char *path)
{
	static unsigned char buf[4096];
	unsigned long i, check = 0;
	double t0, t1;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		fprintf(stderr, "syscalls: %s: %s\n", path, strerror(errno));
		return 1;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (pread(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf)) {
			fprintf(stderr, "syscalls: short pread\n");
			return 1;
		}
	}
	t1 = now_ns();
	close(fd);
	/* Independent of N, so runs with different counts compare. */
	for (i = 0; i < sizeof(buf); i++)
		check += buf[i];
	printf("%.1f %lu\n", (t1 - t0) / (double)n, check);
	return 0;
}

static int loop_open(unsigned long n, const char *path)
{
	static unsigned char buf[4096];
	unsigned long i, check = 0;
	double t0, t1;
	int fd;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "syscalls: %s: %s\n", path, strerror(errno));
			return 1;
		}
		/* A file whose content changes (/proc/self/status) checks
		 * only that something was read. */
		check += read(fd, buf, sizeof(buf)) > 0;
		close(fd);
	}
	t1 = now_ns();
	printf("%.1f %d\n", (t1 - t0) / (double)n, check == n);
	return check == n ? 0 : 1;
}

static int allow_all_filter(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		fprintf(stderr, "syscalls: seccomp: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int loop_create(unsigned long n, const char *dir)
{
	static unsigned char buf[4096];
	char path[4096];
	unsigned long i;
	double t0, t1;
	int fd;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		buf[0] = (unsigned char)i;
		snprintf(path, sizeof(path), "%s/%064lx.bin", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
		    close(fd) != 0) {
			fprintf(stderr, "syscalls: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	t1 = now_ns();
	printf("%.1f 0\n", (t1 - t0) / (double)n);
	return 0;
}

/* TracerPid of /proc/self/status, or -1. */
static long tracer_pid(void)
{
	char line[256];
	long pid = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %ld", &pid) == 1)
			break;
	fclose(f);
	return pid;
}

static int wait_traced(void)
{
	struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < 10000; i++) {
		if (tracer_pid() > 0)
			return 0;
		nanosleep(&ms, NULL);
	}
	fprintf(stderr, "syscalls: no tracer came\n");
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long n;

	if (argc > 1 && strcmp(argv[1], "-w") == 0) {
		if (wait_traced())
			return 1;
		argv++;
		argc--;
	}
	if (argc > 1 && strcmp(argv[1], "-s") == 0) {
		if (allow_all_filter())
			return 1;
		argv++;
		argc--;
	}
	if (argc < 3)
		return usage();
	n = strtoul(argv[2], NULL, 0);
	if (n == 0)
		return usage();
	if (strcmp(argv[1], "getpid") == 0)
		return loop_getpid(n);
	if (strcmp(argv[1], "pread") == 0 && argc == 4)
		return loop_pread(n, argv[3]);
	if (strcmp(argv[1], "open") == 0 && argc == 4)
		return loop_open(n, argv[3]);
	if (strcmp(argv[1], "create") == 0 && argc == 4)
		return loop_create(n, argv[3]);
	return usage();
}
