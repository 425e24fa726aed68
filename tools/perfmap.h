/* SPDX-License-Identifier: MIT */
/*
 * JIT symbols from the perf maps programs write (/tmp/perf-PID.map: one
 * "START SIZE name" line per function, START and SIZE in hex; V8 with
 * --perf-basic-prof, Mono, .NET, Python 3.12 -X perf, HotSpot through
 * jcmd). The file is the traced program's: what it says is data, read
 * from a regular file only, within bounds, never trusted as text.
 */
#ifndef EMT_TOOLS_PERFMAP_H
#define EMT_TOOLS_PERFMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A name longer than this is cut. */
#define PERFMAP_NAME_MAX 256

struct perfmap_sym {
	uint64_t start, size;
	char name[PERFMAP_NAME_MAX]; /* printable ASCII only */
};

struct perfmaps;

struct perfmaps *perfmaps_new(void);
void perfmaps_free(struct perfmaps *pm);

/* Read pid's perf map up to what the program has written so far: once per
 * event, however many addresses it names. */
void perfmaps_refresh(struct perfmaps *pm, pid_t pid);

/* The newest entry of pid's perf map, as last refreshed, that holds addr:
 * 0, or -ENOENT (no map, no entry). */
int perfmaps_lookup(struct perfmaps *pm, pid_t pid, uint64_t addr, struct perfmap_sym *sym);

/* pid exited or ran another program: its map is read again if asked. */
void perfmaps_forget(struct perfmaps *pm, pid_t pid);

#endif
