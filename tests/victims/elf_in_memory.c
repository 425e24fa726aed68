/* SPDX-License-Identifier: MIT */
/*
 * A loader that maps an ELF image from memory, as droppers and UPX do:
 * two RW pages get an ELF header (ET_DYN, one PT_LOAD R-X of both pages,
 * entry at 0x1000) and `mov eax, 99; ret` at 0x1000; they are made R-X
 * and the entry is called. Announces page 1 (origin flip). Prints the
 * SHA-256 of the two pages (no address in them: the same in every run),
 * which the image emt reports must hold. With "exec": an ET_EXEC image at
 * the fixed address its header names (FIXED_AT), as a static program
 * unpacked to its link address; its header then holds addresses and its
 * hash is of the same bytes in every run too.
 */
#include <elf.h>

#include "victim.h"

#define ENTRY 0x1000
#define FIXED_AT 0x200000000ul

static void write_headers(uint8_t *image, int fixed)
{
	uint64_t at = fixed ? FIXED_AT : 0;

	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
			     EV_CURRENT },
		.e_type = fixed ? ET_EXEC : ET_DYN,
		.e_machine = EM_X86_64,
		.e_version = EV_CURRENT,
		.e_entry = at + ENTRY,
		.e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = 1,
	};
	Elf64_Phdr ph = {
		.p_type = PT_LOAD,
		.p_flags = PF_R | PF_X,
		.p_vaddr = at,
		.p_paddr = at,
		.p_filesz = 2 * VICTIM_PAGE,
		.p_memsz = 2 * VICTIM_PAGE,
		.p_align = VICTIM_PAGE,
	};

	memcpy(image, &eh, sizeof(eh));
	memcpy(image + sizeof(eh), &ph, sizeof(ph));
}

int main(int argc, char **argv)
{
	int fixed = argc > 1 && strcmp(argv[1], "exec") == 0;
	char hex[65];
	uint8_t *image;

	announce_start();
	image = victim_mmap(fixed ? (void *)FIXED_AT : NULL, 2 * VICTIM_PAGE,
			    PROT_READ | PROT_WRITE,
			    fixed ? MAP_FIXED_NOREPLACE : 0);
	if (fixed && image != (void *)FIXED_AT)
		victim_fail("the fixed address is taken");
	write_headers(image, fixed);
	emit_ret_imm(image + ENTRY, 99);
	victim_mprotect(image, 2 * VICTIM_PAGE, PROT_READ | PROT_EXEC);
	announce_code(image + ENTRY, 1, "flip");
	announce_execs(image + ENTRY, 1, 0);
	victim_sha256_hex(image, 2 * VICTIM_PAGE, hex);
	printf("image sha256 %s\n", hex);
	printf("result %d\n", call_code(image + ENTRY));
	return 0;
}
