/* SPDX-License-Identifier: MIT */
/*
 * A loader that maps an ELF image from memory, as droppers and UPX do:
 * two RW pages get an ELF header (ET_DYN, one PT_LOAD R-X of both pages,
 * entry at 0x1000) and `mov eax, 99; ret` at 0x1000; they are made R-X
 * and the entry is called. Announces page 1 (origin flip). Prints the
 * SHA-256 of the two pages (no address in them: the same in every run),
 * which the image emt reports must hold.
 */
#include <elf.h>

#include "victim.h"

#define ENTRY 0x1000

static void write_headers(uint8_t *image)
{
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
			     EV_CURRENT },
		.e_type = ET_DYN,
		.e_machine = EM_X86_64,
		.e_version = EV_CURRENT,
		.e_entry = ENTRY,
		.e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = 1,
	};
	Elf64_Phdr ph = {
		.p_type = PT_LOAD,
		.p_flags = PF_R | PF_X,
		.p_filesz = 2 * VICTIM_PAGE,
		.p_memsz = 2 * VICTIM_PAGE,
		.p_align = VICTIM_PAGE,
	};

	memcpy(image, &eh, sizeof(eh));
	memcpy(image + sizeof(eh), &ph, sizeof(ph));
}

int main(void)
{
	char hex[65];
	uint8_t *image;

	announce_start();
	image = victim_mmap(NULL, 2 * VICTIM_PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS);
	write_headers(image);
	emit_ret_imm(image + ENTRY, 99);
	victim_mprotect(image, 2 * VICTIM_PAGE, PROT_READ | PROT_EXEC);
	announce_code(image + ENTRY, 1, "flip");
	announce_execs(image + ENTRY, 1, 0);
	victim_sha256_hex(image, 2 * VICTIM_PAGE, hex);
	printf("image sha256 %s\n", hex);
	printf("result %d\n", call_code(image + ENTRY));
	return 0;
}
