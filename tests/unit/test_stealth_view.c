/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the status view of --stealth: the text of a /proc status
 * file rewritten as it would read without emt. TAP output; exit status 1
 * if any failed.
 */
#include "decide/stealth_view.h"

#include <stdio.h>
#include <string.h>

static int n, failed;

/* A status file as fs/proc/array.c writes it, around the lines concerned. */
#define HEAD "Name:\tvictim\nUmask:\t0022\n"
#define IDS(tracer) "Tgid:\t4242\nNgid:\t0\nPid:\t4243\nPPid:\t4200\nTracerPid:\t" tracer "\n"
#define SEC(nnp, mode, filters)                                                \
	"NoNewPrivs:\t" nnp "\nSeccomp:\t" mode "\nSeccomp_filters:\t" filters \
	"\nSpeculation_Store_Bypass:\tthread vulnerable\n"
#define TAIL "voluntary_ctxt_switches:\t7\nnonvoluntary_ctxt_switches:\t1\n"

static void expect(const char *text, const struct status_fix *fix, const char *want,
		   const char *what)
{
	char out[4096];
	size_t len = status_view(text, strlen(text), fix, out);
	bool ok = len == strlen(want) && memcmp(out, want, len) == 0;

	printf("%s %d - %s\n", ok ? "ok" : "not ok", ++n, what);
	if (!ok) {
		printf("# want:\n%s# got:\n%.*s\n", want, (int)len, out);
		failed = 1;
	}
}

int main(void)
{
	struct status_fix launch = { .state = 'R', .emt_filters = 1 };
	struct status_fix attach = { .state = 'R' };
	struct status_fix fix;

	expect(HEAD "State:\tt (tracing stop)\n" IDS("31446") SEC("0", "2", "1") TAIL, &launch,
	       HEAD "State:\tR (running)\n" IDS("0") SEC("0", "0", "0") TAIL,
	       "launch mode: tracing stop, tracer, emt's filter hidden");

	fix = launch;
	fix.emt_filters = 3;
	fix.emt_nnp = true;
	expect(HEAD "State:\tS (sleeping)\n" IDS("31446") SEC("1", "2", "3") TAIL, &fix,
	       HEAD "State:\tS (sleeping)\n" IDS("0") SEC("0", "0", "0") TAIL,
	       "emt's three filters and no_new_privs hidden; a real state kept");

	expect(HEAD "State:\tR (running)\n" IDS("31446") SEC("1", "2", "3") TAIL, &launch,
	       HEAD "State:\tR (running)\n" IDS("0") SEC("1", "2", "2") TAIL,
	       "the program's own filters and no_new_privs shown");

	expect(HEAD "State:\tt (tracing stop)\n" IDS("99") SEC("0", "2", "1") TAIL, &attach,
	       HEAD "State:\tR (running)\n" IDS("0") SEC("0", "2", "1") TAIL,
	       "attach mode: the program's filter kept");

	fix = launch;
	fix.traceme = true;
	expect(HEAD "State:\tR (running)\n" IDS("7") SEC("0", "2", "1") TAIL, &fix,
	       HEAD "State:\tR (running)\n" IDS("4200") SEC("0", "0", "0") TAIL,
	       "after PTRACE_TRACEME the parent is the tracer (a longer line)");

	fix = attach;
	fix.state = 'T';
	expect(HEAD "State:\tt (tracing stop)\n" IDS("99") TAIL, &fix,
	       HEAD "State:\tT (stopped)\n" IDS("0") TAIL, "a group-stop shows as stopped");

	fix.state = 'S';
	expect("State:\tt (tracing stop)", &fix, "State:\tS (sleeping)",
	       "a last line without its newline");

	expect("Name:\tTracerPid:\t5\nTracerPidX:\t5\nTracerPid: 5\nTracerPid:\t1",
	       &attach, "Name:\tTracerPid:\t5\nTracerPidX:\t5\nTracerPid: 5\nTracerPid:\t0",
	       "only the kernel's lines are rewritten");

	expect("", &launch, "", "empty text");
	expect("\n\n", &launch, "\n\n", "empty lines");

	printf("1..%d\n", n);
	return failed;
}
