/* SPDX-License-Identifier: MIT */
/*
 * The text of a /proc status file as it would read without emt (--stealth):
 * what ptrace and emt's seccomp filters show there taken out. Plain text in,
 * plain text out: no tracee, no monitor.
 */
#ifndef EMT_STEALTH_VIEW_H
#define EMT_STEALTH_VIEW_H

#include <stdbool.h>
#include <stddef.h>

/* What emt knows about the thread the file shows. */
struct status_fix {
	bool traceme;              /* a PTRACE_TRACEME emt answered: its parent
				      would be its tracer (TracerPid = PPid) */
	char state;                /* shown for "t (tracing stop)": 'R', 'S'
				      or 'T' */
	unsigned int emt_filters;  /* seccomp filters emt added to the process */
	bool emt_nnp;              /* no_new_privs is emt's doing */
};

/* The view is at most this much longer than the text (a TracerPid that
 * shows the parent's pid). */
#define STATUS_VIEW_SLACK 32

/* Rewrite the len bytes of text into out, which has room for
 * len + STATUS_VIEW_SLACK bytes; returns the view's length. */
size_t status_view(const char *text, size_t len, const struct status_fix *fix,
		   char *out);

#endif
