/* SPDX-License-Identifier: MIT */
/*
 * The human log on stderr, strace-like: one line per intercepted call,
 * protection flip and process change, and for each capture a line
 * followed by its first instructions.
 */
#ifndef EMT_TOOLS_HUMANLOG_H
#define EMT_TOOLS_HUMANLOG_H

#include <emt/emt.h>

#include "annotate.h"

struct humanlog;

/* NULL only when out of memory; without a disassembler the log is
 * written without instructions. */
struct humanlog *humanlog_open(void);
/* ev's lines; an exec event's with what ann says of it (may be NULL):
 * its perf-map symbol, and a line per YARA rule matched. */
void humanlog_event(struct humanlog *h, const struct emt_event *ev,
		    const struct annotation *ann);
void humanlog_close(struct humanlog *h);

/* An emt_log_fn writing the library's diagnostics to stderr. */
void humanlog_library(enum emt_log_level level, const char *msg, void *ctx);

#endif
