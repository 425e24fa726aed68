/* SPDX-License-Identifier: MIT */
/*
 * A capture as an ELF file (--elf): its bytes in one loadable segment and
 * one .text section at the address they ran at, a symbol at the
 * instruction that faulted, the entry point there. objdump -d, gdb, r2
 * and Ghidra then show runtime addresses without options.
 */
#ifndef EMT_TOOLS_ELFOUT_H
#define EMT_TOOLS_ELFOUT_H

#include <stddef.h>
#include <stdint.h>

#include <emt/emt.h>

/* "elf/<sha256>-<addr>.elf", where output.c stores it. */
#define ELFOUT_NAME_BUF 96
void elfout_path(const struct emt_event *ev, char *buf, size_t size);
/* The name alone, in elf/. */
void elfout_name(const struct emt_event *ev, char *buf, size_t size);

/* The key of that file among those stored: the capture's digest with its
 * address folded in (the same bytes at two addresses are two files). */
void elfout_key(const struct emt_event *ev, uint8_t key[32]);

/* The ELF image of an exec event's capture, malloc'ed in *out (*len
 * bytes). 0, -ENOMEM, or -ENOTSUP for an arch it cannot describe. */
int elfout_build(const struct emt_event *ev, uint8_t **out, size_t *len);

#endif
