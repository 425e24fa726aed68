/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/resource.h>

#include "signals.h"

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static volatile sig_atomic_t pending[NSIG];
static volatile sig_atomic_t from_tty[NSIG];

static void note(int sig, siginfo_t *info, void *uctx)
{
	(void)uctx;
	from_tty[sig] = info && info->si_code == SI_KERNEL;
	pending[sig] = 1;
}

static void nothing(int sig)
{
	(void)sig;
}

int signals_install(void)
{
	struct sigaction sa = { .sa_sigaction = note, .sa_flags = SA_SIGINFO };
	struct sigaction pipe_sa = { .sa_handler = nothing };

	/* No SA_RESTART: a wait in progress should return and let the run
	 * loop look at the flags. */
	sigemptyset(&sa.sa_mask);
	sigemptyset(&pipe_sa.sa_mask);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		if (sigaction(stop_signals[i], &sa, NULL) < 0)
			return -errno;
	if (sigaction(SIGPIPE, &pipe_sa, NULL) < 0)
		return -errno;
	return 0;
}

int signals_take(bool *from_terminal)
{
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++) {
		int sig = stop_signals[i];

		if (pending[sig]) {
			pending[sig] = 0;
			*from_terminal = from_tty[sig];
			return sig;
		}
	}
	return 0;
}

void signals_die_by(int sig)
{
	struct rlimit no_core = { 0, 0 };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t set;

	setrlimit(RLIMIT_CORE, &no_core);
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}
