/* SPDX-License-Identifier: MIT */
/*
 * Creates a SysV shared memory segment with key KEY, attaches it and keeps
 * it attached until SIGTERM or SECONDS have passed (a process emt does not
 * trace, sharing memory with one it does). Announces "ready" once attached;
 * removes the segment when it ends.
 *
 * usage: shm_holder KEY SECONDS
 */
#include <sys/ipc.h>
#include <sys/shm.h>

#include "victim.h"

static volatile sig_atomic_t done;

static void on_term(int sig)
{
	(void)sig;
	done = 1;
}

int main(int argc, char **argv)
{
	int id, seconds = argc > 2 ? atoi(argv[2]) : 30;

	if (argc < 2)
		victim_fail("usage: shm_holder KEY SECONDS");
	on_signal_call(SIGTERM, on_term);
	id = shmget((key_t)strtol(argv[1], NULL, 0), VICTIM_PAGE, IPC_CREAT | 0600);
	if (id < 0 || shmat(id, NULL, 0) == (void *)-1)
		victim_die("shm");
	announce_ready();
	for (int i = 0; i < seconds * 10 && !done; i++)
		usleep(100000);
	shmctl(id, IPC_RMID, NULL);
	return 0;
}
