/* SPDX-License-Identifier: MIT */
/*
 * 200 forked children, in batches of 20 alive at once. Each inherits the
 * parent's RWX page after it ran (so executable, not writable, under emt),
 * writes its own function there, runs it and exits with a status of its
 * own that the parent checks: every child must be followed, captured and
 * reaped, and none may see another's code or status.
 */
#include <sys/wait.h>

#include "victim.h"

#define CHILDREN 200
#define BATCH 20

static void child(uint8_t *page, int k)
{
	uint8_t *fn = page + (k % 200) * 16;

	announce("start pid=%d parent=%d", (int)getpid(), (int)getppid());
	/* The seq in a child depends on whether emt lets it inherit the
	 * parent's count: announce the content, not the number. */
	run_ret_imm(fn, (uint32_t)(k + 1), 0, NULL);
	announce("execs pid=%d addr=%#lx n=1 from=any", (int)getpid(), (unsigned long)page);
	_exit(call_code(fn));
}

int main(void)
{
	pid_t pids[CHILDREN];
	int k, j, bad = 0, status;
	uint8_t *page;

	announce_start();
	page = map_rwx(VICTIM_PAGE);
	run_ret_imm(page + 0xff0, 7, 1, "wx_map");
	announce_execs(page, 1, 0);
	fflush(stdout);
	for (k = 0; k < CHILDREN; k += BATCH) {
		for (j = k; j < k + BATCH; j++) {
			pids[j] = fork();
			if (pids[j] < 0)
				victim_die("fork");
			if (pids[j] == 0)
				child(page, j);
		}
		for (j = k; j < k + BATCH; j++) {
			if (waitpid(pids[j], &status, 0) != pids[j])
				victim_die("waitpid");
			if (!WIFEXITED(status) || WEXITSTATUS(status) != j + 1) {
				printf("child %d: status %#x, expected exit %d\n", j, status, j + 1);
				bad = 1;
			}
		}
	}
	printf("fork storm: %d children %s, parent ran %d\n", CHILDREN, bad ? "FAILED" : "ok",
	       call_code(page + 0xff0));
	return bad;
}
