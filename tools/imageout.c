/* SPDX-License-Identifier: MIT */
/*
 * The library hands over the image's pages as they were; the headers in
 * them are the program's and are read within those bytes only.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "elfout.h"
#include "elfwrite.h"
#include "imageout.h"
#include "names.h"

#define PAGE 4096u

static bool inside(const struct emt_event *ev, uint64_t addr, uint64_t len)
{
	return addr >= ev->addr && len <= ev->len && addr - ev->addr <= ev->len - len;
}

static int add_segment(const struct emt_event *ev, const Elf64_Phdr *ph, uint64_t bias,
		       struct image_layout *l)
{
	uint64_t addr = bias + ph->p_vaddr;

	if (l->n == IMAGEOUT_SEGMENTS_MAX || !inside(ev, addr, ph->p_memsz))
		return -EINVAL;
	l->seg[l->n].addr = addr;
	l->seg[l->n].len = ph->p_memsz;
	l->seg[l->n].flags = ph->p_flags & (PF_R | PF_W | PF_X);
	l->seg[l->n].prot = (ph->p_flags & PF_R ? PROT_READ : 0) |
			    (ph->p_flags & PF_W ? PROT_WRITE : 0) |
			    (ph->p_flags & PF_X ? PROT_EXEC : 0);
	l->n++;
	return 0;
}

/* Program header i of the image, from its bytes (inside: checked). */
static void phdr(const struct emt_event *ev, const Elf64_Ehdr *eh, int i, Elf64_Phdr *ph)
{
	memcpy(ph, ev->bytes + (ev->image_base - ev->addr) + eh->e_phoff + (uint64_t)i * sizeof(*ph),
	       sizeof(*ph));
}

/* What the image's addresses are offset by: it holds its own header in
 * the loadable segment of file offset 0 (the lowest such). */
static int bias_of(const struct emt_event *ev, const Elf64_Ehdr *eh, uint64_t *bias)
{
	uint64_t first = UINT64_MAX;
	Elf64_Phdr ph;

	for (int i = 0; i < eh->e_phnum; i++) {
		phdr(ev, eh, i, &ph);
		if (ph.p_type == PT_LOAD && ph.p_offset == 0 && ph.p_vaddr < first)
			first = ph.p_vaddr;
	}
	if (first == UINT64_MAX)
		return -EINVAL;
	*bias = ev->image_base - (first & ~(uint64_t)(PAGE - 1));
	return 0;
}

int imageout_layout(const struct emt_event *ev, struct image_layout *l)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint64_t bias;

	l->n = 0;
	if (!ev->bytes || !inside(ev, ev->image_base, sizeof(eh)))
		return -EINVAL;
	memcpy(&eh, ev->bytes + (ev->image_base - ev->addr), sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_phentsize != sizeof(ph) ||
	    !inside(ev, ev->image_base + eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(ph)) ||
	    bias_of(ev, &eh, &bias))
		return -EINVAL;
	for (int i = 0; i < eh.e_phnum; i++) {
		phdr(ev, &eh, i, &ph);
		if (ph.p_type == PT_LOAD && add_segment(ev, &ph, bias, l))
			return -EINVAL;
	}
	l->entry = bias + eh.e_entry;
	return l->n ? 0 : -EINVAL;
}

void imageout_name(const struct emt_event *ev, char *buf, size_t size)
{
	char hex[NAMES_SHA256_BUF];

	snprintf(buf, size, "image-%s-%llx.elf", names_sha256(ev->sha256, hex, sizeof(hex)),
		 (unsigned long long)ev->image_base);
}

void imageout_path(const struct emt_event *ev, char *buf, size_t size)
{
	char name[ELFOUT_NAME_BUF];

	imageout_name(ev, name, sizeof(name));
	snprintf(buf, size, "elf/%s", name);
}

int imageout_build(const struct emt_event *ev, uint8_t **out, size_t *len)
{
	struct elfw_segment segs[IMAGEOUT_SEGMENTS_MAX];
	struct elfw_symbol syms[2];
	struct image_layout l;
	size_t n_syms = 0;
	int rc = imageout_layout(ev, &l);

	if (rc)
		return rc;
	for (size_t i = 0; i < l.n; i++)
		segs[i] = (struct elfw_segment){ l.seg[i].addr,
						 ev->bytes + (l.seg[i].addr - ev->addr),
						 l.seg[i].len, l.seg[i].flags };
	syms[n_syms++] = (struct elfw_symbol){ "emt_entry", l.entry };
	if (ev->fault_addr != l.entry)
		syms[n_syms++] = (struct elfw_symbol){ "emt_first_run", ev->fault_addr };
	return elfw_build(l.entry, segs, l.n, syms, n_syms, out, len);
}
