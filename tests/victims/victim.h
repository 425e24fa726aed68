/* SPDX-License-Identifier: MIT */
/*
 * Common code of the test victims.
 *
 * A victim does one thing with generated code and announces what it
 * generated so that the harness can check emt's events exactly. The
 * announcements go to the file named by $EMT_ANNOUNCE (nowhere when unset),
 * never to stdout: stdout must be byte-identical between a native run and a
 * run under emt, and addresses differ from run to run.
 *
 * One fact per line, "KIND key=value ...", written with a single write(2) on
 * an O_APPEND descriptor so that lines from threads and forked children never
 * interleave. The kinds (tests/lib/check_events.py reads them):
 *
 *   start  pid=P [parent=Q]              a process of the victim started
 *   wx     pid=P call=mmap|mprotect addr=A len=L
 *                                         a W+X request that succeeded
 *   code   pid=P addr=A seq=N|any sha256=H [origin=O] [via=W]
 *                                         page A is about to run with this
 *                                         content, for the N-th time since
 *                                         it was last written (through
 *                                         page W of another view)
 *   execs  pid=P addr=A n=N|N+ [from=any] how many captures page A gets
 *   last   pid=P addr=A sha256=H          content of page A at its last run
 *   blind  pid=P route=R [addr=A]        emt must report a blind event
 *                                         of route R (covering A)
 *   execve pid=P                          about to replace its image
 *   ready  pid=P                          set up; the harness may act
 *
 * Everything here is static inline so that a victim that does not use a
 * helper gets no unused-function warning.
 */
#ifndef EMT_TEST_VICTIM_H
#define EMT_TEST_VICTIM_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define VICTIM_PAGE 4096UL
#define PROT_RWX (PROT_READ | PROT_WRITE | PROT_EXEC)

/* The generated functions all have this type: they return a number the
 * victim can check, so a wrong page content shows in its output. */
typedef int (*victim_fn)(void);

/* Exit status of a victim that found something wrong with itself. It is not
 * one a test expects, so a broken victim never passes for a working one. */
#define VICTIM_BROKEN 99

static inline void victim_die(const char *what)
{
	fprintf(stderr, "victim: %s: %s\n", what, strerror(errno));
	fflush(stderr);
	_exit(VICTIM_BROKEN);
}

static inline void victim_fail(const char *what)
{
	fprintf(stderr, "victim: %s\n", what);
	fflush(stderr);
	_exit(VICTIM_BROKEN);
}

/* ---- SHA-256 (FIPS 180-4), small and self-contained ----
 * The event's sha256 is of the whole 4096-byte page as it was when it ran;
 * the victim hashes the page just before jumping into it. */

struct victim_sha256 {
	uint32_t h[8];
	uint8_t block[64];
	size_t used;
	uint64_t total;
};

static inline uint32_t victim_ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static inline void victim_sha256_block(struct victim_sha256 *s, const uint8_t *p)
{
	static const uint32_t k[64] = {
		0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
		0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
		0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
		0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
		0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
		0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
		0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
		0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
		0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
		0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
		0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
	};
	uint32_t w[64], v[8], t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = victim_ror(w[i - 15], 7) ^ victim_ror(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = victim_ror(w[i - 2], 17) ^ victim_ror(w[i - 2], 19) ^
			      (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, s->h, sizeof(v));
	for (i = 0; i < 64; i++) {
		t1 = v[7] + (victim_ror(v[4], 6) ^ victim_ror(v[4], 11) ^ victim_ror(v[4], 25)) +
		     ((v[4] & v[5]) ^ (~v[4] & v[6])) + k[i] + w[i];
		t2 = (victim_ror(v[0], 2) ^ victim_ror(v[0], 13) ^ victim_ror(v[0], 22)) +
		     ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		s->h[i] += v[i];
}

static inline void victim_sha256_hex(const void *data, size_t len, char hex[65])
{
	struct victim_sha256 s = {
		.h = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f,
		       0x9b05688c, 0x1f83d9ab, 0x5be0cd19 },
	};
	/* volatile: the page may be rewritten by another thread or by the
	 * kernel; read each byte exactly once, as it is now. */
	const volatile uint8_t *p = data;
	uint64_t bits = (uint64_t)len * 8;
	size_t i;

	for (i = 0; i < len; i++) {
		s.block[s.used++] = p[i];
		if (s.used == 64) {
			victim_sha256_block(&s, s.block);
			s.used = 0;
		}
	}
	s.block[s.used++] = 0x80;
	if (s.used > 56) {
		memset(s.block + s.used, 0, 64 - s.used);
		victim_sha256_block(&s, s.block);
		s.used = 0;
	}
	memset(s.block + s.used, 0, 56 - s.used);
	for (i = 0; i < 8; i++)
		s.block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	victim_sha256_block(&s, s.block);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", (s.h[i / 4] >> (24 - 8 * (i % 4))) & 0xff);
}

/* ---- announcements ---- */

static inline void announce(const char *fmt, ...)
{
	const char *path = getenv("EMT_ANNOUNCE");
	char line[512];
	va_list ap;
	int n, fd, saved = errno;

	if (!path || !*path)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(line) - 1)
		victim_fail("announcement too long");
	line[n++] = '\n';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		victim_die(path);
	if (write(fd, line, (size_t)n) != n)
		victim_die("write announcement");
	close(fd);
	errno = saved;
}

