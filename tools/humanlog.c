/* SPDX-License-Identifier: MIT */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "event_json.h"
#include "humanlog.h"
#include "imageout.h"
#include "names.h"

#define DISASM_COUNT 5

struct humanlog {
	csh cs;
	bool have_cs;
};

struct humanlog *humanlog_open(void)
{
	struct humanlog *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->have_cs = cs_open(CS_ARCH_X86, CS_MODE_64, &h->cs) == CS_ERR_OK;
	return h;
}

void humanlog_close(struct humanlog *h)
{
	if (!h)
		return;
	if (h->have_cs)
		cs_close(&h->cs);
	free(h);
}

static void prefix(const struct emt_event *ev)
{
	if (ev->tid && ev->tid != ev->pid)
		fprintf(stderr, "[pid %d tid %d] ", ev->pid, ev->tid);
	else
		fprintf(stderr, "[pid %d] ", ev->pid);
}

static void put_addr(uint64_t v)
{
	if (v)
		fprintf(stderr, "%#" PRIx64, v);
	else
		fputs("NULL", stderr);
}

static const char *prot_name(uint64_t prot, char *buf, size_t size)
{
	return emt_prot_string((int)prot, buf, size);
}

static void mmap_args(const uint64_t *a)
{
	char prot[NAMES_BUF], flags[NAMES_BUF];

	put_addr(a[0]);
	fprintf(stderr, ", %" PRIu64 ", %s, %s, %d, %#" PRIx64, a[1],
		prot_name(a[2], prot, sizeof(prot)),
		names_map_flags(a[3], flags, sizeof(flags)), (int)a[4], a[5]);
}

static void mremap_args(const uint64_t *a)
{
	char flags[NAMES_BUF];

	put_addr(a[0]);
	fprintf(stderr, ", %" PRIu64 ", %" PRIu64 ", %s", a[1], a[2],
		names_mremap_flags(a[3], flags, sizeof(flags)));
	if (a[3] & MREMAP_FIXED)
		fprintf(stderr, ", %#" PRIx64, a[4]);
}

static void generic_args(const uint64_t *a)
{
	for (int i = 0; i < 6; i++)
		fprintf(stderr, "%s%#" PRIx64, i ? ", " : "", a[i]);
}

static void syscall_args(const struct emt_event *ev)
{
	const uint64_t *a = ev->args;
	char prot[NAMES_BUF];

	if (ev->syscall_nr == SYS_mmap) {
		mmap_args(a);
	} else if (ev->syscall_nr == SYS_mprotect || ev->syscall_nr == SYS_pkey_mprotect) {
		put_addr(a[0]);
		fprintf(stderr, ", %" PRIu64 ", %s", a[1], prot_name(a[2], prot, sizeof(prot)));
		if (ev->syscall_nr == SYS_pkey_mprotect)
			fprintf(stderr, ", %d", (int)a[3]);
	} else if (ev->syscall_nr == SYS_munmap) {
		put_addr(a[0]);
		fprintf(stderr, ", %" PRIu64, a[1]);
	} else if (ev->syscall_nr == SYS_mremap) {
		mremap_args(a);
	} else {
		generic_args(a);
	}
}

static void syscall_ret(const struct emt_event *ev)
{
	char err[NAMES_BUF];
	int64_t r = ev->retval;

	if (r < 0 && r >= -4095)
		fprintf(stderr, " = -1 %s (%s)", names_errno((int)-r, err, sizeof(err)),
			strerror((int)-r));
	else if (ev->syscall_nr == SYS_mmap || ev->syscall_nr == SYS_mremap)
		fprintf(stderr, " = %#" PRIx64, (uint64_t)r);
	else
		fprintf(stderr, " = %" PRId64, r);
}

static void syscall_line(const struct emt_event *ev)
{
	const char *name = emt_syscall_name(ev->syscall_nr);
	char prot[NAMES_BUF];

	prefix(ev);
	if (name)
		fprintf(stderr, "%s(", name);
	else
		fprintf(stderr, "syscall_%ld(", ev->syscall_nr);
	syscall_args(ev);
	fputc(')', stderr);
	syscall_ret(ev);
	if (event_has_prot(ev->syscall_nr) && ev->prot_granted != ev->prot_asked)
		fprintf(stderr, " (granted %s)",
			emt_prot_string(ev->prot_granted, prot, sizeof(prot)));
	fputc('\n', stderr);
}

static void flip_line(const struct emt_event *ev)
{
	char from[NAMES_BUF], to[NAMES_BUF];

	prefix(ev);
	fprintf(stderr, "flip %#" PRIx64 "-%#" PRIx64 " %s -> %s\n", ev->addr,
		ev->addr + ev->len, emt_prot_string(ev->prot_old, from, sizeof(from)),
		emt_prot_string(ev->prot_new, to, sizeof(to)));
}

