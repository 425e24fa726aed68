/* SPDX-License-Identifier: MIT */
/*
 * Loading the call watcher (callwatch.bpf.c) through its libbpf skeleton,
 * and the map operations emt needs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ptrace/callwatch.h"
#include <callwatch.skel.h> /* generated: $(O)/gen */

/* The inode number of the first pid namespace (PROC_PID_INIT_INO,
 * include/linux/proc_ns.h). */
#define FIRST_PID_NS_INO 0xEFFFFFFCu

struct callwatch {
	struct callwatch_bpf *skel;
	int procs, interest, native, compat, pending, expected, strays;
	uint64_t strays_seen; /* the watcher's count when the table was last emptied */
};

/* libbpf prints to stderr by default; a library never prints. */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static const char *why_of(int err)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		return "loading eBPF needs root, or CAP_BPF and CAP_PERFMON";
	case -ENOENT:
	case -EINVAL:
	case -ENOTSUP:
	case -ENOSYS:
		return "the kernel lacks what the call watcher needs (raw tracepoints, BTF, bpf_send_signal_thread)";
	default:
		return "the eBPF call watcher could not be loaded";
	}
}

/* One of the two programs: the tp_btf one reads registers directly; the
 * raw tracepoint one, for kernels that cannot attach BTF programs there,
 * through a helper (slower for every call on the machine). */
static int load_as(struct callwatch *cw, const struct stat *ns, bool btf)
{
	int rc;

	cw->skel = callwatch_bpf__open();
	if (!cw->skel)
		return -errno ? -errno : -EINVAL;
	cw->skel->rodata->ns_dev = ns->st_dev;
	cw->skel->rodata->ns_ino = ns->st_ino;
	cw->skel->rodata->first_ns = ns->st_ino == FIRST_PID_NS_INO;
	bpf_program__set_autoload(cw->skel->progs.emt_callwatch, btf);
	bpf_program__set_autoload(cw->skel->progs.emt_callwatch_r, !btf);
	rc = callwatch_bpf__load(cw->skel);
	if (!rc)
		rc = callwatch_bpf__attach(cw->skel);
	if (rc) {
		callwatch_bpf__destroy(cw->skel);
		cw->skel = NULL;
	}
	return rc < 0 ? rc : 0;
}

/* EMT_TEST_CALLWATCH_RAW in emt's own environment (the traced program
 * cannot set it) skips the first, so that the test suite runs the other. */
static int load(struct callwatch *cw)
{
	struct stat ns;

	if (stat("/proc/self/ns/pid", &ns))
		return -errno;
	if (!getenv("EMT_TEST_CALLWATCH_RAW") && load_as(cw, &ns, true) == 0)
		return 0;
	return load_as(cw, &ns, false);
}

int callwatch_open(struct callwatch **out, const char **why)
{
	struct callwatch *cw = calloc(1, sizeof(*cw));
	libbpf_print_fn_t old;
	int rc;

	*out = NULL;
	*why = NULL;
	if (!cw)
		return -ENOMEM;
	old = libbpf_set_print(quiet);
	rc = load(cw);
	libbpf_set_print(old);
	if (rc) {
		*why = why_of(rc);
		callwatch_close(cw);
		return rc;
	}
	cw->procs = bpf_map__fd(cw->skel->maps.procs);
	cw->interest = bpf_map__fd(cw->skel->maps.interest);
	cw->native = bpf_map__fd(cw->skel->maps.native_calls);
	cw->compat = bpf_map__fd(cw->skel->maps.compat_calls);
	cw->pending = bpf_map__fd(cw->skel->maps.pending);
	cw->expected = bpf_map__fd(cw->skel->maps.expected);
	cw->strays = bpf_map__fd(cw->skel->maps.strays);
	*out = cw;
	return 0;
}

void callwatch_close(struct callwatch *cw)
{
	if (!cw)
		return;
	callwatch_bpf__destroy(cw->skel);
	free(cw);
}

static int err(int rc)
{
	return rc < 0 ? (errno ? -errno : rc) : 0;
}

int callwatch_set_call(struct callwatch *cw, bool i386, long nr,
		       const struct cw_call *call)
{
	uint32_t key = (uint32_t)nr;
	int rc;

	if (nr < 0 || nr >= CW_NR_MAX)
		return -EINVAL;
	rc = err(bpf_map_update_elem(i386 ? cw->compat : cw->native, &key, call, BPF_ANY));
	return rc ? rc : callwatch_note_nr(cw, nr);
}

int callwatch_note_nr(struct callwatch *cw, long nr)
{
	uint32_t key = (uint32_t)nr & (CW_NR_MAX - 1);
	uint8_t yes = 1;

	return err(bpf_map_update_elem(cw->interest, &key, &yes, BPF_ANY));
}

int callwatch_watch(struct callwatch *cw, pid_t tgid, uint32_t bits)
{
	uint32_t key = (uint32_t)tgid;

	/* First: the program looks at it before the process's entry. */
	__atomic_fetch_or(&cw->skel->bss->watch_any, bits & ~CW_EVERY, __ATOMIC_SEQ_CST);
	return err(bpf_map_update_elem(cw->procs, &key, &bits, BPF_ANY));
}

int callwatch_unwatch(struct callwatch *cw, pid_t tgid)
{
	uint32_t key = (uint32_t)tgid;

	return err(bpf_map_delete_elem(cw->procs, &key));
}

int callwatch_take(struct callwatch *cw, pid_t tid, struct cw_rec *rec)
{
	uint32_t key = (uint32_t)tid;

	return err(bpf_map_lookup_and_delete_elem(cw->pending, &key, rec));
}

bool callwatch_pending(struct callwatch *cw, pid_t tid)
{
	uint32_t key = (uint32_t)tid;
	struct cw_rec rec;

	return bpf_map_lookup_elem(cw->pending, &key, &rec) == 0;
}

int callwatch_expect(struct callwatch *cw, pid_t tid, uint64_t ip, long nr,
		     uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct cw_expect_key key = { .tid = (unsigned int)tid, .ip = ip };
	struct cw_expect e = { (unsigned long long)nr, a0, a1, a2 };

	return err(bpf_map_update_elem(cw->expected, &key, &e, BPF_ANY));
}

int callwatch_take_stray(struct callwatch *cw, pid_t *tid, pid_t *tgid)
{
	uint32_t key, value;
	uint64_t noted = __atomic_load_n(&cw->skel->bss->strays_noted, __ATOMIC_ACQUIRE);

	if (noted == cw->strays_seen)
		return -ENOENT;
	if (bpf_map_get_next_key(cw->strays, NULL, &key)) {
		/* Emptied: a stray noted from now on moves the count again. */
		cw->strays_seen = noted;
		return -ENOENT;
	}
	if (bpf_map_lookup_and_delete_elem(cw->strays, &key, &value))
		return -ENOENT;
	*tid = (pid_t)key;
	*tgid = (pid_t)value;
	return 0;
}

uint64_t callwatch_missed(struct callwatch *cw)
{
	return __atomic_load_n(&cw->skel->bss->missed_calls, __ATOMIC_ACQUIRE);
}
