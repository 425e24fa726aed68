/* SPDX-License-Identifier: MIT */
/*
 * clone3 arguments rewritten while the call is made. One thread calls
 * clone3 (raw, on a stack of the child's own) in a loop while a sibling
 * rewrites the flags of the struct without pause: CLONE_UNTRACED,
 * CLONE_THREAD (with CLONE_SIGHAND) and CLONE_VM on and off. Whatever
 * flags the kernel reads, every child must be traced: each runs code its
 * parent has just written in a page of its own, which an untraced child
 * would run unseen (under emt the page is not executable: it would die).
 * The registers of both sides come back from clone3 as they were given,
 * as the syscall ABI wants (rdi, rsi are preserved).
 *
 * First, structs of other sizes: too small, too big, with bytes past the
 * known fields set (refused as natively) or zero (taken).
 *
 * usage: clone3_race [-w] [ROUNDS]   (default 200)
 *   -w: announce "ready" and wait for SIGUSR1 first (for attaching).
 * Prints how many children of each kind ran their code; exit 0 when all
 * did.
 */
#include <linux/futex.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "victim.h"

#define MAX_ROUNDS 1000

static const uint64_t variants[] = {
	0,
	CLONE_UNTRACED,
	CLONE_VM,
	CLONE_VM | CLONE_UNTRACED,
	CLONE_VM | CLONE_SIGHAND | CLONE_THREAD,
	CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_UNTRACED,
};
#define N_VARIANTS (sizeof(variants) / sizeof(variants[0]))

static struct clone_args args;
static struct clone_args *volatile expect_argp = &args;
static uint8_t big[512] __attribute__((aligned(8)));
static uint8_t stack[64 * 1024] __attribute__((aligned(16)));
static uint8_t *pool;
static volatile uint32_t want;
static volatile int thread_ok;
static atomic_int stop;
static volatile pid_t tid_word;
static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void flipper_write(uint64_t flags)
{
	*(volatile uint64_t *)&args.flags = flags | CLONE_CHILD_CLEARTID;
}

static void *flipper(void *arg)
{
	(void)arg;
	for (unsigned i = 0; !atomic_load_explicit(&stop, memory_order_relaxed); i++)
		flipper_write(variants[i % N_VARIANTS]);
	return NULL;
}

/* The child's first call, on its own stack: argp is its rdi. */
static void __attribute__((noreturn, used)) child_main(struct clone_args *argp)
{
	uint8_t *fn = pool + (size_t)want * VICTIM_PAGE;
	int ok = argp == expect_argp && call_code(fn) == (int)want;

	thread_ok = ok;
	syscall(SYS_exit, ok ? 0 : 3);
	__builtin_unreachable();
}

/* clone3 with rdi = a, rsi = size; the child calls child_main(rdi).
 * Returns the result, and in *after what rdi and rsi were after. */
static long raw_clone3(struct clone_args *a, size_t size, uint64_t after[2])
{
	void (*fn)(struct clone_args *) = child_main;
	uint64_t rdi = (uint64_t)a, rsi = size;
	long ret = SYS_clone3;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "and $-16, %%rsp\n\t"
			 "call *%%rbx\n\t"
			 "ud2\n"
			 "1:"
			 : "+a"(ret), "+D"(rdi), "+S"(rsi)
			 : "b"(fn)
			 : "rcx", "r11", "memory", "cc");
	after[0] = rdi;
	after[1] = rsi;
	return ret;
}

static void announce_child(pid_t pid, const uint8_t *page)
{
	char hex[65];

	victim_sha256_hex(page, VICTIM_PAGE, hex);
	announce("code pid=%d addr=%#lx seq=1 sha256=%s", (int)pid, (unsigned long)page, hex);
	announce("execs pid=%d addr=%#lx n=1", (int)pid, (unsigned long)page);
}

/* Waits for the child: a process is reaped, a thread is waited for on
 * its cleared tid. 1 when its code ran right. */
