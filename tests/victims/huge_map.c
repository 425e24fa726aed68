/* SPDX-License-Identifier: MIT */
/*
 * One RWX mapping of 1 TiB (MAP_NORESERVE), code in five pages spread over
 * it. emt must track the range without anything proportional to its size
 * (a per-page table would be 2^28 entries): the harness watches emt's peak
 * memory. When the kernel refuses such a mapping (overcommit policy 2, an
 * address-space limit) the victim says so on stdout and exits 0, and the
 * harness skips.
 */
#include "victim.h"

#define HUGE_LEN (1UL << 40)

int main(void)
{
	static const unsigned long at[] = {
		0, 1UL << 30, (1UL << 39) + 12345 * VICTIM_PAGE, HUGE_LEN - 2 * VICTIM_PAGE,
		HUGE_LEN - VICTIM_PAGE,
	};
	size_t i, n = sizeof(at) / sizeof(at[0]);
	uint8_t *base;
	long sum = 0;

	announce_start();
	base = mmap(NULL, HUGE_LEN, PROT_RWX, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		printf("no 1 TiB mapping: %s\n", strerror(errno));
		return 0;
	}
	announce_wx("mmap", base, HUGE_LEN);
	for (i = 0; i < n; i++)
		run_ret_imm(base + at[i] + 0x40 * i, (uint32_t)(1000 + i), 1, "wx_map");
	/* Again, unchanged: no new capture. */
	for (i = 0; i < n; i++) {
		sum += call_code(base + at[i] + 0x40 * i);
		announce_execs(base + at[i], 1, 0);
	}
	if (munmap(base, HUGE_LEN) < 0)
		victim_die("munmap");
	printf("huge map: %zu pages ran, sum %ld\n", n, sum);
	return 0;
}