static inline void victim_nothing(int sig)
{
	(void)sig;
}

/* With $EMT_VICTIM_WAIT set, a victim announces "ready" at its start and
 * waits (at most 20 s) for SIGUSR2, so that emt can attach to it first;
 * the variable is cleared so that its children do not wait too. */
static inline void victim_wait_for_attach(void)
{
	struct sigaction sa = { .sa_handler = victim_nothing }, old;
	sigset_t usr2, prev;

	if (!getenv("EMT_VICTIM_WAIT"))
		return;
	unsetenv("EMT_VICTIM_WAIT");
	sigemptyset(&sa.sa_mask);
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, &prev);
	sigaction(SIGUSR2, &sa, &old);
	announce("ready pid=%d", (int)getpid());
	for (int i = 0; i < 200; i++) {
		struct timespec tenth = { 0, 100 * 1000 * 1000 };

		if (sigtimedwait(&usr2, NULL, &tenth) == SIGUSR2)
			break;
	}
	sigaction(SIGUSR2, &old, NULL);
	sigprocmask(SIG_SETMASK, &prev, NULL);
}

static inline void announce_start(void)
{
	announce("start pid=%d", (int)getpid());
	victim_wait_for_attach();
}

static inline void announce_ready(void)
{
	announce("ready pid=%d", (int)getpid());
}

static inline void announce_wx(const char *call, const void *addr, size_t len)
{
	announce("wx pid=%d call=%s addr=%#lx len=%zu", (int)getpid(), call,
		 (unsigned long)addr, len);
}

/* Page `page` is about to run for the seq-th time (0: any), its content
 * written through the page `via` of another view of the same memory (NULL:
 * through itself). Hashes it now, so call it after the last write and
 * before the jump. */
static inline void announce_code_via(const void *page, unsigned long seq, const char *origin,
				     const void *via)
{
	char hex[65], seqs[24], vias[40] = "";

	victim_sha256_hex(page, VICTIM_PAGE, hex);
	if (seq)
		snprintf(seqs, sizeof(seqs), "%lu", seq);
	else
		snprintf(seqs, sizeof(seqs), "any");
	if (via)
		snprintf(vias, sizeof(vias), " via=%#lx", (unsigned long)via);
	announce("code pid=%d addr=%#lx seq=%s sha256=%s%s%s%s", (int)getpid(),
		 (unsigned long)page, seqs, hex, origin ? " origin=" : "",
		 origin ? origin : "", vias);
}

/* Page `page` is about to run for the seq-th time with the content of
 * `bytes` (a copy: the page itself must not be touched first). */
static inline void announce_code_as(const void *page, const void *bytes, unsigned long seq,
				    const char *origin)
{
	char hex[65];

	victim_sha256_hex(bytes, VICTIM_PAGE, hex);
	announce("code pid=%d addr=%#lx seq=%lu sha256=%s origin=%s", (int)getpid(),
		 (unsigned long)page, seq, hex, origin);
}

static inline void announce_code(const void *page, unsigned long seq, const char *origin)
{
	announce_code_via(page, seq, origin, NULL);
}

/* Page `page` is captured exactly n times (at least n if at_least). */
static inline void announce_execs(const void *page, unsigned long n, int at_least)
{
	announce("execs pid=%d addr=%#lx n=%lu%s", (int)getpid(), (unsigned long)page,
		 n, at_least ? "+" : "");
}

/* emt must report a blind event of this route (covering addr, if not
 * NULL) for this process. */
static inline void announce_blind(const char *route, const void *addr)
{
	if (addr)
		announce("blind pid=%d route=%s addr=%#lx", (int)getpid(), route,
			 (unsigned long)addr);
	else
		announce("blind pid=%d route=%s", (int)getpid(), route);
}

static inline void announce_last(const void *page)
{
	char hex[65];

	victim_sha256_hex(page, VICTIM_PAGE, hex);
	announce("last pid=%d addr=%#lx sha256=%s", (int)getpid(),
		 (unsigned long)page, hex);
}

/* ---- memory ---- */

