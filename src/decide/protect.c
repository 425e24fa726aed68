/* SPDX-License-Identifier: MIT */
/*
 * The W^X rule in one place: for what the program asked, what emt grants
 * while the pages wait for their first execution, after it, and after a
 * write. emt never grants a right the program did not ask for.
 */
#include <sys/mman.h>

#include "monitor.h"
#include "decide/decide.h"

int prot_armed(int asked)
{
	return asked & ~PROT_EXEC;
}

int prot_after_exec(int asked)
{
	return (asked & PROT_EXEC) ? asked & ~PROT_WRITE : asked;
}

int prot_after_write(int asked)
{
	return (asked & PROT_WRITE) ? asked & ~PROT_EXEC : asked;
}
