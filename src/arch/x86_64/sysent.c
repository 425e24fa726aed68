/* SPDX-License-Identifier: MIT */
/*
 * The x86_64 syscall table: native numbers, i386 numbers (a 64-bit
 * process may use int $0x80 or sysenter), and how x32 numbers map
 * (arch/x86/entry/syscalls/syscall_{32,64}.tbl). The i386 calls that pass
 * a structure whose layout differs from the native one (iovecs, msghdr,
 * sock_fprog) or that multiplex several calls are not interpreted: they
 * decode as SC_FOREIGN and emt refuses them, saying so.
 */
#include <stddef.h>
#include <sys/prctl.h>

#include "sysent.h"

/* How an i386 call's registers become native-order arguments. */
enum i386_layout {
	I386_NONE = 0,   /* not in the i386 table */
	I386_PLAIN,      /* same order, 32-bit values */
	I386_MMAP2,      /* the offset counts 4096-byte pages */
	I386_SPLIT3,     /* a 64-bit value in args 3 (low) and 4 (high) */
	I386_SPLIT1,     /* a 64-bit value in args 1 (low) and 2 (high) */
	I386_FALLOCATE,  /* offset and length both split */
	I386_PRCTL,      /* PR_SET_SECCOMP passes a compat sock_fprog */
	I386_IPC,        /* ipc(2): SHMAT and SHMDT are memory calls */
	I386_FOREIGN,    /* a layout emt does not read */
};

/* x32 marks its numbers with this bit; past 512 it has its own. */
#define X32_BIT 0x40000000L
#define X32_OWN_BASE 512

struct sysent {
	const char *name;
	long nr;                 /* native */
	long nr_i386;            /* -1: none */
	enum i386_layout i386;
	long nr_x32_own;         /* x32 number >= 512, or -1 */
	bool x32_foreign;        /* x32 passes a compat structure */
};

#define S(op_, name_, nr_, i386_nr_, lay_, x32own_, x32f_)                    \
	[op_] = { name_, nr_, i386_nr_, lay_, x32own_, x32f_ }

