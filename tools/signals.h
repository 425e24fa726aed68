/* SPDX-License-Identifier: MIT */
/*
 * emt's own signals: the ones that ask it to end are noted by a handler
 * and acted on by the run loop; and emt can die of the signal that killed
 * the traced program, as strace does.
 */
#ifndef EMT_TOOLS_SIGNALS_H
#define EMT_TOOLS_SIGNALS_H

#include <stdbool.h>

/* Handles SIGINT, SIGTERM, SIGHUP and SIGQUIT by noting them, and makes
 * SIGPIPE harmless (a closed stderr must not kill emt). Handlers, unlike
 * ignored dispositions, are reset by execve, so the launched program
 * starts with the defaults. 0 or -errno. */
int signals_install(void);

/* A noted signal, cleared, or 0. *from_terminal tells whether the kernel
 * sent it on behalf of the terminal (^C), which sends it to the whole
 * foreground process group. */
int signals_take(bool *from_terminal);

/* Terminates emt by sig without a core dump, unblocking it first.
 * Returns only if sig does not terminate a process. */
void signals_die_by(int sig);

#endif
