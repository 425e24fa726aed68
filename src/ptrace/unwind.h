/* SPDX-License-Identifier: MIT */
/*
 * Backtraces of a stopped thread with libdw: the files mapped in its
 * process (read from /proc/PID/maps), their CFI and symbols, and the
 * thread's memory read while emt holds it.
 */
#ifndef EMT_UNWIND_H
#define EMT_UNWIND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "emt/emt.h"

struct unwinder;

/* Per process: the files it maps are looked at again at each call, the
 * ELF files already read kept. NULL when out of memory. */
struct unwinder *unwind_new(pid_t pid);
void unwind_free(struct unwinder *u);
pid_t unwind_pid(const struct unwinder *u);

/* How the stopped thread's memory is read: the caller's own reader, which
 * knows when a read could wait on the program (a userfaultfd). 0 or
 * -errno. */
struct unwind_reader {
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	void *ctx;
};

/* The stack of thread tid (stopped) into frames[0..max): pc where it is,
 * then, when caller is not NULL, its caller's frame (registers in DWARF's
 * numbering, the return address in its pc column) and the frames unwound
 * from there, memory read through rd. How many, at least 1 (pc) when max
 * is. Module and symbol names hold printable ASCII only (they are the
 * program's: a file name or a symbol could carry a terminal's escapes). */
size_t unwind_frames(struct unwinder *u, pid_t tid, uint64_t pc, const uint64_t *caller,
		     const struct unwind_reader *rd, struct emt_frame *frames, size_t max);

#endif
