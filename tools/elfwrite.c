/* SPDX-License-Identifier: MIT */
/*
 * Layout: the ELF header, the program headers, each segment's bytes at an
 * offset that agrees with its address modulo the page size (as the ELF
 * specification asks of a loadable segment), then the symbol table, the
 * string tables and the section headers: null, one per segment (.text,
 * .rodata or .data by its flags), .symtab, .strtab, .shstrtab.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "elfwrite.h"

#define PAGE 0x1000u
#define NAME_MAX_ 64

static const char shstrtab[] = "\0.text\0.rodata\0.data\0.symtab\0.strtab\0.shstrtab";
/* Offsets of the names in shstrtab. */
enum { NAME_TEXT = 1, NAME_RODATA = 7, NAME_DATA = 15, NAME_SYMTAB = 21, NAME_STRTAB = 29,
       NAME_SHSTRTAB = 37 };

struct layout {
	uint64_t seg_off[ELFW_SEGMENTS_MAX];
	uint64_t sym_off, str_off, str_len, shstr_off, sh_off, size;
	size_t n_sections; /* null, segments, symtab, strtab, shstrtab */
};

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static void plan(const struct elfw_segment *segs, size_t n_segs,
		 const struct elfw_symbol *syms, size_t n_syms, struct layout *l)
{
	uint64_t off = sizeof(Elf64_Ehdr) + n_segs * sizeof(Elf64_Phdr);

	for (size_t i = 0; i < n_segs; i++) {
		off = align_up(off, PAGE) + segs[i].addr % PAGE;
		l->seg_off[i] = off;
		off += segs[i].len;
	}
	l->sym_off = align_up(off, 8);
	l->str_off = l->sym_off + (n_syms + 1) * sizeof(Elf64_Sym);
	l->str_len = 1;
	for (size_t i = 0; i < n_syms; i++)
		l->str_len += strnlen(syms[i].name, NAME_MAX_) + 1;
	l->shstr_off = l->str_off + l->str_len;
	l->sh_off = align_up(l->shstr_off + sizeof(shstrtab), 8);
	l->n_sections = n_segs + 4;
	l->size = l->sh_off + l->n_sections * sizeof(Elf64_Shdr);
}

static void header(Elf64_Ehdr *eh, uint64_t entry, size_t n_segs, const struct layout *l)
{
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = entry;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_shoff = l->sh_off;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = (Elf64_Half)n_segs;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = (Elf64_Half)l->n_sections;
	eh->e_shstrndx = (Elf64_Half)(l->n_sections - 1);
}

static void section(Elf64_Shdr *sh, uint32_t name, uint32_t type, uint64_t flags,
		    uint64_t addr, uint64_t off, uint64_t size)
{
	sh->sh_name = name;
	sh->sh_type = type;
	sh->sh_flags = flags;
	sh->sh_addr = addr;
	sh->sh_offset = off;
	sh->sh_size = size;
	sh->sh_addralign = type == SHT_PROGBITS ? 16 : 1;
}

static void segment_section(Elf64_Shdr *sh, const struct elfw_segment *s, uint64_t off)
{
	uint64_t flags = SHF_ALLOC;
	uint32_t name = NAME_RODATA;

	if (s->flags & PF_X) {
		flags |= SHF_EXECINSTR;
		name = NAME_TEXT;
	} else if (s->flags & PF_W) {
		flags |= SHF_WRITE;
		name = NAME_DATA;
	}
	section(sh, name, SHT_PROGBITS, flags, s->addr, off, s->len);
	/* Segments may start anywhere on a page. */
	sh->sh_addralign = 1;
}

/* The section (1-based: after the null one) of the segment holding addr. */
static Elf64_Half section_of(const struct elfw_segment *segs, size_t n_segs, uint64_t addr)
{
	for (size_t i = 0; i < n_segs; i++)
		if (addr >= segs[i].addr && addr - segs[i].addr < segs[i].len)
			return (Elf64_Half)(i + 1);
	return SHN_ABS;
}

static void symbols(uint8_t *buf, const struct layout *l, const struct elfw_segment *segs,
		    size_t n_segs, const struct elfw_symbol *syms, size_t n_syms)
{
	Elf64_Sym *out = (Elf64_Sym *)(buf + l->sym_off);
	char *str = (char *)buf + l->str_off;
	uint32_t at = 1;

	for (size_t i = 0; i < n_syms; i++) {
		size_t n = strnlen(syms[i].name, NAME_MAX_);
		Elf64_Half shndx = section_of(segs, n_segs, syms[i].addr);

		memcpy(str + at, syms[i].name, n);
		out[i + 1] = (Elf64_Sym){
			.st_name = at,
			.st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
			.st_shndx = shndx,
			.st_value = syms[i].addr,
			.st_size = shndx == SHN_ABS ? 0
						    : segs[shndx - 1].addr + segs[shndx - 1].len -
							      syms[i].addr,
		};
		at += (uint32_t)n + 1;
	}
}

static void sections(uint8_t *buf, const struct layout *l, const struct elfw_segment *segs,
		     size_t n_segs, size_t n_syms)
{
	Elf64_Shdr *sh = (Elf64_Shdr *)(buf + l->sh_off);
	size_t symtab = n_segs + 1;

	for (size_t i = 0; i < n_segs; i++)
		segment_section(&sh[i + 1], &segs[i], l->seg_off[i]);
	section(&sh[symtab], NAME_SYMTAB, SHT_SYMTAB, 0, 0, l->sym_off,
		(n_syms + 1) * sizeof(Elf64_Sym));
	sh[symtab].sh_link = (Elf64_Word)(symtab + 1);
	sh[symtab].sh_info = 1; /* the first global symbol */
	sh[symtab].sh_entsize = sizeof(Elf64_Sym);
	sh[symtab].sh_addralign = 8;
	section(&sh[symtab + 1], NAME_STRTAB, SHT_STRTAB, 0, 0, l->str_off, l->str_len);
	section(&sh[symtab + 2], NAME_SHSTRTAB, SHT_STRTAB, 0, 0, l->shstr_off,
		sizeof(shstrtab));
}

int elfw_build(uint64_t entry, const struct elfw_segment *segs, size_t n_segs,
	       const struct elfw_symbol *syms, size_t n_syms, uint8_t **out, size_t *len)
{
	Elf64_Phdr *ph;
	struct layout l = { 0 };
	uint8_t *buf;

	if (n_segs == 0 || n_segs > ELFW_SEGMENTS_MAX || n_syms > ELFW_SYMBOLS_MAX)
		return -EINVAL;
	plan(segs, n_segs, syms, n_syms, &l);
	buf = calloc(1, l.size);
	if (!buf)
		return -ENOMEM;
	header((Elf64_Ehdr *)buf, entry, n_segs, &l);
	ph = (Elf64_Phdr *)(buf + sizeof(Elf64_Ehdr));
	for (size_t i = 0; i < n_segs; i++) {
		ph[i] = (Elf64_Phdr){
			.p_type = PT_LOAD,
			.p_flags = segs[i].flags,
			.p_offset = l.seg_off[i],
			.p_vaddr = segs[i].addr,
			.p_paddr = segs[i].addr,
			.p_filesz = segs[i].len,
			.p_memsz = segs[i].len,
			.p_align = PAGE,
		};
		memcpy(buf + l.seg_off[i], segs[i].bytes, segs[i].len);
	}
	symbols(buf, &l, segs, n_segs, syms, n_syms);
	memcpy(buf + l.shstr_off, shstrtab, sizeof(shstrtab));
	sections(buf, &l, segs, n_segs, n_syms);
	*out = buf;
	*len = l.size;
	return 0;
}
