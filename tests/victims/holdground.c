/* SPDX-License-Identifier: MIT */
/*
 * A program that turns on its tracer: it reads TracerPid from
 * /proc/self/status and, as the same user, acts on that process, then
 * makes and runs code, which emt must still capture. Natively TracerPid is
 * 0 and the attack is skipped, so the output is the same either way.
 *
 * usage: holdground MODE [-a]
 *
 *   signals  sends SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN and
 *            SIGTTOU to the tracer, several times each, then a SIGTERM
 *            through a pipe set to signal it (F_SETOWN, F_SETSIG); it
 *            must still be the tracer afterwards
 *   ptrace   PTRACE_ATTACH and PTRACE_SEIZE of the tracer, process_vm_readv
 *            and process_vm_writev of it, open of its /proc/PID/mem,
 *            pidfd_getfd from it: each must be refused (EPERM or EACCES)
 *   rlimit   prlimit64 of RLIMIT_CPU, RLIMIT_AS, RLIMIT_NOFILE and
 *            RLIMIT_FSIZE on the tracer's thread, its process and the
 *            helpers of waker mode: each must be refused, and the
 *            tracer's limits stay as they were
 *   waker    SIGSTOP, then SIGKILL, then SIGSTOP again to every child of
 *            the tracer's process but itself and its parent
 *
 * With -l (rlimit, attached with the call watcher, which sees a call after
 * the kernel made it) a limit may be set, but the tracer's must be back as
 * they were at once.
 *
 * With -a it first announces "ready" and waits (10 s at most) to be
 * attached. In waker mode with -a it announces "attacked" once its code
 * ran, and waits for SIGUSR1 in pause(), a call that never returns to emt
 * by itself; then its page must be rwx again (emt detached) and still run.
 *
 * Prints "MODE done" (and exits 0) when everything held; a check that
 * failed is one line on stderr and exit 1.
 */
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include "victim.h"

static int bad;
static bool undone_late; /* -l */

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void complain(const char *what, const char *how)
{
	fprintf(stderr, "victim: %s: %s\n", what, how);
	bad = 1;
}

/* The number after "name:" in /proc/PID/status, -1 if none. */
static long status_field(pid_t pid, const char *name)
{
	char path[64], line[256];
	size_t len = strlen(name);
	long value = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, len) == 0 && line[len] == ':') {
			value = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return value;
}

static pid_t tracer_pid(void)
{
	return (pid_t)status_field(getpid(), "TracerPid");
}

/* The process a thread id belongs to. */
static pid_t tgid_of(pid_t tid)
{
	return (pid_t)status_field(tid, "Tgid");
}

static pid_t wait_attached(void)
{
	pid_t tracer = 0;

	announce_ready();
	for (int i = 0; i < 1000 && !(tracer = tracer_pid()); i++)
		nap_ms(10);
	if (!tracer)
		victim_fail("never attached");
	/* Let emt finish attaching (settle, sweep) before acting. */
	nap_ms(200);
	return tracer;
}

/* ---- signals ---- */

static void send_signals(pid_t tracer)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT,
				    SIGTSTP, SIGTTIN, SIGTTOU };

	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
			if (kill(tracer, sigs[i]) < 0)
				victim_die("kill of the tracer");
			nap_ms(10);
		}
	nap_ms(300);
	if (tracer_pid() != tracer)
		complain("signals", "the tracer let go");
}

/* A signal an fd sends when it becomes readable (F_SETOWN, F_SETSIG):
 * its siginfo carries POLL_IN and the fd, no sender. */
static void send_sigio(pid_t tracer)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		victim_die("pipe2");
	if (fcntl(fds[0], F_SETOWN, tgid_of(tracer)) < 0 ||
	    fcntl(fds[0], F_SETSIG, SIGTERM) < 0 ||
	    fcntl(fds[0], F_SETFL, O_ASYNC | O_NONBLOCK) < 0)
		victim_die("fcntl");
	if (write(fds[1], "x", 1) != 1)
		victim_die("write");
	nap_ms(300);
	close(fds[0]);
	close(fds[1]);
	if (tracer_pid() != tracer)
		complain("SIGTERM through F_SETSIG", "the tracer let go");
}

/* ---- ptrace and memory access ---- */

/* ok: the call succeeded. A refusal is EPERM or EACCES. */
static void expect_refused(const char *what, bool ok)
{
	if (ok)
		complain(what, "allowed");
	else if (errno != EPERM && errno != EACCES)
		complain(what, strerror(errno));
}

static void try_ptrace(pid_t tracer, long req, const char *what)
{
	bool ok = ptrace(req, tracer, 0, 0) == 0;

	expect_refused(what, ok);
	if (ok) {
		/* Undo at once: a stopped tracer would deadlock us. */
		if (req == PTRACE_ATTACH)
			waitpid(tracer, NULL, __WALL);
		ptrace(PTRACE_DETACH, tracer, 0, 0);
	}
}

static void try_vm(pid_t tracer)
{
	char buf[8] = { 0 };
	struct iovec local = { buf, sizeof(buf) };
	/* Any address: an access allowed would fail with EFAULT instead. */
	struct iovec remote = { (void *)0x1000, sizeof(buf) };

	expect_refused("process_vm_readv",
		       syscall(SYS_process_vm_readv, tracer, &local, 1, &remote, 1, 0) >= 0);
	expect_refused("process_vm_writev",
		       syscall(SYS_process_vm_writev, tracer, &local, 1, &remote, 1, 0) >= 0);
}

static void try_mem(pid_t tracer)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)tracer);
	fd = open(path, O_RDWR | O_CLOEXEC);
	expect_refused("open /proc/TRACER/mem", fd >= 0);
	if (fd >= 0)
		close(fd);
}

