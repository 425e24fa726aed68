/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>

#include "diag.h"

void diag(const char *fmt, ...)
{
	va_list ap;

	/* One locked sequence so that a library log line from the tracer
	 * thread cannot land in the middle of this one. */
	flockfile(stderr);
	fputs("emt: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	funlockfile(stderr);
}
