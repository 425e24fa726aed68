/* SPDX-License-Identifier: MIT */
/*
 * emt's own signals. The ones that ask it to end (SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT) or to stop (SIGTSTP, SIGTTIN, SIGTTOU) are noted by a handler
 * with who sent them, and acted on by the run loop, which ignores those the
 * traced program sent; the terminal's stop signals stop emt at once, as
 * their default would. And emt can die of the signal that killed the
 * traced program, as strace does.
 */
#ifndef EMT_TOOLS_SIGNALS_H
#define EMT_TOOLS_SIGNALS_H

#include <stdbool.h>
#include <sys/types.h>

/* sender of a signal whose siginfo names none */
#define SIGNAL_NO_SENDER (-1)

struct signal_note {
	int sig;
	bool from_terminal;  /* sent by the kernel for the terminal (^C) */
	pid_t sender;        /* process that sent it, 0 if the kernel or one
				out of sight (another pid namespace), or
				SIGNAL_NO_SENDER */
};

/* Handles the signals above by noting them, and makes SIGPIPE harmless (a
 * closed stderr must not kill emt). Handlers, unlike ignored dispositions,
 * are reset by execve, so the launched program starts with the defaults.
 * 0 or -errno. */
int signals_install(void);

/* Takes a noted signal into *note: false when there is none. A signal
 * sent again by the same sender before it was taken is noted once. */
bool signals_take(struct signal_note *note);

bool signals_is_job_stop(int sig);

/* Stops emt as sig's default disposition would (SIGTSTP...), and handles
 * sig again once continued. */
void signals_stop_self(int sig);

/* Terminates emt by sig without a core dump, unblocking it first.
 * Returns only if sig does not terminate a process. */
void signals_die_by(int sig);

#endif