static void exit_line(const struct emt_event *ev)
{
	char sig[NAMES_BUF];
	int st = ev->wait_status;

	if (WIFSIGNALED(st))
		fprintf(stderr, "+++ killed by %s%s +++\n",
			names_signal(WTERMSIG(st), sig, sizeof(sig)),
			WCOREDUMP(st) ? " (core dumped)" : "");
	else
		fprintf(stderr, "+++ exited with %d +++\n", WEXITSTATUS(st));
}

static void process_line(const struct emt_event *ev)
{
	prefix(ev);
	switch (ev->change) {
	case EMT_PROCESS_START:
		if (ev->parent > 0)
			fprintf(stderr, "process start, parent %d\n", ev->parent);
		else
			fputs("process start\n", stderr);
		break;
	case EMT_PROCESS_EXECVE:
		fputs("process execve\n", stderr);
		break;
	case EMT_PROCESS_EXIT:
		exit_line(ev);
		break;
	default:
		fprintf(stderr, "process change %d\n", (int)ev->change);
		break;
	}
}

/* Where the thread was going: the pc when it lies in the capture; otherwise
 * (an instruction straddling into the next page) the faulting address. */
static bool disasm_start(const struct emt_event *ev, uint64_t *start)
{
	if (ev->registers.pc >= ev->addr && ev->registers.pc - ev->addr < ev->len)
		*start = ev->registers.pc;
	else if (ev->fault_addr >= ev->addr && ev->fault_addr - ev->addr < ev->len)
		*start = ev->fault_addr;
	else
		return false;
	return true;
}

/* Code after these never runs from here: what follows a ret is usually
 * the page's zero fill, and would only be noise in the log. */
static bool ends_flow(const cs_insn *insn)
{
	static const char *const ends[] = { "ret", "retf", "jmp", "ljmp", "ud2", "hlt" };

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		if (strcmp(insn->mnemonic, ends[i]) == 0)
			return true;
	return false;
}

static void disasm(struct humanlog *h, const struct emt_event *ev)
{
	cs_insn *insn;
	uint64_t start, off;
	size_t n;

	if (!h->have_cs || !ev->bytes || ev->capture_error || !disasm_start(ev, &start))
		return;
	off = start - ev->addr;
	n = cs_disasm(h->cs, ev->bytes + off, ev->len - off, start, DISASM_COUNT, &insn);
	if (n == 0) {
		fprintf(stderr, "    %#" PRIx64 ": (not a valid instruction)\n", start);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (insn[i].op_str[0])
			fprintf(stderr, "    %#" PRIx64 ": %-7s %s\n", insn[i].address,
				insn[i].mnemonic, insn[i].op_str);
		else
			fprintf(stderr, "    %#" PRIx64 ": %s\n", insn[i].address,
				insn[i].mnemonic);
		if (ends_flow(&insn[i]))
			break;
	}
	cs_free(insn, n);
}

/* A match stands out like a blind spot: it is what the analyst looks for. */
static void match_line(const struct emt_event *ev, const struct yarascan_hit *hit)
{
	prefix(ev);
	fprintf(stderr, "MATCH %s", hit->rule);
	for (size_t i = 0; i < hit->n_tags; i++)
		fprintf(stderr, "%s%s", i ? "," : " [", hit->tags[i]);
	fprintf(stderr, "%s in %s %#" PRIx64 ":", hit->n_tags ? "]" : "",
		ev->type == EMT_EVENT_IMAGE ? "image" : "exec", ev->addr);
	for (size_t i = 0; i < hit->n_strings; i++)
		fprintf(stderr, " %s at %#" PRIx64, hit->strings[i].id,
			ev->addr + hit->strings[i].offset);
	if (hit->n_more)
		fprintf(stderr, " (+%zu more)", hit->n_more);
	fputc('\n', stderr);
}

/* As strace -k: " > MODULE(SYMBOL+0xOFF) [0xPC]"; generated code is
 * named by its capture (and perf-map symbol). */
static void frame_line(const struct emt_frame *f, const struct frame_note *note)
{
	char hex[NAMES_SHA256_BUF];

	if (f->module[0] && f->symbol[0])
		fprintf(stderr, " > %s(%s+0x%" PRIx64 ")", f->module, f->symbol, f->offset);
	else if (f->module[0])
		fprintf(stderr, " > %s(+0x%" PRIx64 ")", f->module, f->offset);
	else if (note && note->in_capture)
		fprintf(stderr, " > capture %.16s",
			names_sha256(note->sha256, hex, sizeof(hex)));
	else
		fputs(" > ?", stderr);
	if (!f->module[0] && note && note->has_symbol)
		fprintf(stderr, "(%s+0x%" PRIx64 ")", note->symbol.name, f->pc - note->symbol.start);
	fprintf(stderr, " [%#" PRIx64 "]\n", f->pc);
}

