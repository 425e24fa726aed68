/* SPDX-License-Identifier: MIT */
/*
 * rwx_cycle_test: the W^X cycle end to end. The program runs itself as a
 * victim that maps one page W+X and, three times, writes a function
 * returning i (mov eax, i; ret) and calls it. Writing after a call makes
 * emt flip the page back to writable, so each call is a new capture: the
 * test expects exactly three exec events on that page, with sequence
 * numbers 1, 2, 3 and the bytes of each function, and a victim that
 * exits 0 (every call returned what it should).
 *
 * Exit 0 when all holds, 1 otherwise (saying what was wrong), 77 when
 * this environment does not allow ptrace or the victim is traced by
 * another tracer already (this program runs under strace -f or emt).
 */
#include <emt/emt.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 3
#define MAX_KEPT 64
#define DEADLINE_S 30

static const char me[] = "rwx_cycle_test";

/* mov eax, imm32; ret */
static void function_returning(uint8_t *code, uint32_t value)
{
	code[0] = 0xb8;
	memcpy(code + 1, &value, sizeof(value));
	code[5] = 0xc3;
}

static int victim(const char *fd_arg)
{
	int fd = atoi(fd_arg);
	uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (page == MAP_FAILED)
		return 2;
	if (dprintf(fd, "page %#lx\n", (unsigned long)page) < 0 || close(fd) < 0)
		return 3;
	for (uint32_t i = 1; i <= ROUNDS; i++) {
		int (*fn)(void) = (int (*)(void))(void *)page;

		function_returning(page, i);
		/* The compiler must not move the stores past the call. */
		__asm__ volatile("" ::: "memory");
		if (fn() != (int)i)
			return 10 + (int)i;
	}
	return 0;
}

/* What the test needs of an exec event. */
struct capture {
	uint64_t addr, len, seq;
	int error;
	uint8_t *bytes;
};

struct collected {
	struct capture cap[MAX_KEPT]; /* in the order they came */
	size_t n;
};

static void keep(struct collected *c, const struct emt_event *ev)
{
	struct capture *cap = &c->cap[c->n];

	if (ev->type != EMT_EVENT_EXEC || c->n == MAX_KEPT)
		return;
	*cap = (struct capture){ ev->addr, ev->len, ev->capture_sequence,
				 ev->capture_error, NULL };
	if (ev->bytes && !ev->capture_error && (cap->bytes = malloc(ev->len)))
		memcpy(cap->bytes, ev->bytes, ev->len);
	c->n++;
}

static int start(struct emt_monitor **monp, int write_fd)
{
	static char exe[PATH_MAX], fd_arg[16];
	char *argv[] = { exe, "--victim", fd_arg, NULL };
	struct emt_options opts = {
		.size = sizeof(opts),
		.argv = argv,
		.event_mask = EMT_EVENT_MASK(EMT_EVENT_EXEC),
	};
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	snprintf(fd_arg, sizeof(fd_arg), "%d", write_fd);
	*monp = emt_monitor_new(&opts);
	if (!*monp)
		return -errno;
	return emt_monitor_start(*monp);
}

/* 1 while the victim runs, 0 once it is gone, -1 on failure. */
static int step(struct emt_monitor *mon, struct collected *c)
{
	struct emt_event *ev;
	int rc = emt_monitor_next_event(mon, 250, &ev);

	if (rc == 0) {
		keep(c, ev);
		emt_event_free(ev);
		return 1;
	}
	if (rc == -EAGAIN || rc == -EINTR)
		return 1;
	if (rc == -ECHILD)
		return 0;
	fprintf(stderr, "%s: FAIL: reading events: %s\n", me, strerror(-rc));
	return -1;
}

