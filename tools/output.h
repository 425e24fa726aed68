/* SPDX-License-Identifier: MIT */
/*
 * The output directory (doc/events.md): events.jsonl, one record per
 * event, and the capture store. Every function that fails has already
 * said why on stderr.
 */
#ifndef EMT_TOOLS_OUTPUT_H
#define EMT_TOOLS_OUTPUT_H

#include <stdbool.h>

#include <emt/emt.h>

#include "annotate.h"

struct output;

/* Creates dir (0700) if missing, then events.jsonl (0600, truncated)
 * and captures/ (and elf/ with elf: an ELF file per capture), so that an
 * unusable directory is known before the program starts. dir and its
 * directories must be owned by the effective uid or root and not
 * writable by group or others; events.jsonl and the directories must not
 * be symbolic links. 0 or -errno. */
int output_open(const char *dir, bool elf, struct output **out);

/* Stores the capture of an exec event, then queues its record (with what
 * ann says of it: may be NULL) and a match record per YARA rule it
 * matched. Records
 * are written out when enough have accumulated or on output_flush.
 * 0 or -errno. */
int output_event(struct output *out, const struct emt_event *ev,
		 const struct annotation *ann);

/* Writes out every queued record. 0 or -errno. */
int output_flush(struct output *out);

/* Flushes, closes and frees (out may be NULL). 0 or -errno. */
int output_close(struct output *out);

#endif
