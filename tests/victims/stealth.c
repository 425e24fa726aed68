/* SPDX-License-Identifier: MIT */
/*
 * A program that looks for a tracer before it unpacks, as malware does,
 * and gives up at the first sign of one ("debugger found: WHY", exit 0,
 * its payload never made):
 *  - ptrace(PTRACE_TRACEME) twice in a forked child: 0, then EPERM;
 *  - TracerPid, State, Seccomp, Seccomp_filters and NoNewPrivs of
 *    /proc/self/status, /proc/self/task/TID/status, /proc/PID/status and
 *    /proc/thread-self/status, and of a second thread's status while that
 *    thread runs generated code nonstop; each file read with fgets, one
 *    byte at a time with read(), with pread() in 7-byte pieces, with
 *    readv(), and half through a dup of the fd; the file position at the
 *    end must be the length read; also opened as /dev/fd/N, and an fd
 *    opened before the checks (before emt attached) read with pread;
 *  - prctl(PR_GET_SECCOMP) and prctl(PR_GET_NO_NEW_PRIVS) against the file;
 *  - in a forked child, a seccomp filter of its own: installed (setting
 *    no_new_privs first if it has to), then what the file says;
 *  - last (natively its parent then traces it, so no signal may come
 *    after): PTRACE_TRACEME twice in itself, and TracerPid must name its
 *    parent.
 * Then it makes and runs code: the payload. It prints what it read, which
 * does not depend on the run, so that natively and under emt --stealth the
 * output is the same.
 *
 * usage: stealth [-w FILE]   (-w: wait for FILE to exist first, so that
 * emt can attach; "ready" is announced before)
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include "victim.h"

#define TEXT_MAX 8192
#define SPINNER_ROUNDS 4

struct fields {
	long tracer, seccomp, filters, nnp;
	char state;
};

enum method { BY_FGETS, BY_BYTE, BY_PREAD, BY_READV, BY_DUP, N_METHODS };
static const char *const method_names[N_METHODS] = { "fgets", "read1", "pread7",
						     "readv", "dup" };

static uint8_t *spin_page;
static atomic_int spin_stop, spin_started;
static atomic_long spin_errors;
static pid_t spin_tid;

static void found(const char *why)
{
	printf("debugger found: %s\n", why);
	fflush(stdout);
	_exit(0);
}

static void parse(const char *text, struct fields *f)
{
	const char *line = text;

	*f = (struct fields){ -1, -1, -1, -1, '?' };
	while (line && *line) {
		sscanf(line, "TracerPid:\t%ld", &f->tracer);
		sscanf(line, "State:\t%c", &f->state);
		sscanf(line, "Seccomp:\t%ld", &f->seccomp);
		sscanf(line, "Seccomp_filters:\t%ld", &f->filters);
		sscanf(line, "NoNewPrivs:\t%ld", &f->nnp);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

static bool same(const struct fields *a, const struct fields *b)
{
	return a->tracer == b->tracer && a->seccomp == b->seccomp &&
	       a->filters == b->filters && a->nnp == b->nnp && a->state == b->state;
}

static int open_or_die(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		victim_die(path);
	return fd;
}

/* The file position must be where the reads ended, and a read there
 * must find the end. */
static void check_end(int fd, size_t n)
{
	char c;

	if (read(fd, &c, 1) != 0)
		found("the status file goes on after its end");
	if (lseek(fd, 0, SEEK_CUR) != (off_t)n)
		found("the status file's position is not where reading ended");
}

static size_t by_fgets(const char *path, char *buf)
{
	FILE *f = fopen(path, "re");
	size_t n = 0;

	if (!f)
		victim_die(path);
	while (n < TEXT_MAX - 256 && fgets(buf + n, TEXT_MAX - (int)n, f))
		n += strlen(buf + n);
	fclose(f);
	return n;
}

static size_t by_read(int fd, char *buf, size_t piece)
{
	size_t n = 0;
	ssize_t got;

	while (n + piece < TEXT_MAX && (got = read(fd, buf + n, piece)) > 0)
		n += (size_t)got;
	return n;
}

static size_t by_pread(int fd, char *buf)
{
	size_t n = 0;
	ssize_t got;

	while (n + 7 < TEXT_MAX && (got = pread(fd, buf + n, 7, (off_t)n)) > 0)
		n += (size_t)got;
	/* pread leaves the file position alone. */
	if (lseek(fd, 0, SEEK_CUR) != 0)
		found("pread moved the status file's position");
	return n;
}

