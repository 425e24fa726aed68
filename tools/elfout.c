/* SPDX-License-Identifier: MIT */
/*
 * The ELF file of a capture: one segment at the address it ran at, with a
 * symbol emt_fault at the entry (elfwrite.c lays it out).
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annotate.h"
#include "elfout.h"
#include "elfwrite.h"
#include "names.h"

void elfout_name(const struct emt_event *ev, char *buf, size_t size)
{
	char hex[NAMES_SHA256_BUF];

	snprintf(buf, size, "%s-%llx.elf", names_sha256(ev->sha256, hex, sizeof(hex)),
		 (unsigned long long)annotate_entry(ev));
}

void elfout_path(const struct emt_event *ev, char *buf, size_t size)
{
	char name[ELFOUT_NAME_BUF];

	elfout_name(ev, name, sizeof(name));
	snprintf(buf, size, "elf/%s", name);
}

void elfout_key(const struct emt_event *ev, uint8_t key[32])
{
	uint64_t entry = annotate_entry(ev), half;

	/* The digest is of the bytes: with the address where they ran (the
	 * entry says both), it names one file. */
	memcpy(key, ev->sha256, 32);
	memcpy(&half, key, sizeof(half));
	half ^= entry;
	memcpy(key, &half, sizeof(half));
}

int elfout_build(const struct emt_event *ev, uint8_t **out, size_t *len)
{
	struct elfw_segment seg = { ev->addr, ev->bytes, ev->len, PF_R | PF_X };
	struct elfw_symbol sym = { "emt_fault", annotate_entry(ev) };

	if (ev->registers.arch != EMT_ARCH_X86_64 || !ev->bytes)
		return -ENOTSUP;
	return elfw_build(sym.addr, &seg, 1, &sym, 1, out, len);
}
