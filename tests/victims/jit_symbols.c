/* SPDX-License-Identifier: MIT */
/*
 * A JIT that names its code in a perf map, as V8 --perf-basic-prof does
 * (/tmp/perf-PID.map, "START SIZE name" in hex), and whose code holds bytes
 * a YARA rule looks for. One RWX page A: a function at A, named
 * "emt_jit_entry" by the newest of two lines that cover it, and the marker
 * "EMT-MARKER-7f3a" at A+0x40; lines emt must skip (not hex, no size, a
 * name with control characters at A+0x100). Announces the page (code,
 * seq 1). The map is left for the harness to remove: emt may read it after
 * the victim has exited.
 */
#include "victim.h"

#define MARKER "EMT-MARKER-7f3a"
#define MARKER_AT 0x40

static void write_map(const uint8_t *page)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	f = fopen(path, "w");
	if (!f)
		victim_die("perf map");
	fprintf(f, "%lx 1000 emt_old_code\n", (unsigned long)page);
	fprintf(f, "not a line\n");
	fprintf(f, "%lx\n", (unsigned long)page);
	fprintf(f, "%lx 80 emt_jit_entry\n", (unsigned long)page);
	fprintf(f, "%lx 10 bad\033[31mname\n", (unsigned long)page + 0x100);
	if (fclose(f))
		victim_die("perf map");
}

int main(void)
{
	uint8_t *page;

	announce_start();
	page = map_rwx(VICTIM_PAGE);
	memcpy(page + MARKER_AT, MARKER, sizeof(MARKER) - 1);
	write_map(page);
	run_ret_imm(page, 7, 1, "wx_map");
	announce_execs(page, 1, 0);
	printf("result %d\n", call_code(page));
	return 0;
}
