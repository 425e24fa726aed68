/* SPDX-License-Identifier: MIT */
/*
 * execve by one thread while emt drives another. Each round forks a child
 * whose main thread rewrites and runs its RWX page without pause (each
 * write and each run is a flip, made by steps since two threads share the
 * memory), while a second thread execs this program again at a random
 * moment. The exec'ing thread takes the main thread's tid and the old
 * image is gone, whatever emt was doing in it: the new image must run
 * (it exits 42) and emt must neither hang nor crash it. The main thread
 * also forks now and then (the child exits at once): a fork cut short by
 * the exec reports no event, yet its child must run.
 *
 * usage: exec_race [-w] [ROUNDS]   (default 50)
 *   -w: announce "ready" and wait for SIGUSR1 first (for attaching).
 * Prints how many children ran the new image; exit 0 when all did.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "victim.h"

#define EXEC_STATUS 42

static uint8_t *page;
static unsigned int seed;
static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void *exec_later(void *arg)
{
	struct timespec nap = { 0, (long)(rand_r(&seed) % 3000) * 1000 };
	char *const argv[] = { "exec_race", "-c", NULL };

	(void)arg;
	nanosleep(&nap, NULL);
	announce("execve pid=%d", (int)getpid());
	execv("/proc/self/exe", argv);
	victim_die("execv");
	return NULL;
}

static void child(void)
{
	pthread_t th;

	announce("start pid=%d parent=%d", (int)getpid(), (int)getppid());
	page = map_rwx(VICTIM_PAGE);
	run_ret_imm(page, 1, 1, "wx_map");
	announce_execs(page, 1, 1);
	if (pthread_create(&th, NULL, exec_later, NULL))
		victim_fail("pthread_create");
	for (uint32_t v = 2;; v++) {
		uint8_t *fn = page + (v % 16) * 64;

		emit_ret_imm(fn, v);
		if (call_code(fn) != (int)v)
			_exit(VICTIM_BROKEN);
		if (v % 32 == 0 && fork() == 0)
			_exit(0);
	}
}

int main(int argc, char **argv)
{
	int rounds = 50, ran = 0, i = 1, status;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "-c") == 0)
		return EXEC_STATUS; /* the new image */
	on_signal_call(SIGUSR1, on_usr1);
	announce_start();
	if (argc > i && strcmp(argv[i], "-w") == 0 && ++i)
		announce_ready_wait(&go);
	if (argc > i)
		rounds = atoi(argv[i]);
	for (int r = 0; r < rounds; r++) {
		seed = (unsigned int)(r * 7919 + 17);
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			victim_die("fork");
		if (pid == 0)
			child();
		if (waitpid(pid, &status, 0) != pid)
			victim_die("waitpid");
		if (WIFEXITED(status) && WEXITSTATUS(status) == EXEC_STATUS)
			ran++;
		else
			fprintf(stderr, "round %d: child status %#x\n", r, status);
	}
	printf("exec_race: %d of %d children ran the new image\n", ran, rounds);
	return ran == rounds ? 0 : 1;
}
