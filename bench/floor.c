/* SPDX-License-Identifier: MIT */
/* The mechanism floor: the least a ptrace tracer can do per event, measured
 * on the same machine and in the same run as emt, so that emt's figures can
 * be read as a ratio to it rather than as absolute times.
 *
 *   floor fault N     the child stores to a read-only page N times; for each
 *                     SIGSEGV stop the tracer does GETREGS, skips the 3-byte
 *                     store, SETREGS, CONT with no signal. A W->X->W cycle
 *                     is at best two of these.
 *   floor int3 N      the child runs int3 N times; the tracer only CONTs:
 *                     a bare stop round trip.
 *   floor syscall N   the child calls getpid N times under PTRACE_SYSCALL
 *                     (two stops per call): what attach mode or
 *                     --no-seccomp cannot go below.
 *
 * Prints "NS_PER_EVENT STOPS" on stdout. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum mode { MODE_FAULT, MODE_INT3, MODE_SYSCALL };

/* movb $1, (%rax): c6 00 01. A fixed encoding, so the tracer can skip it
 * without decoding. */
#define STORE_LEN 3
#define STORE_BYTES 0x0100c6UL

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void child_loop(enum mode mode, unsigned long n, volatile uint8_t *ro)
{
	unsigned long i;

	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
		_exit(126);
	/* Let the tracer set its options before the measured loop. */
	raise(SIGSTOP);
	for (i = 0; i < n; i++) {
		switch (mode) {
		case MODE_FAULT:
			__asm__ volatile("movb $1, (%0)" : : "a"(ro) : "memory");
			break;
		case MODE_INT3:
			__asm__ volatile("int3" ::: "memory");
			break;
		case MODE_SYSCALL:
			syscall(SYS_getpid);
			break;
		}
	}
	_exit(0);
}

/* Skip the faulting store. The first time, check that RIP really is at our
 * store: skipping 3 bytes of anything else would be a wild jump. */
static int skip_store(pid_t pid, int *checked)
{
	struct user_regs_struct regs;
	long word;

	if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) != 0)
		return -1;
	if (!*checked) {
		errno = 0;
		word = ptrace(PTRACE_PEEKTEXT, pid, (void *)regs.rip, NULL);
		if (errno || ((unsigned long)word & 0xffffff) != STORE_BYTES) {
			fprintf(stderr, "floor: unexpected fault at %#llx\n",
				(unsigned long long)regs.rip);
			return -1;
		}
		*checked = 1;
	}
	regs.rip += STORE_LEN;
	return ptrace(PTRACE_SETREGS, pid, NULL, &regs) == 0 ? 0 : -1;
}

static int trace(pid_t pid, enum mode mode, unsigned long *stops)
{
	enum __ptrace_request resume = mode == MODE_SYSCALL ? PTRACE_SYSCALL : PTRACE_CONT;
	int status, checked = 0, sig;

	for (;;) {
		if (waitpid(pid, &status, __WALL) < 0)
			return -1;
		if (WIFEXITED(status))
			return WEXITSTATUS(status) == 0 ? 0 : -1;
		if (WIFSIGNALED(status))
			return -1;
		sig = WSTOPSIG(status);
		(*stops)++;
		if (mode == MODE_FAULT && sig == SIGSEGV) {
			if (skip_store(pid, &checked))
				return -1;
			sig = 0;
		} else if (sig == SIGTRAP || sig == (SIGTRAP | 0x80)) {
			sig = 0;	/* our int3 or syscall stop */
		}
		if (ptrace(resume, pid, NULL, (void *)(long)sig) != 0)
			return -1;
	}
}

static int parse_mode(const char *s, enum mode *mode)
{
	if (strcmp(s, "fault") == 0)
		*mode = MODE_FAULT;
	else if (strcmp(s, "int3") == 0)
		*mode = MODE_INT3;
	else if (strcmp(s, "syscall") == 0)
		*mode = MODE_SYSCALL;
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n, stops = 0;
	enum mode mode;
	uint8_t *ro;
	double t0, t1;
	int status;
	pid_t pid;

	if (argc != 3 || parse_mode(argv[1], &mode)) {
		fprintf(stderr, "usage: floor fault|int3|syscall N\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 0);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED) {
		perror("floor: mmap");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("floor: fork");
		return 1;
	}
	if (pid == 0)
		child_loop(mode, n, ro);
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
		fprintf(stderr, "floor: child did not stop\n");
		return 1;
	}
	/* EXITKILL: if this tracer is killed (timeout), the child goes too. */
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   (void *)(long)(PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD)) != 0) {
		perror("floor: PTRACE_SETOPTIONS");
		kill(pid, SIGKILL);
		return 1;
	}
	t0 = now_ns();
	if (ptrace(mode == MODE_SYSCALL ? PTRACE_SYSCALL : PTRACE_CONT, pid, NULL, NULL) != 0 ||
	    trace(pid, mode, &stops) != 0) {
		fprintf(stderr, "floor: tracing failed (%s)\n", strerror(errno));
		kill(pid, SIGKILL);
		return 1;
	}
	t1 = now_ns();
	printf("%.1f %lu\n", n ? (t1 - t0) / (double)n : 0.0, stops);
	return 0;
}
