/* SPDX-License-Identifier: MIT */
/*
 * x86_64 ELF files of memory as it was in a process: loadable segments at
 * the addresses they had, a section per segment so that objdump -d shows
 * them, and function symbols. For disassemblers and debuggers, not for
 * running.
 */
#ifndef EMT_TOOLS_ELFWRITE_H
#define EMT_TOOLS_ELFWRITE_H

#include <stddef.h>
#include <stdint.h>

struct elfw_segment {
	uint64_t addr;        /* where it was; page aligned or not */
	const uint8_t *bytes;
	uint64_t len;
	uint32_t flags;       /* PF_R, PF_W, PF_X */
};

struct elfw_symbol {
	const char *name;
	uint64_t addr;        /* in one of the segments */
};

#define ELFW_SEGMENTS_MAX 32
#define ELFW_SYMBOLS_MAX 4

/* The file, malloc'ed into *out (*len bytes): 0, -EINVAL for too many
 * segments or symbols, -ENOMEM. */
int elfw_build(uint64_t entry, const struct elfw_segment *segs, size_t n_segs,
	       const struct elfw_symbol *syms, size_t n_syms, uint8_t **out, size_t *len);

#endif
