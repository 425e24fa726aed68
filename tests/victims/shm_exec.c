/* SPDX-License-Identifier: MIT */
/*
 * SysV shared memory made executable by shmat(SHM_EXEC), with no mmap or
 * mprotect asking for it:
 *
 *   wx        one attach, writable and executable: written, run, rewritten,
 *             run (captured twice: wx_map)
 *   views     one executable read-only attach and one writable attach of the
 *             same segment: written through the second, run through the
 *             first, twice (exec_map, then alias)
 *   outside   the segment (key from $EMT_SHM_KEY) is also attached by a
 *             process emt does not trace: reported (shared_outside)
 *
 * usage: shm_exec MODE
 */
#include <sys/ipc.h>
#include <sys/shm.h>

#include "victim.h"

#ifndef SHM_EXEC
#define SHM_EXEC 0100000
#endif

static uint8_t *attach(int id, int flags)
{
	uint8_t *p = shmat(id, NULL, flags);

	if (p == (void *)-1)
		victim_die("shmat");
	return p;
}

static void wx(int id)
{
	uint8_t *p = attach(id, SHM_EXEC);

	run_ret_imm(p, 1, 1, "wx_map");
	run_ret_imm(p + 64, 2, 2, "wx_map");
	announce_execs(p, 2, 0);
}

static void views(int id, const char *first)
{
	uint8_t *x = attach(id, SHM_EXEC | SHM_RDONLY);
	uint8_t *w = attach(id, 0);

	for (unsigned long i = 1; i <= 2; i++) {
		emit_ret_imm(w + 64 * i, (uint32_t)(10 * i));
		if (i == 1)
			announce_code(x, i, first);
		else
			announce_code_via(x, i, "alias", w);
		if (call_code(x + 64 * i) != (int)(10 * i))
			victim_fail("the executable attach ran stale code");
	}
	announce_execs(x, 2, 0);
	announce_execs(w, 0, 0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	const char *key = getenv("EMT_SHM_KEY");
	int id;

	announce_start();
	if (strcmp(mode, "outside") == 0 && key)
		id = shmget((key_t)strtol(key, NULL, 0), VICTIM_PAGE, 0600);
	else
		id = shmget(IPC_PRIVATE, VICTIM_PAGE, IPC_CREAT | 0600);
	if (id < 0)
		victim_die("shmget");
	if (strcmp(mode, "wx") == 0) {
		wx(id);
	} else if (strcmp(mode, "views") == 0) {
		views(id, "exec_map");
	} else if (strcmp(mode, "outside") == 0 && key) {
		announce_blind("shared_outside", NULL);
		views(id, "exec_map");
	} else {
		victim_fail("usage: shm_exec wx|views|outside");
	}
	if (strcmp(mode, "outside") != 0)
		shmctl(id, IPC_RMID, NULL);
	printf("shm %s: ok\n", mode);
	return 0;
}
