/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/resource.h>
#include <unistd.h>

#include "signals.h"

#define N_HANDLED (sizeof(handled) / sizeof(handled[0]))

static const int handled[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
			       SIGTSTP, SIGTTIN, SIGTTOU };

/* Signals sent by processes, until the run loop takes them: one slot per
 * distinct signal and sender. Only the main thread runs the handler (the
 * library's tracer thread blocks them), with every handled signal
 * blocked, so a slot is filled by one handler at a time; the run loop
 * frees a slot only after reading it. */
#define SLOTS 64

struct slot {
	volatile sig_atomic_t ready;
	volatile sig_atomic_t sig;
	volatile sig_atomic_t sender;
};

static struct slot slots[SLOTS];
/* From the terminal: no sender to tell apart, never dropped. */
static volatile sig_atomic_t from_tty[NSIG];

static bool is_job_stop(int sig)
{
	return sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void keep(int sig, pid_t sender)
{
	struct slot *free_slot = NULL;

	for (size_t i = 0; i < SLOTS; i++) {
		if (slots[i].ready && slots[i].sig == sig && slots[i].sender == sender)
			return;
		if (!slots[i].ready && !free_slot)
			free_slot = &slots[i];
	}
	/* All taken: SLOTS distinct senders since the run loop last looked.
	 * The signal is lost; a user can send it again (or type ^C). */
	if (!free_slot)
		return;
	free_slot->sig = sig;
	free_slot->sender = sender;
	free_slot->ready = 1;
}

/* Whether si_pid names the process that sent it: kill, tgkill, sigqueue
 * (and pidfd_send_signal, which fills in the same). Another si_code (a
 * signal an fd was set to send with F_SETOWN and F_SETSIG, POLL_IN...)
 * has no sender there. */
static bool has_sender(const siginfo_t *info)
{
	return info->si_code == SI_USER || info->si_code == SI_TKILL ||
	       info->si_code == SI_QUEUE;
}

static void note(int sig, siginfo_t *info, void *uctx)
{
	(void)uctx;
	/* The kernel sends the terminal's signals (^C, ^Z, a background
	 * read, a hangup) with SI_KERNEL. */
	if (info->si_code != SI_KERNEL) {
		keep(sig, has_sender(info) ? info->si_pid : SIGNAL_NO_SENDER);
		return;
	}
	if (is_job_stop(sig))
		signals_stop_self(sig);
	else
		from_tty[sig] = 1;
}

static void nothing(int sig)
{
	(void)sig;
}

static int handle(int sig)
{
	struct sigaction sa = { .sa_sigaction = note, .sa_flags = SA_SIGINFO };

	/* No SA_RESTART: a wait in progress should return and let the run
	 * loop look at the slots. */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < N_HANDLED; i++)
		sigaddset(&sa.sa_mask, handled[i]);
	return sigaction(sig, &sa, NULL);
}

int signals_install(void)
{
	struct sigaction pipe_sa = { .sa_handler = nothing };

	for (size_t i = 0; i < N_HANDLED; i++)
		if (handle(handled[i]) < 0)
			return -errno;
	sigemptyset(&pipe_sa.sa_mask);
	if (sigaction(SIGPIPE, &pipe_sa, NULL) < 0)
		return -errno;
	/* Attached, a program's prlimit64 on emt is seen after it is made
	 * and undone: until then a write past RLIMIT_FSIZE fails with EFBIG
	 * (said) instead of killing emt, and RLIMIT_CPU's soft signal does
	 * nothing. */
	if (sigaction(SIGXFSZ, &pipe_sa, NULL) < 0 || sigaction(SIGXCPU, &pipe_sa, NULL) < 0)
		return -errno;
	return 0;
}

bool signals_take(struct signal_note *note_out)
{
	for (size_t i = 0; i < N_HANDLED; i++) {
		int sig = handled[i];

		if (from_tty[sig]) {
			from_tty[sig] = 0;
			*note_out = (struct signal_note){ .sig = sig, .from_terminal = true };
			return true;
		}
	}
	for (size_t i = 0; i < SLOTS; i++) {
		if (!slots[i].ready)
			continue;
		*note_out = (struct signal_note){ .sig = slots[i].sig,
						  .sender = slots[i].sender };
		slots[i].ready = 0;
		return true;
	}
	return false;
}

bool signals_is_job_stop(int sig)
{
	return is_job_stop(sig);
}

/* Take sig as its default disposition would. */
static void raise_default(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t set;

	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}

void signals_stop_self(int sig)
{
	/* What the default disposition would have done: stop emt with that
	 * signal, so a shell reports it as such; then handle it again. */
	raise_default(sig);
	handle(sig);
}

void signals_die_by(int sig)
{
	struct rlimit no_core = { 0, 0 };

	setrlimit(RLIMIT_CORE, &no_core);
	raise_default(sig);
}
