/* SPDX-License-Identifier: MIT */
/*
 * Code that writes, through a writable view, the file page it runs from
 * in an executable view of one memfd (self-modifying code across a dual
 * mapping), with a second thread. Each write re-arms the executable view,
 * so every run after a write is a new capture; the write itself must go
 * through, or the program would fault from one view to the other for ever.
 */
#include <sys/syscall.h>

#include "idler.h"

#define RUNS 3
#define DATA_OFFSET 100

int main(void)
{
	/* mov byte ptr [rdi], sil; ret */
	static const uint8_t store_ret[] = { 0x40, 0x88, 0x37, 0xc3 };
	void (*store)(uint8_t *, int);
	uint8_t *w, *x;
	int fd;

	announce_start();
	idler_start();
	fd = (int)syscall(SYS_memfd_create, "alias_smc", 0);
	if (fd < 0 || ftruncate(fd, VICTIM_PAGE) != 0)
		victim_die("memfd");
	w = mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	x = mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	if (w == MAP_FAILED || x == MAP_FAILED)
		victim_die("mmap");
	memcpy(w, store_ret, sizeof(store_ret));
	/* The first run, then one more after each of the RUNS writes. */
	announce_execs(x, RUNS + 1, 0);
	store = (void (*)(uint8_t *, int))(void *)x;
	for (int i = 0; i < RUNS; i++)
		store(w + DATA_OFFSET, 'a' + i);
	idler_stop();
	printf("alias_smc last %c\n", w[DATA_OFFSET]);
	return 0;
}
