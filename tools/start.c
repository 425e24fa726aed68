/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "humanlog.h"
#include "start.h"

/* The usual reason ptrace is refused to an unprivileged user, worth
 * naming when it applies: " (kernel.yama.ptrace_scope is 1)". */
static void yama_hint(char *buf, size_t size)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int scope = 0;

	buf[0] = '\0';
	if (!f)
		return;
	if (fscanf(f, "%d", &scope) == 1 && scope > 0)
		snprintf(buf, size, " (kernel.yama.ptrace_scope is %d)", scope);
	fclose(f);
}

/* The number after "TracerPid:" in /proc/PID/status, 0 if none. */
static long tracer_of(pid_t pid)
{
	char path[64], line[256];
	long tracer = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %ld", &tracer) == 1)
			break;
	fclose(f);
	return tracer;
}

/* "process 1234 (strace)", or "another process" when none is known. */
static void describe_tracer(long tracer, char *buf, size_t size)
{
	char path[64], comm[32] = "?";
	FILE *f;

	if (tracer <= 0) {
		snprintf(buf, size, "another process");
		return;
	}
	snprintf(path, sizeof(path), "/proc/%ld/comm", tracer);
	f = fopen(path, "re");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	snprintf(buf, size, "process %ld (%s)", tracer, comm);
}

/* EBUSY: the process is traced already. A launched child is gone by now;
 * the tracer that took it follows emt's own children, so it is emt's. */
static void busy_error(const struct cli *cli)
{
	char who[64];

	describe_tracer(tracer_of(cli->pid ? cli->pid : getpid()), who, sizeof(who));
	if (cli->pid)
		diag("cannot attach to pid %d: it is already traced by %s", cli->pid, who);
	else
		diag("cannot trace '%s': it is already traced by %s", cli->argv[0], who);
}

static bool exec_error(int err)
{
	return err == ENOENT || err == EACCES || err == ENOEXEC || err == ENOTDIR ||
	       err == ELOOP || err == ENAMETOOLONG || err == ETXTBSY || err == E2BIG;
}

static void start_error(const struct cli *cli, int err)
{
	char hint[64] = "";

	if (err == EBUSY) {
		busy_error(cli);
		return;
	}
	if (err == EPERM)
		yama_hint(hint, sizeof(hint));
	if (cli->pid)
		diag("cannot attach to pid %d: %s%s", cli->pid, strerror(err), hint);
	else if (exec_error(err))
		diag("cannot execute '%s': %s", cli->argv[0], strerror(err));
	else if (err == EPERM)
		diag("cannot trace '%s': %s%s", cli->argv[0], strerror(err), hint);
	else
		diag("cannot start '%s': %s", cli->argv[0], strerror(err));
}

static void set_options(const struct cli *cli, struct emt_options *o)
{
	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	o->pid = cli->pid;
	o->argv = cli->argv;
	o->flags = cli->flags;
	o->capture_max = cli->capture_max;
	/* The images go where the captures' ELF files go. */
	if (cli->elf)
		o->flags |= EMT_OPT_IMAGES;
	o->event_mask = EMT_EVENTS_ALL;
	o->log = humanlog_library;
	if (cli->verbose)
		o->log_level = EMT_LOG_DEBUG;
	else
		o->log_level = cli->quiet ? EMT_LOG_ERROR : EMT_LOG_WARN;
}

struct emt_monitor *start_monitor(const struct cli *cli)
{
	struct emt_options opts;
	struct emt_monitor *mon;
	int rc;

	set_options(cli, &opts);
	mon = emt_monitor_new(&opts);
	if (!mon) {
		diag("cannot create the monitor: %s", strerror(errno));
		return NULL;
	}
	rc = emt_monitor_start(mon);
	if (rc < 0) {
		start_error(cli, -rc);
		emt_monitor_free(mon);
		return NULL;
	}
	return mon;
}
