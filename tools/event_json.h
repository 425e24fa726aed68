/* SPDX-License-Identifier: MIT */
/* One emt event as one line of events.jsonl (doc/events.md). */
#ifndef EMT_TOOLS_EVENT_JSON_H
#define EMT_TOOLS_EVENT_JSON_H

#include <stdbool.h>

#include <emt/emt.h>

#include "annotate.h"
#include "json.h"

/* Appends the record for ev, newline included, to j; with elf, an exec
 * event names its ELF file too (elfout.h). An exec event gets what ann
 * says of it (may be NULL): its perf-map symbol in its record, and a
 * match record after it per YARA rule matched. */
void event_json(struct json *j, const struct emt_event *ev, bool elf,
		const struct annotation *ann);

/* True for the syscalls whose third argument is a protection. */
bool event_has_prot(long syscall_nr);

#endif