static size_t by_readv(int fd, char *buf)
{
	size_t n = 0;
	ssize_t got;

	for (;;) {
		struct iovec v[3] = { { buf + n, 5 }, { buf + n + 5, 1 }, { buf + n + 6, 11 } };

		if (n + 17 >= TEXT_MAX || (got = readv(fd, v, 3)) <= 0)
			return n;
		n += (size_t)got;
	}
}

/* Half through the fd, the rest through a copy of it: one open file, one
 * position. */
static size_t by_dup(int fd, char *buf)
{
	size_t n = (size_t)read(fd, buf, 64);
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 40);

	if (copy < 0)
		victim_die("F_DUPFD_CLOEXEC");
	close(fd);
	n += by_read(copy, buf + n, 64);
	check_end(copy, n);
	close(copy);
	return n;
}

static void read_status(const char *path, enum method m, struct fields *f)
{
	static char buf[TEXT_MAX];
	size_t n;
	int fd = m == BY_FGETS ? -1 : open_or_die(path);

	memset(buf, 0, sizeof(buf));
	switch (m) {
	case BY_FGETS:
		n = by_fgets(path, buf);
		break;
	case BY_BYTE:
		n = by_read(fd, buf, 1);
		break;
	case BY_PREAD:
		n = by_pread(fd, buf);
		break;
	case BY_READV:
		n = by_readv(fd, buf);
		break;
	default:
		n = by_dup(fd, buf);
		fd = -1;
		break;
	}
	if (fd >= 0) {
		if (m != BY_PREAD)
			check_end(fd, n);
		close(fd);
	}
	if (n == 0 || strncmp(buf, "Name:", 5) != 0 || buf[n - 1] != '\n')
		found("the status file does not read whole");
	parse(buf, f);
}

/* What any status of this process must show before PTRACE_TRACEME. */
static void judge(const char *what, const struct fields *f)
{
	char why[128];

	if (f->tracer != 0) {
		snprintf(why, sizeof(why), "%s: TracerPid %ld", what, f->tracer);
		found(why);
	}
	if (f->state != 'R' && f->state != 'S') {
		snprintf(why, sizeof(why), "%s: State %c", what, f->state);
		found(why);
	}
}

static void show(const char *label, const char *method, const struct fields *f)
{
	printf("%s %s: TracerPid=%ld State=%c Seccomp=%ld Seccomp_filters=%ld NoNewPrivs=%ld\n",
	       label, method, f->tracer, f->state, f->seccomp, f->filters, f->nnp);
}

static void check_file(const char *label, const char *path)
{
	struct fields f;

	for (int m = 0; m < N_METHODS; m++) {
		read_status(path, (enum method)m, &f);
		judge(path, &f);
		show(label, method_names[m], &f);
	}
}

static void *spin(void *arg)
{
	(void)arg;
	spin_tid = (pid_t)syscall(SYS_gettid);
	atomic_store(&spin_started, 1);
	for (uint32_t v = 1; !atomic_load_explicit(&spin_stop, memory_order_relaxed); v++) {
		/* Few distinct contents: few distinct captures. */
		uint8_t *fn = spin_page + (v % 16) * 64;

		emit_ret_imm(fn, v % 64);
		if (call_code(fn) != (int)(v % 64))
			atomic_fetch_add(&spin_errors, 1);
	}
	return NULL;
}

/* The spinning thread's status, read again and again while it runs
 * generated code (under emt it is often in a ptrace stop). */
static void check_spinner(void)
{
	char path[64];
	struct fields f, first;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)spin_tid);
	read_status(path, BY_FGETS, &first);
	for (int round = 0; round < SPINNER_ROUNDS; round++) {
		for (int m = 0; m < N_METHODS; m++) {
			read_status(path, (enum method)m, &f);
			judge("spinning thread", &f);
			if (!same(&f, &first))
				found("the spinning thread's status changes");
		}
	}
	show("spinner", "all", &first);
}

/* A status file opened before the checks (before emt attaches, with -w),
 * read again with pread. */