/* Events until the victim is gone; the victim's wait status, or -1. */
static int collect(struct emt_monitor *mon, struct collected *c)
{
	time_t deadline = time(NULL) + DEADLINE_S;
	struct emt_result *result = NULL;
	int rc, status;

	while ((rc = step(mon, c)) == 1 && time(NULL) <= deadline)
		;
	if (rc == 1)
		fprintf(stderr, "%s: FAIL: victim still running after %d s\n", me,
			DEADLINE_S);
	if (rc != 0) {
		emt_monitor_stop(mon, EMT_STOP_KILL, NULL);
		return -1;
	}
	rc = emt_monitor_stop(mon, EMT_STOP_WAIT, &result);
	if (rc < 0 || !result) {
		fprintf(stderr, "%s: FAIL: stopping: %s\n", me, strerror(-rc));
		return -1;
	}
	for (size_t i = 0; i < result->n_events; i++)
		keep(c, result->events[i]);
	status = result->exit_status;
	emt_result_free(result);
	return status;
}

static uint64_t read_page(int fd)
{
	char buf[64] = "";
	unsigned long page = 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n <= 0 || sscanf(buf, "page %lx", &page) != 1)
		return 0;
	return page;
}

/* Number of problems with capture number k (0-based) of the page. */
static int check_capture(const struct capture *cap, uint64_t page, uint32_t k)
{
	uint64_t off = page - cap->addr;
	uint8_t want[6];
	int bad = 0;

	function_returning(want, k + 1);
	if (cap->seq != k + 1) {
		fprintf(stderr, "%s: FAIL: capture %u has seq %" PRIu64 "\n", me,
			k + 1, cap->seq);
		bad++;
	}
	if (!cap->bytes || cap->len - off < sizeof(want) ||
	    memcmp(cap->bytes + off, want, sizeof(want)) != 0) {
		fprintf(stderr, "%s: FAIL: capture %u does not start with "
			"mov eax, %u; ret (error %d, len %" PRIu64 ")\n", me, k + 1,
			k + 1, cap->error, cap->len);
		bad++;
	}
	return bad;
}

static bool covers(const struct capture *cap, uint64_t page)
{
	return page && cap->addr <= page && page - cap->addr < cap->len;
}

static int check(const struct collected *c, uint64_t page, int status)
{
	uint32_t on_page = 0;
	int bad = 0;

	if (!page) {
		fprintf(stderr, "%s: FAIL: the victim did not announce its page\n", me);
		bad++;
	}
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s: FAIL: victim wait status %#x\n", me, status);
		bad++;
	}
	for (size_t i = 0; i < c->n; i++) {
		if (!covers(&c->cap[i], page))
			continue;
		if (on_page < ROUNDS)
			bad += check_capture(&c->cap[i], page, on_page);
		on_page++;
	}
	if (on_page != ROUNDS) {
		fprintf(stderr, "%s: FAIL: %u exec events on the page, expected %d\n",
			me, on_page, ROUNDS);
		bad++;
	}
	return bad;
}

static int monitor(void)
{
	struct collected c = { .n = 0 };
	struct emt_monitor *mon = NULL;
	int fds[2], rc, status, bad;
	uint64_t page;

	if (pipe2(fds, O_CLOEXEC) < 0 || fcntl(fds[1], F_SETFD, 0) < 0) {
		perror(me);
		return 1;
	}
	rc = start(&mon, fds[1]);
	close(fds[1]);
	if (rc < 0) {
		/* EBUSY: a tracer of this process took the victim first. */
		bool skip = rc == -EPERM || rc == -EBUSY;

		fprintf(stderr, "%s: %s: %s\n", me, skip ? "SKIP" : "FAIL",
			rc == -EBUSY ? "the victim is already traced by another process"
				     : strerror(-rc));
		emt_monitor_free(mon);
		return skip ? 77 : 1;
	}
	status = collect(mon, &c);
	page = read_page(fds[0]);
	bad = check(&c, page, status);
	for (size_t i = 0; i < c.n; i++)
		free(c.cap[i].bytes);
	emt_monitor_free(mon);
	if (bad == 0)
		printf("%s: ok: 3 captures of page %#" PRIx64 ", seq 1 2 3\n", me, page);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	/* _exit: a sanitizer's leak check at exit stops the world with
	 * ptrace, which cannot work in a traced process. */
	if (argc == 3 && strcmp(argv[1], "--victim") == 0)
		_exit(victim(argv[2]));
	if (argc != 1) {
		fprintf(stderr, "usage: %s\n", me);
		return 1;
	}
	return monitor();
}