static int wait_child(long pid, int *thread)
{
	int status;

	if (waitpid((pid_t)pid, &status, __WALL) == (pid_t)pid) {
		*thread = 0;
		return WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	*thread = 1;
	while (tid_word != 0)
		syscall(SYS_futex, &tid_word, FUTEX_WAIT, tid_word, NULL, NULL, 0);
	return thread_ok;
}

static void set_args(struct clone_args *a, uint64_t flags)
{
	a->flags = flags | CLONE_CHILD_CLEARTID;
	a->child_tid = (uint64_t)(uintptr_t)&tid_word;
	a->stack = (uint64_t)(uintptr_t)stack;
	a->stack_size = sizeof(stack);
	a->exit_signal = 0;
}

/* One clone3 of a, size bytes; the result, or -1 when a child failed. */
static long clone_and_wait(struct clone_args *a, size_t size, uint32_t r, int *thread)
{
	uint64_t after[2];
	long pid;

	emit_ret_imm(pool + (size_t)r * VICTIM_PAGE, r);
	want = r;
	thread_ok = 0;
	tid_word = 1;
	expect_argp = a;
	pid = raw_clone3(a, size, after);
	if (after[0] != (uint64_t)a || after[1] != size)
		return -1;
	return pid < 0 ? pid : (wait_child(pid, thread) ? pid : -1);
}

/* Structs the kernel refuses, or takes, for their size alone: the same
 * under emt. Their children run the page after the rounds'. */
static void size_checks(uint32_t r)
{
	static const size_t sizes[] = { 32, 96, 256, 8192, 96, 256 };
	int thread;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(big, 0, sizeof(big));
		set_args((struct clone_args *)big, 0);
		if (i < 3) /* a byte past the fields the kernel knows */
			big[sizes[i] - 1] = 1;
		long rc = clone_and_wait((struct clone_args *)big, sizes[i], r, &thread);

		if (rc > 0)
			announce_child(thread ? getpid() : (pid_t)rc, pool + (size_t)r * VICTIM_PAGE);
		printf("clone3 size %zu%s: %s\n", sizes[i], i < 3 ? " (last byte set)" : "",
		       rc >= 0 ? "child ran" : rc == -1 ? "child FAILED" : strerror((int)-rc));
	}
}

static int one_round(uint32_t r, int kinds[2])
{
	uint8_t *page = pool + (size_t)r * VICTIM_PAGE;
	int thread;
	long pid;

	args.child_tid = (uint64_t)(uintptr_t)&tid_word;
	args.stack = (uint64_t)(uintptr_t)stack;
	args.stack_size = sizeof(stack);
	args.exit_signal = 0;
	pid = clone_and_wait(&args, sizeof(args), r, &thread);
	if (pid < -1)
		return 0;
	if (pid < 0)
		return -1;
	kinds[thread]++;
	announce_child(thread ? getpid() : (pid_t)pid, page);
	return 1;
}

int main(int argc, char **argv)
{
	int kinds[2] = { 0, 0 }, failed = 0, refused = 0, rc, i = 1;
	int waits = argc > i && strcmp(argv[i], "-w") == 0 && ++i;
	uint32_t rounds = argc > i ? (uint32_t)atoi(argv[i]) : 200;
	pthread_t th;

	if (rounds < 1 || rounds > MAX_ROUNDS)
		victim_fail("rounds: 1 to 1000");
	on_signal_call(SIGUSR1, on_usr1);
	announce_start();
	pool = map_rwx((size_t)(rounds + 1) * VICTIM_PAGE);
	if (waits)
		announce_ready_wait(&go);
	size_checks(rounds);
	flipper_write(0);
	if (pthread_create(&th, NULL, flipper, NULL))
		victim_fail("pthread_create");
	for (uint32_t r = 0; r < rounds; r++) {
		rc = one_round(r, kinds);
		failed += rc < 0;
		refused += rc == 0;
	}
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	printf("clone3_race: %s\n", failed ? "a child failed" : "every child ran its code");
	if (failed || refused)
		fprintf(stderr, "%d failed, %d refused, %d processes, %d threads\n", failed,
			refused, kinds[0], kinds[1]);
	return failed || refused ? 1 : 0;
}