static const struct sysent table[SC_COUNT] = {
	S(SC_MMAP, "mmap", 9, 192, I386_MMAP2, -1, false),
	S(SC_MPROTECT, "mprotect", 10, 125, I386_PLAIN, -1, false),
	S(SC_PKEY_MPROTECT, "pkey_mprotect", 329, 380, I386_PLAIN, -1, false),
	S(SC_MUNMAP, "munmap", 11, 91, I386_PLAIN, -1, false),
	S(SC_MREMAP, "mremap", 25, 163, I386_PLAIN, -1, false),
	S(SC_BRK, "brk", 12, 45, I386_PLAIN, -1, false),
	S(SC_MADVISE, "madvise", 28, 219, I386_PLAIN, -1, false),
	S(SC_PROCESS_MADVISE, "process_madvise", 440, 440, I386_FOREIGN, -1, true),
	S(SC_REMAP_FILE_PAGES, "remap_file_pages", 216, 257, I386_PLAIN, -1, false),
	S(SC_MSEAL, "mseal", 462, 462, I386_PLAIN, -1, false),
	S(SC_SHMAT, "shmat", 30, 397, I386_PLAIN, -1, false),
	S(SC_SHMDT, "shmdt", 67, 398, I386_PLAIN, -1, false),
	S(SC_CLONE, "clone", 56, 120, I386_PLAIN, -1, false),
	S(SC_CLONE3, "clone3", 435, 435, I386_PLAIN, -1, false),
	S(SC_FORK, "fork", 57, 2, I386_PLAIN, -1, false),
	S(SC_VFORK, "vfork", 58, 190, I386_PLAIN, -1, false),
	S(SC_EXECVE, "execve", 59, 11, I386_PLAIN, 520, false),
	S(SC_EXECVEAT, "execveat", 322, 358, I386_PLAIN, 545, false),
	S(SC_PERSONALITY, "personality", 135, 136, I386_PLAIN, -1, false),
	S(SC_SECCOMP, "seccomp", 317, 354, I386_FOREIGN, -1, true),
	S(SC_PRCTL, "prctl", 157, 172, I386_PRCTL, -1, false),
	S(SC_PTRACE, "ptrace", 101, 26, I386_PLAIN, 521, false),
	S(SC_PRLIMIT64, "prlimit64", 302, 340, I386_PLAIN, -1, false),
	S(SC_OPEN, "open", 2, 5, I386_PLAIN, -1, false),
	S(SC_OPENAT, "openat", 257, 295, I386_PLAIN, -1, false),
	S(SC_OPENAT2, "openat2", 437, 437, I386_PLAIN, -1, false),
	S(SC_CREAT, "creat", 85, 8, I386_PLAIN, -1, false),
	S(SC_OPEN_BY_HANDLE_AT, "open_by_handle_at", 304, 342, I386_PLAIN, -1, false),
	S(SC_MEMFD_CREATE, "memfd_create", 319, 356, I386_PLAIN, -1, false),
	S(SC_WRITE, "write", 1, 4, I386_PLAIN, -1, false),
	S(SC_PWRITE64, "pwrite64", 18, 181, I386_SPLIT3, -1, false),
	S(SC_WRITEV, "writev", 20, 146, I386_FOREIGN, 516, true),
	S(SC_PWRITEV, "pwritev", 296, 334, I386_FOREIGN, 535, true),
	S(SC_PWRITEV2, "pwritev2", 328, 379, I386_FOREIGN, 547, true),
	S(SC_SENDFILE, "sendfile", 40, 239, I386_PLAIN, -1, false),
	S(SC_SPLICE, "splice", 275, 313, I386_PLAIN, -1, false),
	S(SC_COPY_FILE_RANGE, "copy_file_range", 326, 377, I386_PLAIN, -1, false),
	S(SC_FALLOCATE, "fallocate", 285, 324, I386_FALLOCATE, -1, false),
	S(SC_FTRUNCATE, "ftruncate", 77, 194, I386_SPLIT1, -1, false),
	S(SC_TRUNCATE, "truncate", 76, 193, I386_SPLIT1, -1, false),
	S(SC_PROCESS_VM_WRITEV, "process_vm_writev", 311, 348, I386_FOREIGN, 540, true),
	S(SC_READ, "read", 0, 3, I386_PLAIN, -1, false),
	S(SC_PREAD64, "pread64", 17, 180, I386_SPLIT3, -1, false),
	S(SC_READV, "readv", 19, 145, I386_FOREIGN, 515, true),
	S(SC_PREADV, "preadv", 295, 333, I386_FOREIGN, 534, true),
	S(SC_PREADV2, "preadv2", 327, 378, I386_FOREIGN, 546, true),
	S(SC_RECVFROM, "recvfrom", 45, 371, I386_PLAIN, 517, false),
	S(SC_RECVMSG, "recvmsg", 47, 372, I386_FOREIGN, 519, true),
	S(SC_USERFAULTFD, "userfaultfd", 323, 374, I386_PLAIN, -1, false),
	S(SC_IOCTL, "ioctl", 16, 54, I386_PLAIN, 514, false),
	S(SC_IO_URING_SETUP, "io_uring_setup", 425, 425, I386_PLAIN, -1, false),
	S(SC_IO_URING_REGISTER, "io_uring_register", 427, 427, I386_FOREIGN, -1, true),
	S(SC_LSEEK, "lseek", 8, 19, I386_PLAIN, -1, false),
	S(SC_DUP, "dup", 32, 41, I386_PLAIN, -1, false),
	S(SC_DUP2, "dup2", 33, 63, I386_PLAIN, -1, false),
	S(SC_DUP3, "dup3", 292, 330, I386_PLAIN, -1, false),
	S(SC_FCNTL, "fcntl", 72, 221, I386_PLAIN, -1, false),
};

/* The i386 numbers that only exist there, besides the table's. */
#define I386_OLD_MMAP 90   /* arguments in a structure in memory */
#define I386_IPC 117
#define I386_SHMAT_CALL 21 /* ipc(2) call numbers (linux/ipc.h) */
#define I386_SHMDT_CALL 22

static void set_plain(struct sc_call *c, const uint64_t raw[6])
{
	for (int i = 0; i < 6; i++) {
		c->args[i] = raw[i];
		c->slot[i] = (int8_t)i;
	}
}

/* A 64-bit value the i386 ABI passes in two registers, lo then hi. */
static void join(struct sc_call *c, const uint64_t raw[6], int to, int lo)
{
	c->args[to] = (raw[lo] & 0xffffffffu) | (raw[lo + 1] << 32);
	c->slot[to] = -1;
}

