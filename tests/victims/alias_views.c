/* SPDX-License-Identifier: MIT */
/*
 * Two views of the same pages, one writable, one executable, arranged so
 * that a monitor keeping only whole, unchanged mappings loses track of
 * the executable one; code is then written through the writable view and
 * run through the executable one, twice (each run must be captured):
 *
 *   partial   a memfd mapped RW and R-X (2 pages each); the R-X view loses
 *             its second page to munmap
 *   protect   a memfd mapped RW twice; one view mprotect'ed R-X
 *   mremap    the R-X view of a memfd moved elsewhere with mremap
 *   dup       shared anonymous memory duplicated with mremap(old_size 0),
 *             the copy mprotect'ed R-X
 *   fork      a memfd mapped RW in the parent, R-X in a forked child: the
 *             parent writes, the child runs
 *
 * usage: alias_views MODE
 */
#include <sys/wait.h>

#include "victim.h"

#define RW (PROT_READ | PROT_WRITE)
#define RX (PROT_READ | PROT_EXEC)

static int memfd_of(size_t len)
{
	int fd = memfd_create("views", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, (off_t)len) < 0)
		victim_die("memfd");
	return fd;
}

static uint8_t *map_fd(int fd, size_t len, int prot)
{
	uint8_t *p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		victim_die("mmap");
	return p;
}

/* Two rounds: write through w, run through x. The first capture's
 * origin depends on how x became executable; the second was written
 * through w. */
static void rounds(uint8_t *w, uint8_t *x, const char *first)
{
	for (unsigned long i = 1; i <= 2; i++) {
		uint32_t want = (uint32_t)(100 * i + 7);

		emit_ret_imm(w + 64 * i, want);
		if (i == 1)
			announce_code(x, i, first);
		else
			announce_code_via(x, i, "alias", w);
		if (call_code(x + 64 * i) != (int)want)
			victim_fail("the executable view ran stale code");
	}
	announce_execs(x, 2, 0);
	announce_execs(w, 0, 0);
}

static void partial(void)
{
	int fd = memfd_of(2 * VICTIM_PAGE);
	uint8_t *w = map_fd(fd, 2 * VICTIM_PAGE, RW);
	uint8_t *x = map_fd(fd, 2 * VICTIM_PAGE, RX);

	if (munmap(x + VICTIM_PAGE, VICTIM_PAGE) < 0)
		victim_die("munmap");
	rounds(w, x, "exec_map");
}

static void protect(void)
{
	int fd = memfd_of(VICTIM_PAGE);
	uint8_t *w = map_fd(fd, VICTIM_PAGE, RW);
	uint8_t *x = map_fd(fd, VICTIM_PAGE, RW);

	if (mprotect(x, VICTIM_PAGE, RX) < 0)
		victim_die("mprotect");
	rounds(w, x, "flip");
}

static void moved(void)
{
	int fd = memfd_of(VICTIM_PAGE);
	uint8_t *w = map_fd(fd, VICTIM_PAGE, RW);
	uint8_t *x = map_fd(fd, VICTIM_PAGE, RX);
	uint8_t *to = mmap(NULL, 4 * VICTIM_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (to == MAP_FAILED)
		victim_die("mmap");
	x = mremap(x, VICTIM_PAGE, VICTIM_PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		   to + 2 * VICTIM_PAGE);
	if (x == MAP_FAILED)
		victim_die("mremap");
	rounds(w, x, "exec_map");
}

static void dup_shared(void)
{
	uint8_t *w = mmap(NULL, VICTIM_PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint8_t *x;

	if (w == MAP_FAILED)
		victim_die("mmap");
	x = mremap(w, 0, VICTIM_PAGE, MREMAP_MAYMOVE);
	if (x == MAP_FAILED)
		victim_die("mremap");
	if (mprotect(x, VICTIM_PAGE, RX) < 0)
		victim_die("mprotect");
	rounds(w, x, "flip");
}

/* The parent writes what the child runs; they take turns over a pipe. */
static void across_fork(void)
{
	int fd = memfd_of(VICTIM_PAGE), go[2], done[2], st;
	uint8_t *w = map_fd(fd, VICTIM_PAGE, RW), *x;
	char c = 0;
	pid_t pid;

	if (pipe(go) < 0 || pipe(done) < 0)
		victim_die("pipe");
	pid = fork();
	if (pid == 0) {
		announce("start pid=%d parent=%d", (int)getpid(), (int)getppid());
		x = map_fd(fd, VICTIM_PAGE, RX);
		for (unsigned long i = 1; i <= 2; i++) {
			if (read(go[0], &c, 1) != 1)
				_exit(VICTIM_BROKEN);
			if (i == 1)
				announce_code(x, i, "exec_map");
			else
				announce_code_via(x, i, "alias", w);
			if (call_code(x + 64 * i) != (int)(100 * i + 7))
				victim_fail("the child ran stale code");
			if (write(done[1], &c, 1) != 1)
				_exit(VICTIM_BROKEN);
		}
		announce_execs(x, 2, 0);
		_exit(0);
	}
	for (unsigned long i = 1; i <= 2; i++) {
		emit_ret_imm(w + 64 * i, (uint32_t)(100 * i + 7));
		if (write(go[1], &c, 1) != 1 || read(done[0], &c, 1) != 1)
			victim_die("pipe");
	}
	if (waitpid(pid, &st, 0) != pid || st != 0)
		victim_fail("child failed");
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} modes[] = {
		{ "partial", partial }, { "protect", protect }, { "mremap", moved },
		{ "dup", dup_shared }, { "fork", across_fork },
	};

	announce_start();
	for (size_t i = 0; argc == 2 && i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(argv[1], modes[i].name) == 0) {
			modes[i].run();
			printf("alias %s: ok\n", argv[1]);
			return 0;
		}
	}
	victim_fail("usage: alias_views partial|protect|mremap|dup|fork");
	return 1;
}
