/* SPDX-License-Identifier: MIT */
/*
 * The ELF file of an image event (--elf): the image's loadable segments
 * at their runtime addresses, its entry point, symbols emt_entry and
 * emt_first_run, written as DIR/elf/image-<sha256>-<base>.elf.
 */
#ifndef EMT_TOOLS_IMAGEOUT_H
#define EMT_TOOLS_IMAGEOUT_H

#include <stddef.h>
#include <stdint.h>

#include <emt/emt.h>

#define IMAGEOUT_SEGMENTS_MAX 32

/* What the image's headers say, checked against its bytes. */
struct image_layout {
	uint64_t entry;          /* runtime address */
	size_t n;
	struct {
		uint64_t addr, len;  /* runtime */
		uint32_t flags;      /* PF_* */
		int prot;            /* the same as PROT_* */
	} seg[IMAGEOUT_SEGMENTS_MAX];
};

/* 0, or -EINVAL when the headers in ev->bytes do not describe an image
 * inside them. */
int imageout_layout(const struct emt_event *ev, struct image_layout *l);

void imageout_path(const struct emt_event *ev, char *buf, size_t size);
void imageout_name(const struct emt_event *ev, char *buf, size_t size);

/* The file, malloc'ed into *out. 0 or -errno. */
int imageout_build(const struct emt_event *ev, uint8_t **out, size_t *len);

#endif
