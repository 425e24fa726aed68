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
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor.h"
#include "decide/decide.h"
#include "events/events.h"
#include "ptrace/procfs.h"

/* A uid no program shares with emt: nobody's. */
#define SHIELD_SAVED_UID 65534

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

/* Attached with the call watcher, emt sees a prlimit64 only once the
 * kernel made it. Its own saved uid changed keeps a program of its uid
 * without CAP_SYS_RESOURCE from making it at all (check_prlimit_permission()
 * wants the caller's uid to be the target's uid, euid and suid); one with
 * that capability sees its change undone, emt having it too. */
void shield_guard_limits(struct emt_monitor *mon)
{
	uid_t uid, euid, suid;

	if (getresuid(&uid, &euid, &suid) == 0 && euid == 0 && suid == 0 &&
	    setresuid((uid_t)-1, (uid_t)-1, SHIELD_SAVED_UID) != 0)
		emt_log(mon, EMT_LOG_DEBUG, "saved uid kept: %s", strerror(errno));
	shield_save_limits(mon);
}

void shield_save_limits(struct emt_monitor *mon)
{
	for (int r = 0; r < RLIMIT_NLIMITS; r++)
		if (getrlimit((__rlimit_resource_t)r, &mon->own_limits[r]))
			mon->own_limits[r].rlim_cur = mon->own_limits[r].rlim_max = RLIM_INFINITY;
	mon->own_limits_saved = true;
}

/* emt's, and its waker's (which has emt's). */
static void restore_limits(struct emt_monitor *mon)
{
	if (!mon->own_limits_saved)
		return;
	for (int r = 0; r < RLIMIT_NLIMITS; r++) {
		setrlimit((__rlimit_resource_t)r, &mon->own_limits[r]);
		if (mon->wake_pid > 0)
			prlimit(mon->wake_pid, (__rlimit_resource_t)r, &mon->own_limits[r], NULL);
	}
}

bool shield_refuse(struct emt_monitor *mon, struct thread *t, const struct sc_call *sc)
{
	pid_t pid = (pid_t)sc->args[0];

	if (sc->op != SC_PRLIMIT64 || !names_emt(mon, t, pid))
		return false;
	/* Seen after the kernel made it (attached, the call watcher), it
	 * cannot be refused: emt's limits as they were are set again. */
	bool late = syscalls_refuse(t, -EPERM) == -EALREADY;
	bool undone = late && !sysent_failed(t->call.late_ret);

	if (undone)
		restore_limits(mon);
	/* A program calling it without end must not flood the log. */
	if (mon->n_shielded < SHIELD_SAID_MAX)
		emt_log(mon, EMT_LOG_WARN, "%d: prlimit64 aimed at emt (pid %d) %s%s",
			t->proc->pid, pid, undone ? "undone" : "refused (EPERM)",
			mon->n_shielded + 1 == SHIELD_SAID_MAX ? "; the next ones silently" : "");
	mon->n_shielded++;
	return true;
}