static void check_early(int early)
{
	static char buf[TEXT_MAX];
	struct fields f;
	ssize_t n = pread(early, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		victim_die("pread of the early status fd");
	buf[n] = 0;
	parse(buf, &f);
	judge("an early status fd", &f);
	show("early", "pread", &f);
	close(early);
}

static void check_files(void)
{
	char path[64];
	int fd;

	check_file("self", "/proc/self/status");
	/* Opened again through the fd's link: the same file by another path. */
	fd = open_or_die("/proc/self/status");
	snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	check_file("dev-fd", path);
	close(fd);
	check_file("thread-self", "/proc/thread-self/status");
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)syscall(SYS_gettid));
	check_file("task", path);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)getpid());
	check_file("pid", path);
}

static void check_prctl(void)
{
	struct fields f;
	long mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	long nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);

	read_status("/proc/self/status", BY_FGETS, &f);
	printf("prctl: PR_GET_SECCOMP=%ld PR_GET_NO_NEW_PRIVS=%ld\n", mode, nnp);
	if (mode != f.seccomp || nnp != f.nnp)
		found("prctl and the status file disagree");
}

/* In a child: 0 then EPERM, encoded in its exit status. */
static void check_child_traceme(void)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		victim_die("fork");
	if (pid == 0) {
		long a = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		long b = ptrace(PTRACE_TRACEME, 0, NULL, NULL);

		_exit(a == 0 && b == -1 && errno == EPERM ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid)
		victim_die("waitpid");
	printf("child PTRACE_TRACEME: %s\n",
	       WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "0 then EPERM" : "wrong");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		found("PTRACE_TRACEME in a child");
}

static int own_filter(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { 1, &allow };

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0 ? 0 : errno;
}

/* In a child: a filter of its own, as a sandboxing program installs. */
static void check_own_filter(void)
{
	struct fields f;
	pid_t pid;
	int status, err;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		victim_die("fork");
	if (pid == 0) {
		err = own_filter();
		printf("own filter: %s\n", err ? strerror(err) : "installed");
		if (err == EACCES) {
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				victim_die("PR_SET_NO_NEW_PRIVS");
			err = own_filter();
			printf("own filter after no_new_privs: %s\n", err ? strerror(err) : "installed");
		}
		read_status("/proc/self/status", BY_BYTE, &f);
		show("own-filter", "read1", &f);
		check_prctl();
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		victim_fail("the filter child failed");
}

/* Natively this makes the parent the tracer: nothing may send a signal
 * to this process from here on. */
static void check_traceme(void)
{
	struct fields f;
	long a = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	long b = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	int err = errno;

	printf("PTRACE_TRACEME: %ld, then %ld (%s)\n", a, b, b < 0 ? strerror(err) : "-");
	if (a != 0 || b != -1 || err != EPERM)
		found("PTRACE_TRACEME");
	read_status("/proc/self/status", BY_PREAD, &f);
	printf("TracerPid after PTRACE_TRACEME: %s\n",
	       f.tracer == getppid() ? "the parent" : "another process");
	if (f.tracer != getppid())
		found("TracerPid is not the parent after PTRACE_TRACEME");
}

static void wait_file(const char *path)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 };

	announce_ready();
	for (int i = 0; access(path, F_OK) != 0; i++) {
		if (i > 3000)
			victim_fail("the go file never came");
		nanosleep(&nap, NULL);
	}
}

static void run_spinner(pthread_t *th)
{
	struct timespec nap = { 0, 1000 * 1000 };

	spin_page = map_rwx(VICTIM_PAGE);
	announce("page pid=%d addr=%#lx", (int)getpid(), (unsigned long)spin_page);
	if (pthread_create(th, NULL, spin, NULL))
		victim_fail("pthread_create");
	while (!atomic_load(&spin_started))
		nanosleep(&nap, NULL);
}

int main(int argc, char **argv)
{
	pthread_t th;
	uint8_t *payload;
	int early;

	announce_start();
	early = open_or_die("/proc/self/status");
	if (argc == 3 && !strcmp(argv[1], "-w"))
		wait_file(argv[2]);
	else if (argc != 1)
		victim_fail("usage: stealth [-w FILE]");
	check_early(early);
	check_child_traceme();
	run_spinner(&th);
	check_files();
	check_spinner();
	atomic_store(&spin_stop, 1);
	pthread_join(th, NULL);
	if (atomic_load(&spin_errors))
		victim_fail("the spinning thread's code returned wrong values");
	check_prctl();
	check_own_filter();
	check_traceme();

	payload = map_rwx(VICTIM_PAGE);
	run_ret_imm(payload, 42, 1, "wx_map");
	announce_execs(payload, 1, 0);
	printf("payload ran: %d\n", call_code(payload));
	return 0;
}
