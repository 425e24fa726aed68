/* SPDX-License-Identifier: MIT */
/*
 * Names for logs and output, from one table each.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

const char *emt_origin_name(enum emt_origin origin)
{
	static const char *const names[] = {
		[EMT_ORIGIN_NONE] = "none",
		[EMT_ORIGIN_WX_MAP] = "wx_map",
		[EMT_ORIGIN_WX_PROTECT] = "wx_protect",
		[EMT_ORIGIN_FLIP] = "flip",
		[EMT_ORIGIN_ALIAS] = "alias",
		[EMT_ORIGIN_EXEC_MAP] = "exec_map",
	};

	if ((unsigned)origin < sizeof(names) / sizeof(names[0]))
		return names[origin];
	return "unknown";
}

const char *emt_syscall_name(long nr)
{
	static const struct {
		long nr;
		const char *name;
	} table[] = {
		{ ARCH_NR_MMAP, "mmap" },
		{ ARCH_NR_MPROTECT, "mprotect" },
		{ ARCH_NR_MUNMAP, "munmap" },
		{ ARCH_NR_BRK, "brk" },
		{ ARCH_NR_MREMAP, "mremap" },
		{ ARCH_NR_PKEY_MPROTECT, "pkey_mprotect" },
		{ ARCH_NR_CLONE, "clone" },
		{ ARCH_NR_FORK, "fork" },
		{ ARCH_NR_VFORK, "vfork" },
		{ ARCH_NR_CLONE3, "clone3" },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].nr == nr)
			return table[i].name;
	return "syscall";
}

char *emt_prot_string(int prot, char *buf, size_t size)
{
	static const struct {
		int bit;
		const char *name;
	} bits[] = {
		{ PROT_READ, "PROT_READ" },
		{ PROT_WRITE, "PROT_WRITE" },
		{ PROT_EXEC, "PROT_EXEC" },
	};
	size_t used = 0;

	if (!buf || !size)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(prot & bits[i].bit))
			continue;
		used += (size_t)snprintf(buf + used, used < size ? size - used : 0,
					 "%s%s", used ? "|" : "", bits[i].name);
		prot &= ~bits[i].bit;
	}
	if (prot)
		used += (size_t)snprintf(buf + used, used < size ? size - used : 0,
					 "%s%#x", used ? "|" : "", prot);
	if (!used)
		snprintf(buf, size, "PROT_NONE");
	return buf;
}
