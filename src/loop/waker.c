/* SPDX-License-Identifier: MIT */
/*
 * The waker: waitpid cannot be woken by a condition variable, so a tiny
 * child of the tracer thread that exits when a byte arrives on a socket
 * makes waitpid(-1, __WNOTHREAD) return when the user wants the tracer's
 * attention. Blocking in waitpid costs nothing per stop; the price is a
 * process the traced program (same user) can find, as emt's child, and
 * signal:
 *
 * - it traces itself (PTRACE_TRACEME: its tracer is the tracer thread,
 *   its real parent), so any signal sent to it, SIGSTOP included, stops
 *   it for the tracer, which resumes it without the signal. TRACEME
 *   rather than PTRACE_SEIZE from the tracer: the child of a
 *   non-dumpable emt is non-dumpable too, and a seize of it needs
 *   CAP_SYS_PTRACE (__ptrace_may_access()), while TRACEME checks neither;
 * - a job-control stop that beat TRACEME is reported through WUNTRACED
 *   and ended with SIGCONT;
 * - SIGKILL ends it: a new one is started, on the same socket, so that a
 *   wake request sent meanwhile is read by the next one;
 * - it makes itself non-dumpable, so no one else can ptrace it and hold
 *   it in a stop the tracer would not see.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"
#include "events/events.h"
#include "loop/loop.h"
#include "ptrace/pt.h"

/* Runs in the forked child of a multi-threaded process: only
 * async-signal-safe calls. */
static void waker_main(int fd)
{
	char c;

	/* Fails when a tracer of emt followed the fork (strace -f): the
	 * waker then works untraced. */
	pt_traceme();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 0);
	dup2(fd, 0);
	syscall(SYS_close_range, 1, ~0u, 0);
	while (read(0, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static int spawn(struct emt_monitor *mon)
{
	pid_t pid = fork();

	if (pid == 0)
		waker_main(mon->wake_rd);
	if (pid < 0)
		return -errno;
	mon->wake_pid = pid;
	return 0;
}

int waker_start(struct emt_monitor *mon)
{
	int fds[2], rc;

	/* A socket rather than a pipe: writing to it after the tracer is
	 * gone must fail with EPIPE, not raise SIGPIPE in the host
	 * (MSG_NOSIGNAL). */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
		return -errno;
	mon->wake_rd = fds[0];
	mon->wake_fd = fds[1];
	rc = spawn(mon);
	if (rc)
		emt_log(mon, EMT_LOG_ERROR, "cannot start the waker: %s", strerror(-rc));
	return rc;
}

void waker_respawn(struct emt_monitor *mon)
{
	int rc;

	if (mon->wake_pid || mon->wake_rd < 0)
		return;
	rc = spawn(mon);
	/* Tried again after the next stop; until then a stop request waits
	 * for one. */
	if (rc && !mon->waker_failed)
		emt_log(mon, EMT_LOG_WARN, "cannot restart the waker: %s", strerror(-rc));
	mon->waker_failed = rc != 0;
}

bool waker_report(struct emt_monitor *mon, pid_t pid, int status)
{
	if (!pid || pid != mon->wake_pid)
		return false;
	if (WIFSTOPPED(status)) {
		/* A signal-delivery-stop: resumed without the signal. An
		 * untraced job-control stop: continued. */
		if (pt_cont(pid, 0))
			kill(pid, SIGCONT);
		return true;
	}
	if (WIFSIGNALED(status))
		emt_log(mon, EMT_LOG_WARN, "emt's waker %d was killed by signal %d: restarting it",
			pid, WTERMSIG(status));
	mon->wake_pid = 0;
	return true;
}

void waker_wake(struct emt_monitor *mon)
{
	if (mon->wake_fd >= 0)
		send(mon->wake_fd, "w", 1, MSG_NOSIGNAL);
}

void waker_end(struct emt_monitor *mon)
{
	if (mon->wake_pid > 0) {
		kill(mon->wake_pid, SIGKILL);
		pt_wait(mon->wake_pid, NULL, __WALL);
		mon->wake_pid = 0;
	}
	if (mon->wake_rd >= 0) {
		close(mon->wake_rd);
		mon->wake_rd = -1;
	}
}
