/* SPDX-License-Identifier: MIT */
/*
 * The system calls emt knows, in one table: what each one is (an op, the
 * same whatever the ABI it was made with), its name, its number in each
 * ABI a process can use, and how to read its arguments. Decoding turns a
 * stop's raw call into an op with its arguments in the order of the native
 * (x86_64) prototype, so that the decisions never see an ABI.
 */
#ifndef EMT_SYSENT_H
#define EMT_SYSENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sc_op {
	SC_NONE = 0,
	/* memory */
	SC_MMAP, SC_MPROTECT, SC_PKEY_MPROTECT, SC_MUNMAP, SC_MREMAP, SC_BRK,
	SC_MADVISE, SC_PROCESS_MADVISE, SC_REMAP_FILE_PAGES, SC_MSEAL,
	SC_SHMAT, SC_SHMDT,
	/* processes */
	SC_CLONE, SC_CLONE3, SC_FORK, SC_VFORK, SC_EXECVE, SC_EXECVEAT,
	SC_PERSONALITY, SC_SECCOMP, SC_PRCTL, SC_PTRACE, SC_PRLIMIT64,
	/* files opened for writing */
	SC_OPEN, SC_OPENAT, SC_OPENAT2, SC_CREAT, SC_OPEN_BY_HANDLE_AT,
	SC_MEMFD_CREATE,
	/* the kernel writes a file or another process's memory */
	SC_WRITE, SC_PWRITE64, SC_WRITEV, SC_PWRITEV, SC_PWRITEV2,
	SC_SENDFILE, SC_SPLICE, SC_COPY_FILE_RANGE, SC_FALLOCATE,
	SC_FTRUNCATE, SC_TRUNCATE, SC_PROCESS_VM_WRITEV,
	/* the kernel writes the caller's buffers */
	SC_READ, SC_PREAD64, SC_READV, SC_PREADV, SC_PREADV2, SC_RECVFROM,
	SC_RECVMSG,
	/* asynchronous and delegated memory writes */
	SC_USERFAULTFD, SC_IOCTL, SC_IO_URING_SETUP, SC_IO_URING_REGISTER,
	/* calls emt makes itself */
	SC_LSEEK,
	/* an fd copied (--stealth follows the status files a program reads) */
	SC_DUP, SC_DUP2, SC_DUP3, SC_FCNTL,
	/* calls of another ABI emt does not interpret (i386 multiplexers and
	 * the old mmap that passes its arguments in memory) */
	SC_FOREIGN,
	SC_COUNT
};

/* What part of emt a call concerns (the groups of enum sc_op). */
enum sc_group {
	SCG_NONE, SCG_MEMORY, SCG_PROCESS, SCG_OPEN, SCG_FILE_WRITE,
	SCG_BUFFER_WRITE, SCG_ASYNC, SCG_FOREIGN,
};

static inline enum sc_group sysent_group(enum sc_op op)
{
	if (op >= SC_MMAP && op <= SC_SHMDT)
		return SCG_MEMORY;
	if (op >= SC_CLONE && op <= SC_PRLIMIT64)
		return SCG_PROCESS;
	if (op >= SC_OPEN && op <= SC_MEMFD_CREATE)
		return SCG_OPEN;
	if (op >= SC_WRITE && op <= SC_PROCESS_VM_WRITEV)
		return SCG_FILE_WRITE;
	if (op >= SC_READ && op <= SC_RECVMSG)
		return SCG_BUFFER_WRITE;
	if (op >= SC_USERFAULTFD && op <= SC_IO_URING_REGISTER)
		return SCG_ASYNC;
	return op == SC_FOREIGN ? SCG_FOREIGN : SCG_NONE;
}

/* The userfaultfd ioctls that make one or fill pages (linux/userfaultfd.h;
 * MOVE and POISON are newer than some headers). */
#define UFFD_IOCTL_NEW 0xaa00u      /* /dev/userfaultfd: USERFAULTFD_IOC_NEW */
#define UFFD_IOCTL_COPY 0xc028aa03u
#define UFFD_IOCTL_ZEROPAGE 0xc020aa04u
#define UFFD_IOCTL_MOVE 0xc028aa05u
#define UFFD_IOCTL_CONTINUE 0xc020aa07u
#define UFFD_IOCTL_POISON 0xc020aa08u
#define UFFD_IOCTL_WAKE 0x8010aa02u

/* The ABI a call was made with. */
enum sc_abi { ABI_NATIVE = 0, ABI_I386 = 1, ABI_X32 = 2, ABI_COUNT };

struct sc_call {
	enum sc_op op;
	enum sc_abi abi;
	long nr;             /* the number as the program passed it */
	uint64_t args[6];    /* in the order of the native prototype */
	/* Register slot (in the call's ABI) of args[i], for rewriting;
	 * -1 when args[i] is not one register (a split 64-bit offset). */
	int8_t slot[6];
};

/* Whether a call's return value is an error: the kernel returns -errno,
 * at most MAX_ERRNO (4095) of them (include/linux/err.h); an address
 * mmap returns may be "negative" as a signed number yet is no error. */
static inline bool sysent_failed(int64_t ret)
{
	return ret < 0 && ret > -4096;
}

/* Fill call from a syscall number and raw register arguments of abi.
 * Unknown calls get SC_NONE. */
void sysent_decode(enum sc_abi abi, long nr, const uint64_t raw[6],
		   struct sc_call *call);
/* Native number of op, or -1 when the native ABI has none. */
long sysent_native_nr(enum sc_op op);
/* Its i386 number, its x32 number of its own (>= 512), or -1. */
long sysent_i386_nr(enum sc_op op);
long sysent_x32_own_nr(enum sc_op op);
/* The i386 calls that change memory with no op of their own (the old
 * mmap, ipc): up to max numbers into out, how many. */
size_t sysent_i386_only(long *out, size_t max);
/* Op of a native number (SC_NONE if unknown). */
enum sc_op sysent_op_of(long native_nr);
const char *sysent_name(enum sc_op op);

#endif
