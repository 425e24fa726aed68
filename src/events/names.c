/* SPDX-License-Identifier: MIT */
/*
 * Names for logs and output, from one table each.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "monitor.h"
#include "events/events.h"

/* names[i], or "unknown" for a value the table does not have. */
static const char *name_in(const char *const *names, size_t n, unsigned int i)
{
	return i < n && names[i] ? names[i] : "unknown";
}

#define NAME_IN(names, i) name_in(names, sizeof(names) / sizeof(names[0]), (unsigned int)(i))

const char *emt_origin_name(enum emt_origin origin)
{
	static const char *const names[] = {
		[EMT_ORIGIN_NONE] = "none",
		[EMT_ORIGIN_WX_MAP] = "wx_map",
		[EMT_ORIGIN_WX_PROTECT] = "wx_protect",
		[EMT_ORIGIN_FLIP] = "flip",
		[EMT_ORIGIN_ALIAS] = "alias",
		[EMT_ORIGIN_EXEC_MAP] = "exec_map",
		[EMT_ORIGIN_EXEC_IMAGE] = "exec_image",
		[EMT_ORIGIN_KERNEL_WRITE] = "kernel_write",
	};

	return NAME_IN(names, origin);
}

const char *emt_blind_route_name(enum emt_blind_route route)
{
	static const char *const names[] = {
		[EMT_BLIND_NONE] = "none",
		[EMT_BLIND_TRAMPOLINE] = "trampoline",
		[EMT_BLIND_FOREIGN_ABI] = "foreign_abi",
		[EMT_BLIND_UNSEEN_EXEC] = "unseen_exec",
		[EMT_BLIND_UNENFORCEABLE] = "unenforceable",
		[EMT_BLIND_IO_URING] = "io_uring",
		[EMT_BLIND_SHARED_OUTSIDE] = "shared_outside",
		[EMT_BLIND_USERFAULTFD] = "userfaultfd",
		[EMT_BLIND_SECCOMP_NOTIFY] = "seccomp_notify",
		[EMT_BLIND_WINDOW] = "window",
	};

	return NAME_IN(names, route);
}

const char *emt_arch_name(enum emt_arch arch)
{
	static const char *const names[] = {
		[EMT_ARCH_X86_64] = "x86_64",
	};

	return NAME_IN(names, arch);
}

const char *emt_syscall_name(long nr)
{
	const char *name = sysent_name(sysent_op_of(nr));

	return name ? name : "syscall";
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
