/* SPDX-License-Identifier: MIT */
/*
 * Launch mode: fork, let the tracer seize the child while it waits on a
 * pipe (once it said it can be), install the seccomp filter in the child,
 * exec. A failure in the child is reported to the parent on a
 * close-on-exec pipe, as a debugger does.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "loop/loop.h"
#include "model/model.h"
#include "ptrace/procfs.h"
#include "ptrace/pt.h"

extern char **environ;

#define LAUNCH_OPTIONS                                                         \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |    \
	 PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP |    \
	 PTRACE_O_EXITKILL | PTRACE_O_TRACEEXIT)

enum { REPORT_NO_FILTER = 1, REPORT_NO_EXEC = 2, REPORT_READY = 3 };

static int search_path(const char *name, char **out)
{
	const char *path = getenv("PATH");
	int err = -ENOENT;

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");
		char *cand;

		if (asprintf(&cand, "%.*s%s%s", (int)len, path, len ? "/" : "",
			     name) < 0)
			return -ENOMEM;
		if (access(cand, X_OK) == 0) {
			*out = cand;
			return 0;
		}
		if (errno == EACCES)
			err = -EACCES;
		free(cand);
		path += len + (path[len] == ':');
	}
	return err;
}

static int resolve_exe(struct emt_monitor *mon)
{
	const char *name = mon->argv[0];

	if (strchr(name, '/')) {
		if (access(name, X_OK) < 0)
			return -errno;
		mon->exe_path = strdup(name);
		return mon->exe_path ? 0 : -ENOMEM;
	}
	return search_path(name, &mon->exe_path);
}

static void report(int fd, int what, int err)
{
	int msg[2] = { what, err };

	if (write(fd, msg, sizeof(msg)) < 0)
		_exit(127);
}

static bool install_filter(const struct sock_fprog *prog)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) == 0)
		return true;
	/* Without CAP_SYS_ADMIN the kernel wants no_new_privs first
	 * (seccomp(2), EACCES). */
	if (errno != EACCES || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return false;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) == 0;
}

/* Runs in the forked child of a possibly multi-threaded process: only
 * async-signal-safe calls until execve. */
static void child_main(struct emt_monitor *mon, const struct sock_fprog *prog,
		       int go_fd, int err_fd, const sigset_t *mask)
{
	char c;
	char *const *envp = mon->opts.envp ? mon->opts.envp : environ;

	sigprocmask(SIG_SETMASK, mask, NULL);
	/* The child of a non-dumpable host (the emt tool) is non-dumpable
	 * until its execve, and seizing it would need CAP_SYS_PTRACE
	 * (__ptrace_may_access()): dumpable again first. execve then sets
	 * what the program gets (begin_new_exec()). */
	prctl(PR_SET_DUMPABLE, 1);
	report(err_fd, REPORT_READY, 0);
	if (read(go_fd, &c, 1) != 1)
		_exit(127);
	if (prog && !install_filter(prog))
		report(err_fd, REPORT_NO_FILTER, errno);
	execve(mon->exe_path, mon->argv, envp);
	report(err_fd, REPORT_NO_EXEC, errno);
	_exit(127);
}

int tracee_seize_error(struct emt_monitor *mon, pid_t pid, int err)
{
	long tracer;
	char comm[32];

	/* A process has one tracer: a second PTRACE_SEIZE fails with EPERM
	 * (ptrace_attach(): "if (task->ptrace) goto unlock"), the same errno
	 * as a refusal. TracerPid tells the two apart. */
	if (err != EPERM)
		return -err;
	tracer = procfs_status_field(pid, "TracerPid");
	if (tracer <= 0)
		return -EPERM;
	procfs_comm((pid_t)tracer, comm, sizeof(comm));
	emt_log(mon, EMT_LOG_INFO, "cannot trace %d: it is already traced by process %ld (%s)",
		pid, tracer, comm);
	return -EBUSY;
}

/* Seized before it is in the tables: a child emt cannot trace (one that
 * a tracer of emt's own already took, following emt's forks) leaves
 * nothing behind to wait for. */
static int seize_child(struct emt_monitor *mon, pid_t pid)
{
	struct mm_space *mm;
	struct proc *p;
	struct thread *t;
	int rc;

	mon->ptrace_options = LAUNCH_OPTIONS;
	rc = pt_seize(pid, LAUNCH_OPTIONS);
	if (rc)
		return tracee_seize_error(mon, pid, -rc);
	mm = mm_new();
	p = mm ? proc_add(mon, pid, mm) : NULL;
	t = p ? thread_add(mon, pid, p) : NULL;
	if (!t) {
		if (p)
			stops_forget_proc(mon, p);
		else
			mm_put(mm);
		return -ENOMEM;
	}
	t->state = THREAD_RUNNING;
	mon->main_pid = pid;
	event_process(mon, pid, 0, EMT_PROCESS_START, 0);
	return 0;
}

/* A child emt seized is its own to reap. One another tracer holds is
 * reported to that tracer first and reaches its parent only once that
 * tracer has waited for it (wait_task_zombie() in kernel/exit.c): a tracer
 * that never does must not hang emt. */
static void reap_child(pid_t pid, bool ours)
{
	if (ours) {
		pt_wait(pid, NULL, __WALL);
		return;
	}
	for (int i = 0; i < 2000 && pt_wait(pid, NULL, __WALL | WNOHANG) == 0; i++)
		usleep(1000);
}

/* The child says it may be seized; 0, or -ECHILD when it died first. */
static int wait_ready(int fd)
{
	int msg[2];
	ssize_t n;

	while ((n = read(fd, msg, sizeof(msg))) < 0 && errno == EINTR)
		;
	return n == (ssize_t)sizeof(msg) && msg[0] == REPORT_READY ? 0 : -ECHILD;
}

static int fork_child(struct emt_monitor *mon, const struct sock_fprog *prog,
		      const sigset_t *mask)
{
	int go[2], err[2], rc;
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		rc = -errno;
		close(go[0]);
		close(go[1]);
		return rc;
	}
	pid = fork();
	if (pid == 0)
		child_main(mon, prog, go[0], err[1], mask);
	close(go[0]);
	close(err[1]);
	rc = pid < 0 ? -errno : wait_ready(err[0]);
	if (!rc)
		rc = seize_child(mon, pid);
	if (rc && pid > 0) {
		kill(pid, SIGKILL);
		reap_child(pid, rc != -EBUSY);
	}
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	mon->exec_err_fd = err[0];
	if (!rc && write(go[1], "g", 1) != 1)
		rc = -errno;
	close(go[1]);
	return rc;
}

int tracee_launch(struct emt_monitor *mon, const sigset_t *child_mask)
{
	struct sock_fprog prog = { 0 };
	bool filter = !(mon->opts.flags & EMT_OPT_NO_SECCOMP);
	int rc = resolve_exe(mon);

	if (rc)
		return rc;
	if (filter && filter_build(mon, &prog) < 0)
		filter = false;
	mon->use_seccomp = filter;
	mon->syscall_mode = !filter;
	if (!filter)
		emt_log(mon, EMT_LOG_INFO, "no seccomp filter: stopping at every syscall");
	mon->since_ns = emt_now_ns();
	rc = fork_child(mon, filter ? &prog : NULL, child_mask);
	filter_free(&prog);
	return rc;
}
