/* SPDX-License-Identifier: MIT */
/* One-line diagnostics of the emt command on stderr. */
#ifndef EMT_TOOLS_DIAG_H
#define EMT_TOOLS_DIAG_H

/* Prints "emt: " followed by the formatted message and a newline. */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
