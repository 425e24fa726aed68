/* SPDX-License-Identifier: MIT */
/*
 * A program that goes after emt's trampoline: it looks for an anonymous
 * executable mapping of 32 KiB followed by a read-only one (what emt maps
 * into a traced process; natively there is none) and then
 *
 *   gadget    calls a slot's `syscall` with mprotect(page, RWX) set up,
 *             to make a page executable unseen (the slot then jumps where
 *             its read-only data says; a SIGSEGV handler takes it back)
 *   write     tries to write the slot data the code jumps through
 *   unmap     munmaps it
 *   fixed     maps its own memory over it with MAP_FIXED
 *   protect   mprotects it PROT_READ|PROT_WRITE|PROT_EXEC
 *   discard   empties it with madvise(MADV_DONTNEED)
 *
 * Before and after, it rewrites and runs a page of its own (an RWX
 * mapping): every run must still be captured, none may hang or crash.
 * The page made executable through the gadget must be captured when it
 * runs, and emt must report the use of its trampoline as blind.
 *
 * usage: tramp_attack MODE
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/syscall.h>

#include "victim.h"

#define TRAMP_CODE 32768UL

static sigjmp_buf back;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(back, 1);
}

/* Whether a maps line is anonymous memory with those permissions. */
static int anon_line(const char *line, const char *want, unsigned long *lo,
		     unsigned long *hi)
{
	unsigned long ino;
	char perms[5];
	int n = 0;

	if (sscanf(line, "%lx-%lx %4s %*x %*x:%*x %lu %n", lo, hi, perms, &ino, &n) < 4)
		return 0;
	return ino == 0 && (line[n] == '\0' || line[n] == '\n') && strcmp(perms, want) == 0;
}

/* The trampoline's code mapping, or NULL (natively). */
static uint8_t *find_tramp(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long lo, hi, code_lo = 0, code_hi = 0;
	uint8_t *found = NULL;
	char line[512];

	if (!f)
		victim_die("/proc/self/maps");
	while (!found && fgets(line, sizeof(line), f)) {
		if (code_hi && anon_line(line, "r--p", &lo, &hi) && lo == code_hi)
			found = (uint8_t *)code_lo;
		code_hi = 0;
		if (anon_line(line, "r-xp", &lo, &hi) && hi - lo == TRAMP_CODE) {
			code_lo = lo;
			code_hi = hi;
		}
	}
	fclose(f);
	return found;
}

/* N rewrites and runs of page, each announced as the next capture. */
static void cycles(uint8_t *page, unsigned long *seq, int n, uint32_t base)
{
	for (int i = 0; i < n; i++)
		run_ret_imm(page + (i % 16) * 16, base + (uint32_t)i, ++*seq, "wx_map");
}

/* mprotect(page, len, RWX) through the trampoline's slot 7. */
static long slot_mprotect(uint8_t *tramp, void *page)
{
	long ret = -1;

	if (sigsetjmp(back, 1) == 0)
		ret = call_syscall_code(tramp + 7 * 64, SYS_mprotect, (long)page,
					(long)VICTIM_PAGE, PROT_RWX);
	return ret;
}

static void gadget(uint8_t *tramp)
{
	uint8_t *code = victim_mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_WRITE, 0);

	emit_ret_imm(code, 4242);
	if (tramp) {
		announce_blind("trampoline", NULL);
		slot_mprotect(tramp, code);
	} else if (mprotect(code, VICTIM_PAGE, PROT_RWX) < 0) {
		victim_die("mprotect");
	}
	announce_code(code, 1, "wx_protect");
	printf("gadget page returned %d\n", call_code(code));
}

static void try_write(uint8_t *tramp)
{
	static volatile uint8_t *data;
	static volatile int wrote;

	data = tramp ? tramp + TRAMP_CODE : NULL;
	if (data && sigsetjmp(back, 1) == 0) {
		data[48] = 0x41;
		wrote = 1;
	}
	printf("data written: %s\n", wrote ? "yes" : "no");
}

static void attack(const char *mode, uint8_t *tramp)
{
	if (strcmp(mode, "gadget") == 0) {
		gadget(tramp);
	} else if (strcmp(mode, "write") == 0) {
		try_write(tramp);
	} else if (!tramp) {
		/* natively there is nothing to attack */
	} else if (strcmp(mode, "unmap") == 0) {
		munmap(tramp, TRAMP_CODE);
	} else if (strcmp(mode, "fixed") == 0) {
		if (mmap(tramp, 2 * TRAMP_CODE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			victim_die("mmap MAP_FIXED");
	} else if (strcmp(mode, "protect") == 0) {
		/* Natively the range is a hole: ENOMEM either way. */
		if (mprotect(tramp, TRAMP_CODE, PROT_RWX) == 0)
			victim_fail("mprotect over the trampoline succeeded");
	} else if (strcmp(mode, "discard") == 0) {
		madvise(tramp, 2 * TRAMP_CODE, MADV_DONTNEED);
	} else {
		victim_fail("usage: tramp_attack gadget|write|unmap|fixed|protect|discard");
	}
}

int main(int argc, char **argv)
{
	unsigned long seq = 0;
	uint8_t *page, *tramp;

	if (argc != 2)
		victim_fail("usage: tramp_attack MODE");
	on_signal_call(SIGSEGV, on_segv);
	announce_start();
	page = map_rwx(VICTIM_PAGE);
	cycles(page, &seq, 3, 100);
	tramp = find_tramp();
	attack(argv[1], tramp);
	cycles(page, &seq, 5, 200);
	announce_execs(page, seq, 0);
	printf("%s: %lu runs\n", argv[1], seq);
	return 0;
}
