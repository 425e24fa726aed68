/* SPDX-License-Identifier: MIT */
/*
 * What emt adds to an exec event from outside the library, for the log
 * and the output directory alike: the JIT's own name for the code (its
 * perf map) and the YARA rules the capture matches (--yara).
 */
#ifndef EMT_TOOLS_ANNOTATE_H
#define EMT_TOOLS_ANNOTATE_H

#include <stdbool.h>

#include <emt/emt.h>

#include "perfmap.h"
#include "yarascan.h"

/* A frame of a backtrace in generated code: the capture that holds it
 * (the latest of its page emt wrote) and its perf-map name. */
struct frame_note {
	bool in_capture;
	uint8_t sha256[32];      /* of that capture */
	uint64_t capture_addr;   /* its first byte */
	bool has_symbol;
	struct perfmap_sym symbol;
};

struct annotation {
	bool has_symbol;
	uint64_t named;          /* the address the symbol names: the entry */
	struct perfmap_sym symbol;
	bool scanned;            /* yara holds this capture's scan */
	struct yarascan_result yara;
	/* One per frame of ev->frames (those of no file: generated code). */
	struct frame_note frames[EMT_FRAMES_MAX];
	size_t n_frames;
};

struct annotator;

/* yara_rules: a file of YARA rules, or NULL. 0 or -errno after saying why. */
int annotator_open(const char *yara_rules, struct annotator **out);

/* What there is to say about ev, held until the next call; NULL for an
 * event that gets nothing. */
const struct annotation *annotator_event(struct annotator *a, const struct emt_event *ev);

void annotator_close(struct annotator *a);

/* Where the thread was going in an exec event's capture: the pc when it
 * lies in the capture, else (an instruction straddling into it) its start. */
uint64_t annotate_entry(const struct emt_event *ev);

#endif