static void shift_down(struct sc_call *c, const uint64_t raw[6], int to, int from)
{
	for (int i = to; i < 6; i++) {
		int src = from + (i - to);

		c->args[i] = src < 6 ? raw[src] : 0;
		c->slot[i] = src < 6 ? (int8_t)src : -1;
	}
}

static enum sc_op i386_multiplexed(long nr, const uint64_t raw[6])
{
	unsigned call = (unsigned)(raw[0] & 0xffff);

	if (nr == I386_OLD_MMAP)
		return SC_FOREIGN;
	if (nr == I386_IPC && (call == I386_SHMAT_CALL || call == I386_SHMDT_CALL))
		return SC_FOREIGN;
	return SC_NONE;
}

static enum sc_op i386_op(long nr)
{
	for (int op = 1; op < SC_COUNT; op++)
		if (table[op].name && table[op].nr_i386 == nr)
			return (enum sc_op)op;
	return SC_NONE;
}

static void decode_i386(long nr, const uint64_t raw[6], struct sc_call *c)
{
	enum sc_op op = i386_op(nr);

	set_plain(c, raw);
	c->op = op ? op : i386_multiplexed(nr, raw);
	if (!op)
		return;
	switch (table[op].i386) {
	case I386_MMAP2:
		c->args[5] = raw[5] * 4096;
		c->slot[5] = -1;
		break;
	case I386_SPLIT3:
		join(c, raw, 3, 3);
		c->args[4] = c->args[5] = 0;
		break;
	case I386_SPLIT1:
		join(c, raw, 1, 1);
		shift_down(c, raw, 2, 3);
		break;
	case I386_FALLOCATE:
		join(c, raw, 2, 2);
		join(c, raw, 3, 4);
		c->args[4] = c->args[5] = 0;
		break;
	case I386_PRCTL:
		if (raw[0] == PR_SET_SECCOMP)
			c->op = SC_FOREIGN;
		break;
	case I386_FOREIGN:
		c->op = SC_FOREIGN;
		break;
	default:
		break;
	}
}

static void decode_x32(long nr, const uint64_t raw[6], struct sc_call *c)
{
	long n = nr & ~X32_BIT;

	set_plain(c, raw);
	c->op = SC_NONE;
	for (int op = 1; op < SC_COUNT; op++) {
		const struct sysent *e = &table[op];

		if (!e->name)
			continue;
		if ((n >= X32_OWN_BASE && e->nr_x32_own == n) ||
		    (n < X32_OWN_BASE && e->nr == n && e->nr_x32_own < 0)) {
			c->op = e->x32_foreign ? SC_FOREIGN : (enum sc_op)op;
			return;
		}
	}
}

void sysent_decode(enum sc_abi abi, long nr, const uint64_t raw[6],
		   struct sc_call *call)
{
	call->abi = abi;
	call->nr = nr;
	if (abi == ABI_I386) {
		decode_i386(nr, raw, call);
		return;
	}
	if (nr & X32_BIT) {
		call->abi = ABI_X32;
		decode_x32(nr, raw, call);
		return;
	}
	set_plain(call, raw);
	call->op = sysent_op_of(nr);
}

long sysent_native_nr(enum sc_op op)
{
	return op > SC_NONE && op < SC_COUNT && table[op].name ? table[op].nr : -1;
}

long sysent_i386_nr(enum sc_op op)
{
	return op > SC_NONE && op < SC_COUNT && table[op].name ? table[op].nr_i386 : -1;
}

long sysent_x32_own_nr(enum sc_op op)
{
	return op > SC_NONE && op < SC_COUNT && table[op].name ? table[op].nr_x32_own : -1;
}

size_t sysent_i386_only(long *out, size_t max)
{
	static const long only[] = { I386_OLD_MMAP, I386_IPC };
	size_t n = 0;

	for (; n < max && n < sizeof(only) / sizeof(only[0]); n++)
		out[n] = only[n];
	return n;
}

enum sc_op sysent_op_of(long native_nr)
{
	for (int op = 1; op < SC_COUNT; op++)
		if (table[op].name && table[op].nr == native_nr)
			return (enum sc_op)op;
	return SC_NONE;
}

const char *sysent_name(enum sc_op op)
{
	if (op == SC_FOREIGN)
		return "foreign";
	return op > SC_NONE && op < SC_COUNT && table[op].name ? table[op].name : NULL;
}