static void try_getfd(pid_t tracer)
{
	int pidfd = (int)syscall(SYS_pidfd_open, tgid_of(tracer), 0);
	int fd;

	if (pidfd < 0)
		victim_die("pidfd_open of the tracer");
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, 0, 0);
	expect_refused("pidfd_getfd", fd >= 0);
	if (fd >= 0)
		close(fd);
	close(pidfd);
}

static void probe_access(pid_t tracer)
{
	try_ptrace(tracer, PTRACE_ATTACH, "PTRACE_ATTACH");
	try_ptrace(tracer, PTRACE_SEIZE, "PTRACE_SEIZE");
	try_ptrace(tgid_of(tracer), PTRACE_ATTACH, "PTRACE_ATTACH of the main thread");
	try_vm(tracer);
	try_mem(tracer);
	try_getfd(tracer);
}

/* ---- the tracer's other processes and threads ---- */

/* Calls fn(pid, arg) for every child of process emt but this one and its
 * parent (the traced program too, when this one runs under a shell): emt's
 * helpers. Returns how many. */
static int for_each_helper(pid_t emt, void (*fn)(pid_t, int), int arg)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		victim_die("/proc");
	while ((e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid <= 0 || pid == getpid() || pid == getppid() ||
		    status_field(pid, "PPid") != emt)
			continue;
		fn(pid, arg);
		n++;
	}
	closedir(d);
	return n;
}

static void send_to(pid_t pid, int sig)
{
	kill(pid, sig);
}

static void attack_waker(pid_t tracer)
{
	pid_t emt = tgid_of(tracer);

	if (for_each_helper(emt, send_to, SIGSTOP) == 0)
		victim_fail("the tracer has no other child");
	nap_ms(100);
	for_each_helper(emt, send_to, SIGKILL);
	nap_ms(300);
	for_each_helper(emt, send_to, SIGSTOP);
	nap_ms(100);
}

/* ---- resource limits ---- */

static char *read_limits(pid_t pid)
{
	static char buf[2][4096];
	static int which;
	char path[64];
	ssize_t n;
	int fd;

	which ^= 1;
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		victim_die(path);
	n = read(fd, buf[which], sizeof(buf[which]) - 1);
	close(fd);
	buf[which][n > 0 ? n : 0] = '\0';
	return buf[which];
}

static void limit_one(pid_t pid, int resource, rlim_t value, const char *what)
{
	struct rlimit r = { value, value };
	bool ok = prlimit(pid, resource, &r, NULL) == 0;

	if (!undone_late)
		expect_refused(what, ok);
}

static void limit_all(pid_t pid, int unused)
{
	(void)unused;
	limit_one(pid, RLIMIT_CPU, 1, "prlimit RLIMIT_CPU");
	limit_one(pid, RLIMIT_FSIZE, 1, "prlimit RLIMIT_FSIZE");
	limit_one(pid, RLIMIT_NOFILE, 3, "prlimit RLIMIT_NOFILE");
	limit_one(pid, RLIMIT_AS, 1 << 20, "prlimit RLIMIT_AS");
}

static void set_limits(pid_t tracer)
{
	char before[4096];
	pid_t emt = tgid_of(tracer);

	snprintf(before, sizeof(before), "%s", read_limits(tracer));
	limit_all(tracer, 0);
	limit_all(emt, 0);
	if (for_each_helper(emt, limit_all, 0) == 0)
		victim_fail("the tracer has no other child");
	if (strcmp(before, read_limits(tracer)) != 0)
		complain("prlimit", "the tracer's limits changed");
}

/* ---- the run ---- */

static volatile sig_atomic_t go_on;

static void on_usr1(int sig)
{
	(void)sig;
	go_on = 1;
}

/* Attached: wait for SIGUSR1 with emt gone, then the page must be rwx
 * again and still run. */
static void after_detach(uint8_t *page)
{
	char perms[5];

	announce("attacked pid=%d", (int)getpid());
	while (!go_on)
		pause();
	if (maps_perms(page, perms) < 0 || strncmp(perms, "rwx", 3) != 0)
		complain("after the detach", "the page is not rwx");
	emit_ret_imm(page + 64, 7);
	if (call_code(page + 64) != 7)
		complain("after the detach", "the page does not run");
}

static void attack(const char *mode, pid_t tracer)
{
	if (strcmp(mode, "signals") == 0) {
		send_signals(tracer);
		send_sigio(tracer);
	}
	else if (strcmp(mode, "ptrace") == 0)
		probe_access(tracer);
	else if (strcmp(mode, "rlimit") == 0)
		set_limits(tracer);
	else if (strcmp(mode, "waker") == 0)
		attack_waker(tracer);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	bool attaching = argc > 2 && strcmp(argv[2], "-a") == 0;
	pid_t tracer;
	uint8_t *page;

	if (strcmp(mode, "signals") && strcmp(mode, "ptrace") && strcmp(mode, "rlimit") &&
	    strcmp(mode, "waker"))
		victim_fail("usage: holdground signals|ptrace|rlimit|waker [-a]");
	undone_late = argc > 3 && strcmp(argv[3], "-l") == 0;
	on_signal_call(SIGUSR1, on_usr1);
	announce_start();
	tracer = attaching ? wait_attached() : tracer_pid();
	if (tracer)
		attack(mode, tracer);
	page = map_rwx(VICTIM_PAGE);
	run_ret_imm(page, 42, 1, "wx_map");
	announce_execs(page, 1, 0);
	if (attaching && strcmp(mode, "waker") == 0)
		after_detach(page);
	if (bad)
		return 1;
	printf("%s done\n", mode);
	return 0;
}
