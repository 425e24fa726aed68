/* SPDX-License-Identifier: MIT */
/*
 * The calls every traced process stops in emt for, with the tests on
 * their arguments that make one matter. One table for both modes: the
 * launch filter compiles it into seccomp rules (filter.c), the attach-mode
 * call watcher into its tables (watcher.c), so a call cannot be seen in
 * one mode and missed in the other. The calls a process's watch bits add
 * (watch.c) come from the syscall table's groups in both.
 */
#include <fcntl.h>
#include <linux/sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "decide/decide.h"

#define MADV_GUARD_INSTALL_ 102 /* Linux 6.13 */
#define MADV_GUARD_REMOVE_ 103

/* The kernel reads these arguments as int: only their low 32 bits count,
 * whatever the program puts above. */
#define LOW32 0xffffffffull

/* Every call of op; or those for which any test holds. */
#define ALL(op_) { .op = (op_) }
#define WHEN(op_, n_, ...) { .op = (op_), .n_tests = (n_), .test = { __VA_ARGS__ } }
#define ANY(arg_, bits_) { .arg = (arg_), .kind = STOP_ANY_BIT, .mask = (bits_) }
#define EQ(arg_, mask_, value_) \
	{ .arg = (arg_), .kind = STOP_MASKED_EQ, .mask = (mask_), .value = (value_) }
#define EQ32(arg_, value_) EQ(arg_, LOW32, value_)
/* Opens that can change a file (written.c keeps the files a traced process
 * could write): flags in argument arg_. */
#define WRITABLE_OPEN(op_, arg_) \
	WHEN(op_, 3, EQ(arg_, O_ACCMODE, O_WRONLY), EQ(arg_, O_ACCMODE, O_RDWR), \
	     ANY(arg_, O_TRUNC))

static const struct stop_rule rules[] = {
	/* rare, and each can change memory emt tracks, make code, or take a
	 * process out of emt's sight */
	ALL(SC_MPROTECT), ALL(SC_PKEY_MPROTECT), ALL(SC_MUNMAP), ALL(SC_MREMAP), ALL(SC_BRK),
	ALL(SC_PROCESS_MADVISE), ALL(SC_REMAP_FILE_PAGES), ALL(SC_MSEAL),
	ALL(SC_SHMAT), ALL(SC_SHMDT), ALL(SC_PERSONALITY),
	/* clone3 passes its flags in memory, out of a filter's reach */
	ALL(SC_CLONE3),
	/* by path: the file may be mapped executable anywhere */
	ALL(SC_TRUNCATE),
	/* into another address space, or its own: needs no fd to be seen */
	ALL(SC_PROCESS_VM_WRITEV),
	/* a filter of the program's own may answer calls in emt's place */
	ALL(SC_SECCOMP),
	ALL(SC_USERFAULTFD), ALL(SC_IO_URING_SETUP), ALL(SC_IO_URING_REGISTER),
	ALL(SC_CREAT), ALL(SC_OPENAT2), ALL(SC_MEMFD_CREATE),
	/* code mapped, a mapping placed over others, or shared (shared file
	 * mappings may alias executable ones: alias.c) */
	WHEN(SC_MMAP, 2, ANY(2, PROT_EXEC), ANY(3, MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_SHARED)),
	/* advice that discards pages (pagecalls.c) */
	WHEN(SC_MADVISE, 6, EQ32(2, MADV_DONTNEED), EQ32(2, MADV_FREE), EQ32(2, MADV_REMOVE),
	     EQ32(2, MADV_DONTNEED_LOCKED), EQ32(2, MADV_GUARD_INSTALL_),
	     EQ32(2, MADV_GUARD_REMOVE_)),
	/* userfaultfd's ioctls that make one or fill pages (asynccalls.c) */
	WHEN(SC_IOCTL, 6, EQ32(1, UFFD_IOCTL_NEW), EQ32(1, UFFD_IOCTL_COPY),
	     EQ32(1, UFFD_IOCTL_ZEROPAGE), EQ32(1, UFFD_IOCTL_MOVE), EQ32(1, UFFD_IOCTL_CONTINUE),
	     EQ32(1, UFFD_IOCTL_POISON)),
	/* CLONE_UNTRACED would let a child escape emt */
	WHEN(SC_CLONE, 1, ANY(0, CLONE_UNTRACED)),
	WHEN(SC_PRCTL, 1, EQ32(0, PR_SET_SECCOMP)),
	WRITABLE_OPEN(SC_OPEN, 1),
	WRITABLE_OPEN(SC_OPENAT, 2),
	WRITABLE_OPEN(SC_OPEN_BY_HANDLE_AT, 2),
	/* limits set on another process, maybe emt's own (shield.c) */
	WHEN(SC_PRLIMIT64, 1, ANY(0, ~0ull)),
};

const struct stop_rule *stoprules_of(enum sc_op op)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].op == op)
			return &rules[i];
	return NULL;
}

static bool test_holds(const struct stop_test *test, uint64_t arg)
{
	uint64_t v = arg & test->mask;

	return test->kind == STOP_MASKED_EQ ? v == test->value : v != 0;
}

bool stoprules_discards(uint64_t advice)
{
	const struct stop_rule *r = stoprules_of(SC_MADVISE);

	for (size_t i = 0; i < r->n_tests; i++)
		if (test_holds(&r->test[i], advice))
			return true;
	return false;
}
