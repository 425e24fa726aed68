/* SPDX-License-Identifier: MIT */
/*
 * The ELF file of a capture. Layout: the ELF header and one program
 * header, the bytes at file offset ELF_DATA_OFF (the segment's offset and
 * address agree modulo the page size, as the ELF specification asks of a
 * loadable segment), then the symbol table, the string tables and the
 * section headers: null, .text, .symtab, .strtab, .shstrtab.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annotate.h"
#include "elfout.h"
#include "names.h"

#define ELF_DATA_OFF 0x1000u
#define ELF_PAGE 0x1000u

enum { SEC_NULL, SEC_TEXT, SEC_SYMTAB, SEC_STRTAB, SEC_SHSTRTAB, SEC_COUNT };

static const char strtab[] = "\0emt_fault";
static const char shstrtab[] = "\0.text\0.symtab\0.strtab\0.shstrtab";
/* Offsets of the names in shstrtab. */
enum { NAME_TEXT = 1, NAME_SYMTAB = 7, NAME_STRTAB = 15, NAME_SHSTRTAB = 23 };

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~(uint64_t)7;
}

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

static void header(Elf64_Ehdr *eh, const struct emt_event *ev, uint64_t shoff)
{
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = annotate_entry(ev);
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_shoff = shoff;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 1;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = SEC_COUNT;
	eh->e_shstrndx = SEC_SHSTRTAB;
}

static void segment(Elf64_Phdr *ph, const struct emt_event *ev)
{
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_X;
	ph->p_offset = ELF_DATA_OFF;
	ph->p_vaddr = ph->p_paddr = ev->addr;
	ph->p_filesz = ph->p_memsz = ev->len;
	ph->p_align = ELF_PAGE;
}

static void symbol(Elf64_Sym *sym, const struct emt_event *ev)
{
	uint64_t entry = annotate_entry(ev);

	sym->st_name = 1;
	sym->st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
	sym->st_shndx = SEC_TEXT;
	sym->st_value = entry;
	sym->st_size = ev->addr + ev->len - entry;
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

int elfout_build(const struct emt_event *ev, uint8_t **out, size_t *len)
{
	uint64_t sym_off = align8(ELF_DATA_OFF + ev->len);
	uint64_t str_off = sym_off + 2 * sizeof(Elf64_Sym);
	uint64_t shstr_off = str_off + sizeof(strtab);
	uint64_t sh_off = align8(shstr_off + sizeof(shstrtab));
	size_t size = sh_off + SEC_COUNT * sizeof(Elf64_Shdr);
	Elf64_Shdr sh[SEC_COUNT] = { 0 };
	Elf64_Sym syms[2] = { 0 };
	uint8_t *buf;

	if (ev->registers.arch != EMT_ARCH_X86_64 || !ev->bytes)
		return -ENOTSUP;
	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	header((Elf64_Ehdr *)buf, ev, sh_off);
	segment((Elf64_Phdr *)(buf + sizeof(Elf64_Ehdr)), ev);
	memcpy(buf + ELF_DATA_OFF, ev->bytes, ev->len);
	symbol(&syms[1], ev);
	memcpy(buf + sym_off, syms, sizeof(syms));
	memcpy(buf + str_off, strtab, sizeof(strtab));
	memcpy(buf + shstr_off, shstrtab, sizeof(shstrtab));
	section(&sh[SEC_TEXT], NAME_TEXT, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, ev->addr,
		ELF_DATA_OFF, ev->len);
	section(&sh[SEC_SYMTAB], NAME_SYMTAB, SHT_SYMTAB, 0, 0, sym_off, sizeof(syms));
	sh[SEC_SYMTAB].sh_link = SEC_STRTAB;
	sh[SEC_SYMTAB].sh_info = 1; /* the first global symbol */
	sh[SEC_SYMTAB].sh_entsize = sizeof(Elf64_Sym);
	sh[SEC_SYMTAB].sh_addralign = 8;
	section(&sh[SEC_STRTAB], NAME_STRTAB, SHT_STRTAB, 0, 0, str_off, sizeof(strtab));
	section(&sh[SEC_SHSTRTAB], NAME_SHSTRTAB, SHT_STRTAB, 0, 0, shstr_off,
		sizeof(shstrtab));
	memcpy(buf + sh_off, sh, sizeof(sh));
	*out = buf;
	*len = size;
	return 0;
}