/* mmap that announces the W+X request; dies on failure. */
static inline void *victim_mmap(void *hint, size_t len, int prot, int flags)
{
	void *p = mmap(hint, len, prot, flags | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		victim_die("mmap");
	if ((prot & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
		announce_wx("mmap", p, len);
	return p;
}

static inline void *map_rwx(size_t len)
{
	return victim_mmap(NULL, len, PROT_RWX, 0);
}

static inline void victim_mprotect(void *addr, size_t len, int prot)
{
	if (mprotect(addr, len, prot) < 0)
		victim_die("mprotect");
	if ((prot & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
		announce_wx("mprotect", addr, len);
}

static inline void *page_of(const void *p)
{
	return (void *)((uintptr_t)p & ~(uintptr_t)(VICTIM_PAGE - 1));
}

/* The permissions column of the /proc/self/maps line that holds addr;
 * -1 when no line does. */
static inline int maps_perms(const void *addr, char perms[5])
{
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long lo, hi, a = (unsigned long)addr;
	char line[512];
	int found = -1;

	if (!f)
		victim_die("/proc/self/maps");
	while (found < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && lo <= a && a < hi)
			found = 0;
	fclose(f);
	return found;
}

/* ---- x86_64 code ---- */

/* Writes `mov eax, imm32; ret` (6 bytes) at p; returns the length. */
static inline size_t emit_ret_imm(void *p, uint32_t imm)
{
	uint8_t code[6] = { 0xb8, (uint8_t)imm, (uint8_t)(imm >> 8), (uint8_t)(imm >> 16),
			    (uint8_t)(imm >> 24), 0xc3 };

	memcpy(p, code, sizeof(code));
	return sizeof(code);
}

static inline int call_code(void *p)
{
	victim_fn fn = (victim_fn)p;

	/* A no-op on x86_64, where the instruction cache is coherent, but it
	 * is what a portable JIT does and it keeps the stores before the call. */
	__builtin___clear_cache((char *)p, (char *)p + 16);
	return fn();
}

/* Calls code that begins with a system call instruction, with rax = nr
 * and the first three syscall arguments set; the call pushes below the
 * red zone of the caller's frame. */
static inline long call_syscall_code(void *code, long nr, long a0, long a1, long a2)
{
	long ret;

	__asm__ volatile("sub $128, %%rsp\n\tcall *%[code]\n\tadd $128, %%rsp"
			 : "=a"(ret)
			 : [code] "r"(code), "a"(nr), "D"(a0), "S"(a1), "d"(a2)
			 : "rcx", "r8", "r9", "r10", "r11", "memory", "cc");
	return ret;
}

/* Writes a function returning v % 64 into slot v % 16 of page and runs
 * it: 0 when it returned that. Few distinct contents, so that emt stores
 * few distinct captures however many runs it sees. */
static inline int run_slot(uint8_t *page, uint32_t v)
{
	uint8_t *fn = page + (v % 16) * 64;

	emit_ret_imm(fn, v % 64);
	return call_code(fn) == (int)(v % 64) ? 0 : -1;
}

/* After busy threads: each page still RWX to the program (is_rwx reads
 * the maps; NULL: not checked), each still runs, and no thread saw a wrong
 * result (errors). 0, or 1 with what went wrong printed. */
static inline int check_busy_pages(uint8_t *const *pages, int n,
				   int (*is_rwx)(const void *), long errors)
{
	int bad = 0;

	for (int i = 0; i < n; i++) {
		if (is_rwx && !is_rwx(pages[i])) {
			printf("page %d is not rwx in /proc/self/maps\n", i);
			bad = 1;
		}
		if (run_slot(pages[i], 0xfeed))
			bad = 1;
	}
	if (errors) {
		printf("%ld wrong results\n", errors);
		bad = 1;
	}
	return bad;
}

/* Emits `mov eax, imm; ret` at p, announces the page, runs it and checks
 * the result. */
static inline void run_ret_imm(void *p, uint32_t imm, unsigned long seq, const char *origin)
{
	int got;

	emit_ret_imm(p, imm);
	announce_code(page_of(p), seq, origin);
	got = call_code(p);
	if (got != (int)imm) {
		fprintf(stderr, "victim: code at %p returned %d, not %u\n", p, got, imm);
		_exit(VICTIM_BROKEN);
	}
}

/* Maps a fresh RWX page, runs `mov eax, imm; ret` in it as its first
 * capture and prints "<label> <imm>". Returns the page. */
static inline uint8_t *first_run(uint32_t imm, const char *label)
{
	uint8_t *page;

	announce_start();
	page = map_rwx(VICTIM_PAGE);
	run_ret_imm(page, imm, 1, "wx_map");
	printf("%s %d\n", label, call_code(page));
	fflush(stdout);
	return page;
}

/* ---- long runs to attach to ---- */

/* Options of the victims that run until SIGUSR1: -m checks the maps at
 * the end, -t bounds the run in seconds. */
struct run_options {
	int check_maps;
	double limit;
};

static inline void parse_run_options(int argc, char **argv, const char *usage,
				     struct run_options *o)
{
	int opt;

	o->check_maps = 0;
	o->limit = 30;
	while ((opt = getopt(argc, argv, "mt:")) != -1) {
		if (opt == 'm')
			o->check_maps = 1;
		else if (opt == 't')
			o->limit = atof(optarg);
		else
			victim_fail(usage);
	}
}

static inline void on_signal_call(int sig, void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler };

	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) < 0)
		victim_die("sigaction");
}

/* Says "ready", then sleeps until a signal handler sets *go. */
static inline void announce_ready_wait(volatile sig_atomic_t *go)
{
	sigset_t none;

	sigemptyset(&none);
	announce_ready();
	while (!*go)
		sigsuspend(&none);
}

#endif