static void backtrace_lines(const struct emt_event *ev, const struct annotation *ann)
{
	for (size_t i = 0; ev->frames && i < ev->n_frames; i++)
		frame_line(&ev->frames[i], ann && i < ann->n_frames ? &ann->frames[i] : NULL);
}

static void annotation_lines(const struct emt_event *ev, const struct annotation *ann)
{
	const struct yarascan_result *y = &ann->yara;

	for (size_t i = 0; ann->scanned && i < y->n_hits; i++)
		match_line(ev, &y->hits[i]);
	if (ann->scanned && y->n_more) {
		prefix(ev);
		fprintf(stderr, "MATCH %zu more rules in exec %#" PRIx64 "\n", y->n_more, ev->addr);
	}
	if (ann->scanned && y->error) {
		prefix(ev);
		fprintf(stderr, "yara: scan of exec %#" PRIx64 " stopped: %s\n", ev->addr,
			strerror(-y->error));
	}
}

static void exec_lines(struct humanlog *h, const struct emt_event *ev,
		       const struct annotation *ann)
{
	char hex[NAMES_SHA256_BUF], err[NAMES_BUF];
	const char *origin = emt_origin_name(ev->origin);

	prefix(ev);
	fprintf(stderr, "exec %#" PRIx64 " len %" PRIu64 " seq %" PRIu64, ev->addr,
		ev->len, ev->capture_sequence);
	if (ev->capture_error)
		fprintf(stderr, " error %s",
			names_errno(-ev->capture_error, err, sizeof(err)));
	else
		fprintf(stderr, " sha256 %.16s", names_sha256(ev->sha256, hex, sizeof(hex)));
	fprintf(stderr, " origin %s", origin ? origin : "unknown");
	if (ev->written_by > 0)
		fprintf(stderr, " written by %s", emt_syscall_name(ev->written_by));
	if (ann && ann->has_symbol)
		fprintf(stderr, " symbol %s+0x%" PRIx64, ann->symbol.name,
			ann->named - ann->symbol.start);
	fputc('\n', stderr);
	disasm(h, ev);
	backtrace_lines(ev, ann);
	if (ann)
		annotation_lines(ev, ann);
}

/* A blind spot stands out in the log: it is where the analyst must look
 * elsewhere. */
static void blind_line(const struct emt_event *ev)
{
	prefix(ev);
	fprintf(stderr, "BLIND %s", emt_blind_route_name(ev->blind_route));
	if (ev->len)
		fprintf(stderr, " %#" PRIx64 "-%#" PRIx64, ev->addr, ev->addr + ev->len);
	fprintf(stderr, ": %s\n", ev->what);
}

/* An unpacked image stands out: it is the program the packer held. */
static void image_line(const struct emt_event *ev)
{
	struct image_layout l;

	prefix(ev);
	fprintf(stderr, "IMAGE %#" PRIx64 "-%#" PRIx64 " base %#" PRIx64, ev->addr,
		ev->addr + ev->len, ev->image_base);
	if (imageout_layout(ev, &l) == 0)
		fprintf(stderr, " entry %#" PRIx64 " segments %zu", l.entry, l.n);
	fprintf(stderr, " first run %#" PRIx64 "\n", ev->fault_addr);
}

void humanlog_event(struct humanlog *h, const struct emt_event *ev,
		    const struct annotation *ann)
{
	/* A library log line from the tracer thread must not split an
	 * event's lines. */
	flockfile(stderr);
	switch (ev->type) {
	case EMT_EVENT_EXEC:
		exec_lines(h, ev, ann);
		break;
	case EMT_EVENT_SYSCALL:
		syscall_line(ev);
		break;
	case EMT_EVENT_FLIP:
		flip_line(ev);
		break;
	case EMT_EVENT_PROCESS:
		process_line(ev);
		break;
	case EMT_EVENT_BLIND:
		blind_line(ev);
		break;
	case EMT_EVENT_IMAGE:
		image_line(ev);
		if (ann)
			annotation_lines(ev, ann);
		break;
	}
	fflush(stderr);
	funlockfile(stderr);
}

void humanlog_library(enum emt_log_level level, const char *msg, void *ctx)
{
	static const char *const names[] = {
		[EMT_LOG_ERROR] = "error",
		[EMT_LOG_WARN] = "warning",
		[EMT_LOG_INFO] = "info",
		[EMT_LOG_DEBUG] = "debug",
	};
	const char *name = level <= EMT_LOG_DEBUG ? names[level] : "log";

	(void)ctx;
	flockfile(stderr);
	fprintf(stderr, "emt: %s: %s\n", name, msg);
	fflush(stderr);
	funlockfile(stderr);
}
