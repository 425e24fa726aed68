/* SPDX-License-Identifier: MIT */
/*
 * Reading /proc/PID/{maps,auxv,status} of a traced process. The program
 * controls much of what these files say (file names, the layout of its
 * mappings), so parsing never trusts more than the kernel's own fields:
 * a line is read whole however long its path, and the name of a special
 * mapping is compared exactly, never searched for.
 */
#ifndef EMT_PROCFS_H
#define EMT_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct maps_entry {
	uint64_t start, end;
	int prot;             /* PROT_* */
	bool shared;          /* 's' in the perms column */
	uint64_t offset;
	uint64_t dev;         /* makedev(major, minor) */
	uint64_t ino;
	const char *path;     /* "" for anonymous memory; valid until the
				 next procfs_maps_next */
};

struct maps_reader {
	FILE *f;
	char *line;
	size_t cap;
};

/* 0 or -errno. */
int procfs_maps_open(struct maps_reader *r, pid_t pid);
/* The next mapping; false at the end (or on a line the kernel would never
 * write). */
bool procfs_maps_next(struct maps_reader *r, struct maps_entry *e);
void procfs_maps_close(struct maps_reader *r);
/* The mapping that contains addr, path copied into path (may be NULL).
 * 0, -ENOENT when none does, or -errno. */
int procfs_maps_find(pid_t pid, uint64_t addr, struct maps_entry *e,
		     char *path, size_t path_size);

/* The value of AT_* type in the process's auxiliary vector, 0 if absent. */
/* /proc/PID/NAME opened read-only: an fd, or -errno. */
int procfs_open(pid_t pid, const char *name);

uint64_t procfs_auxv(pid_t pid, uint64_t type);

/* The first number after "Name:" in /proc/PID/status (Tgid, PPid,
 * TracerPid...), or -1. */
long procfs_status_field(pid_t pid, const char *name);

/* How many bytes from start, up to len, are in pages present in memory
 * (/proc/PID/pagemap bit 63), stopping at the first page that is not. */
uint64_t procfs_present_bytes(pid_t pid, uint64_t start, uint64_t len);

/* When the process started, in CLOCK_REALTIME ns; 0 if unknown. */
uint64_t procfs_start_ns(pid_t pid);

/* The state letter of /proc/PID/stat, 0 when the process is gone. */
char procfs_state(pid_t pid);

#endif
