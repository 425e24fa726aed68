/* SPDX-License-Identifier: MIT */
/*
 * Calls the traced program aims at emt itself. The program usually runs as
 * emt's user, and the kernel lets a process of the same user set another's
 * resource limits (prlimit64: check_prlimit_permission() compares uids,
 * not dumpability): RLIMIT_CPU of one second or RLIMIT_NOFILE of 3 on emt
 * would kill it or blind it. Such a call is refused with EPERM, as for a
 * process of another user. Its pid may be any thread of emt's process
 * (TracerPid gives the tracer thread's), or emt's helper child.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor.h"
#include "decide/decide.h"
#include "events/events.h"
#include "ptrace/procfs.h"

#define SHIELD_SAID_MAX 16

/* Whether a number pid of t's process means what it means to emt: a
 * process in another pid namespace names others with the same numbers.
 * When the namespace cannot be read, it counts as emt's. */
static bool same_pid_ns(const struct thread *t)
{
	return procfs_same_pid_ns(t->tid);
}

static bool is_emt(const struct emt_monitor *mon, pid_t tgid)
{
	return tgid == getpid() || (mon->wake_pid > 0 && tgid == mon->wake_pid);
}

/* Whether pid, as t's process passes it, names emt's process or helper. */
static bool names_emt(const struct emt_monitor *mon, const struct thread *t, pid_t pid)
{
	if (pid <= 0)
		return false;
	if (!is_emt(mon, pid) && !is_emt(mon, (pid_t)procfs_status_field(pid, "Tgid")))
		return false;
	return same_pid_ns(t);
}

bool shield_refuse(struct emt_monitor *mon, struct thread *t, const struct sc_call *sc)
{
	pid_t pid = (pid_t)sc->args[0];

	if (sc->op != SC_PRLIMIT64 || !names_emt(mon, t, pid))
		return false;
	syscalls_refuse(t, -EPERM);
	/* A program calling it without end must not flood the log. */
	if (mon->n_shielded < SHIELD_SAID_MAX)
		emt_log(mon, EMT_LOG_WARN, "%d: prlimit64 aimed at emt (pid %d) refused (EPERM)%s",
			t->proc->pid, pid,
			mon->n_shielded + 1 == SHIELD_SAID_MAX ? "; the next ones silently" : "");
	mon->n_shielded++;
	return true;
}
