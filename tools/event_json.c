/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "elfout.h"
#include "event_json.h"
#include "imageout.h"
#include "names.h"

static void common(struct json *j, const char *kind,
		   const struct emt_event *ev, bool with_tid)
{
	char time[NAMES_TIME_BUF];

	json_object_begin(j);
	json_key(j, "event");
	json_string(j, kind);
	json_key(j, "pid");
	json_int(j, ev->pid);
	if (with_tid) {
		json_key(j, "tid");
		json_int(j, ev->tid);
	}
	json_key(j, "time");
	json_string(j, names_time(ev->timestamp, time, sizeof(time)));
}

static void prot_member(struct json *j, const char *key, int prot)
{
	char buf[NAMES_BUF];

	json_key(j, key);
	json_string(j, emt_prot_string(prot, buf, sizeof(buf)));
}

static void regs_x86_64(struct json *j, const struct emt_regs_x86_64 *r)
{
	const struct {
		const char *name;
		uint64_t value;
	} v[] = {
		{ "rax", r->rax }, { "rbx", r->rbx }, { "rcx", r->rcx },
		{ "rdx", r->rdx }, { "rsi", r->rsi }, { "rdi", r->rdi },
		{ "rbp", r->rbp }, { "rsp", r->rsp }, { "r8", r->r8 },
		{ "r9", r->r9 }, { "r10", r->r10 }, { "r11", r->r11 },
		{ "r12", r->r12 }, { "r13", r->r13 }, { "r14", r->r14 },
		{ "r15", r->r15 }, { "rip", r->rip }, { "eflags", r->eflags },
		{ "cs", r->cs }, { "ss", r->ss }, { "fs_base", r->fs_base },
		{ "gs_base", r->gs_base }, { "orig_rax", r->orig_rax },
	};

	json_object_begin(j);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		json_key(j, v[i].name);
		json_hex(j, v[i].value);
	}
	json_object_end(j);
}

#define CAPTURE_FILE_BUF (NAMES_SHA256_BUF + 16)

/* "captures/<sha256>.bin": where the capture of that digest is stored. */
static const char *capture_file(const uint8_t sha256[32], char *buf)
{
	char hex[NAMES_SHA256_BUF];

	snprintf(buf, CAPTURE_FILE_BUF, "captures/%s.bin", names_sha256(sha256, hex, sizeof(hex)));
	return buf;
}

/* Either where the bytes are stored, or why there are none. */
static void capture(struct json *j, const struct emt_event *ev)
{
	char hex[NAMES_SHA256_BUF], file[CAPTURE_FILE_BUF];
	char err[NAMES_BUF];

	if (ev->capture_error) {
		json_key(j, "error");
		/* The library reports a short read as ENODATA. */
		json_string(j, ev->capture_error == -ENODATA
				       ? "short read"
				       : names_errno(-ev->capture_error, err, sizeof(err)));
		return;
	}
	json_key(j, "sha256");
	json_string(j, names_sha256(ev->sha256, hex, sizeof(hex)));
	json_key(j, "file");
	json_string(j, capture_file(ev->sha256, file));
}

static const char *origin_name(enum emt_origin origin)
{
	const char *name = emt_origin_name(origin);

	return name ? name : "unknown";
}

/* "arch", then "regs" with the registers of that arch. */
static void regs(struct json *j, const struct emt_regs *r)
{
	json_key(j, "arch");
	json_string(j, emt_arch_name(r->arch));
	json_key(j, "regs");
	if (r->arch == EMT_ARCH_X86_64) {
		regs_x86_64(j, &r->x86_64);
	} else {
		json_object_begin(j);
		json_object_end(j);
	}
}

static void exec_event(struct json *j, const struct emt_event *ev, bool elf)
{
	char path[ELFOUT_NAME_BUF + 8];

	common(j, "exec", ev, true);
	json_key(j, "addr");
	json_hex(j, ev->addr);
	json_key(j, "len");
	json_uint(j, ev->len);
	json_key(j, "fault_addr");
	json_hex(j, ev->fault_addr);
	json_key(j, "seq");
	json_uint(j, ev->capture_sequence);
	json_key(j, "origin");
	json_string(j, origin_name(ev->origin));
	if (ev->written_via) {
		json_key(j, "written_via");
		json_hex(j, ev->written_via);
	}
	if (ev->written_by > 0) {
		json_key(j, "written_by");
		json_string(j, emt_syscall_name(ev->written_by));
	}
	capture(j, ev);
	if (elf && !ev->capture_error && ev->registers.arch == EMT_ARCH_X86_64) {
		elfout_path(ev, path, sizeof(path));
		json_key(j, "elf");
		json_string(j, path);
	}
	regs(j, &ev->registers);
}

bool event_has_prot(long syscall_nr)
{
	return syscall_nr == SYS_mmap || syscall_nr == SYS_mprotect ||
	       syscall_nr == SYS_pkey_mprotect;
}

/* Non-negative results are values (addresses mostly); -4095..-1 are
 * errors, as the kernel returns them. */
static void retval(struct json *j, int64_t ret)
{
	char err[NAMES_BUF];

	json_key(j, "ret");
	if (ret < 0 && ret >= -4095) {
		char text[24];

		snprintf(text, sizeof(text), "%lld", (long long)ret);
		json_string(j, text);
		json_key(j, "errno");
		json_string(j, names_errno((int)-ret, err, sizeof(err)));
	} else {
		json_hex(j, (uint64_t)ret);
	}
}

static void syscall_event(struct json *j, const struct emt_event *ev)
{
	const char *name = emt_syscall_name(ev->syscall_nr);
	char unknown[32];

	if (!name) {
		snprintf(unknown, sizeof(unknown), "syscall_%ld", ev->syscall_nr);
		name = unknown;
	}
	common(j, "syscall", ev, true);
	json_key(j, "name");
	json_string(j, name);
	json_key(j, "args");
	json_array_begin(j);
	for (int i = 0; i < 6; i++)
		json_hex(j, ev->args[i]);
	json_array_end(j);
	if (event_has_prot(ev->syscall_nr)) {
		prot_member(j, "prot", ev->prot_asked);
		prot_member(j, "granted", ev->prot_granted);
	}
	retval(j, ev->retval);
}

static void flip_event(struct json *j, const struct emt_event *ev)
{
	common(j, "flip", ev, true);
	json_key(j, "addr");
	json_hex(j, ev->addr);
	json_key(j, "len");
	json_uint(j, ev->len);
	prot_member(j, "from", ev->prot_old);
	prot_member(j, "to", ev->prot_new);
}

static void exit_status(struct json *j, int status)
{
	char sig[NAMES_BUF];

	if (WIFSIGNALED(status)) {
		json_key(j, "signal");
		json_string(j, names_signal(WTERMSIG(status), sig, sizeof(sig)));
	} else {
		json_key(j, "exit_code");
		json_int(j, WEXITSTATUS(status));
	}
}

static void process_event(struct json *j, const struct emt_event *ev)
{
	static const char *const change[] = {
		[EMT_PROCESS_START] = "start",
		[EMT_PROCESS_EXECVE] = "execve",
		[EMT_PROCESS_EXIT] = "exit",
	};
	bool known = ev->change >= EMT_PROCESS_START && ev->change <= EMT_PROCESS_EXIT;

	common(j, "process", ev, false);
	json_key(j, "change");
	json_string(j, known ? change[ev->change] : "unknown");
	if (ev->change == EMT_PROCESS_START && ev->parent > 0) {
		json_key(j, "parent");
		json_int(j, ev->parent);
	}
	if (ev->change == EMT_PROCESS_EXIT)
		exit_status(j, ev->wait_status);
}

static void blind_event(struct json *j, const struct emt_event *ev)
{
	common(j, "blind", ev, true);
	json_key(j, "route");
	json_string(j, emt_blind_route_name(ev->blind_route));
	json_key(j, "addr");
	json_hex(j, ev->addr);
	json_key(j, "len");
	json_uint(j, ev->len);
	if (ev->syscall_nr >= 0) {
		json_key(j, "syscall");
		json_string(j, emt_syscall_name(ev->syscall_nr));
	}
	json_key(j, "what");
	json_string(j, ev->what);
}

/* An image: where it is, its segments, its entry, where its code first
 * ran, its ELF file. */
static void image_event(struct json *j, const struct emt_event *ev, bool elf)
{
	char hex[NAMES_SHA256_BUF], path[ELFOUT_NAME_BUF + 8], prot[NAMES_BUF];
	struct image_layout l;
	bool known = imageout_layout(ev, &l) == 0;

	common(j, "image", ev, true);
	json_key(j, "base");
	json_hex(j, ev->image_base);
	json_key(j, "addr");
	json_hex(j, ev->addr);
	json_key(j, "len");
	json_uint(j, ev->len);
	json_key(j, "first_run");
	json_hex(j, ev->fault_addr);
	json_key(j, "sha256");
	json_string(j, names_sha256(ev->sha256, hex, sizeof(hex)));
	if (!known)
		return;
	json_key(j, "entry");
	json_hex(j, l.entry);
	json_key(j, "segments");
	json_array_begin(j);
	for (size_t i = 0; i < l.n; i++) {
		json_object_begin(j);
		json_key(j, "addr");
		json_hex(j, l.seg[i].addr);
		json_key(j, "len");
		json_uint(j, l.seg[i].len);
		json_key(j, "prot");
		json_string(j, emt_prot_string(l.seg[i].prot, prot, sizeof(prot)));
		json_object_end(j);
	}
	json_array_end(j);
	if (elf) {
		imageout_path(ev, path, sizeof(path));
		json_key(j, "elf");
		json_string(j, path);
	}
}

/* "symbol": the perf map's entry for the code the thread was entering. */
static void symbol(struct json *j, const struct annotation *ann)
{
	json_key(j, "symbol");
	json_object_begin(j);
	json_key(j, "name");
	json_string(j, ann->symbol.name);
	json_key(j, "addr");
	json_hex(j, ann->symbol.start);
	json_key(j, "size");
	json_uint(j, ann->symbol.size);
	json_key(j, "offset");
	json_uint(j, ann->named - ann->symbol.start);
	json_object_end(j);
}

/* One frame: in a file (module, symbol, offset), or in generated code
 * (the capture that holds it, its perf-map name). */
static void frame(struct json *j, const struct emt_frame *f, const struct frame_note *note)
{
	char file[CAPTURE_FILE_BUF];

	json_object_begin(j);
	json_key(j, "pc");
	json_hex(j, f->pc);
	if (f->module[0]) {
		json_key(j, "module");
		json_string(j, f->module);
	}
	if (f->symbol[0] || f->module[0]) {
		if (f->symbol[0]) {
			json_key(j, "symbol");
			json_string(j, f->symbol);
		}
		json_key(j, "offset");
		json_hex(j, f->offset);
	} else if (note && note->has_symbol) {
		json_key(j, "symbol");
		json_string(j, note->symbol.name);
		json_key(j, "offset");
		json_hex(j, f->pc - note->symbol.start);
	}
	if (note && note->in_capture) {
		json_key(j, "capture");
		json_string(j, capture_file(note->sha256, file));
		json_key(j, "capture_addr");
		json_hex(j, note->capture_addr);
	}
	json_object_end(j);
}

static void backtrace(struct json *j, const struct emt_event *ev, const struct annotation *ann)
{
	json_key(j, "backtrace");
	json_array_begin(j);
	for (size_t i = 0; i < ev->n_frames; i++)
		frame(j, &ev->frames[i], ann && i < ann->n_frames ? &ann->frames[i] : NULL);
	json_array_end(j);
}

static void match_strings(struct json *j, const struct emt_event *ev,
			  const struct yarascan_hit *h)
{
	json_key(j, "strings");
	json_array_begin(j);
	for (size_t i = 0; i < h->n_strings; i++) {
		json_object_begin(j);
		json_key(j, "id");
		json_string(j, h->strings[i].id);
		json_key(j, "offset");
		json_uint(j, h->strings[i].offset);
		json_key(j, "addr");
		json_hex(j, ev->addr + h->strings[i].offset);
		json_key(j, "len");
		json_uint(j, h->strings[i].len);
		json_object_end(j);
	}
	json_array_end(j);
	if (h->n_more) {
		json_key(j, "strings_not_listed");
		json_uint(j, h->n_more);
	}
}

/* What a match hit: a capture (its file, sequence number), or an image
 * (its sha256 and, with --elf, its ELF file). */
static void match_target(struct json *j, const struct emt_event *ev, bool elf)
{
	char hex[NAMES_SHA256_BUF], path[ELFOUT_NAME_BUF + 8];

	if (ev->type == EMT_EVENT_EXEC) {
		json_key(j, "seq");
		json_uint(j, ev->capture_sequence);
		capture(j, ev);
		return;
	}
	json_key(j, "image");
	json_hex(j, ev->image_base);
	json_key(j, "sha256");
	json_string(j, names_sha256(ev->sha256, hex, sizeof(hex)));
	if (elf) {
		imageout_path(ev, path, sizeof(path));
		json_key(j, "elf");
		json_string(j, path);
	}
}

/* One record per rule a capture or an image matched, naming it. */
static void match_event(struct json *j, const struct emt_event *ev,
			const struct yarascan_hit *h, bool elf)
{
	common(j, "match", ev, true);
	json_key(j, "rule");
	json_string(j, h->rule);
	json_key(j, "tags");
	json_array_begin(j);
	for (size_t i = 0; i < h->n_tags; i++)
		json_string(j, h->tags[i]);
	json_array_end(j);
	match_strings(j, ev, h);
	json_key(j, "addr");
	json_hex(j, ev->addr);
	match_target(j, ev, elf);
	json_object_end(j);
	json_end_record(j);
}

static void matches(struct json *j, const struct emt_event *ev,
		    const struct annotation *ann, bool elf)
{
	for (size_t i = 0; ann && ann->scanned && i < ann->yara.n_hits; i++)
		match_event(j, ev, &ann->yara.hits[i], elf);
}

void event_json(struct json *j, const struct emt_event *ev, bool elf,
		const struct annotation *ann)
{
	switch (ev->type) {
	case EMT_EVENT_EXEC:
		exec_event(j, ev, elf);
		if (ann && ann->has_symbol)
			symbol(j, ann);
		if (ev->frames && ev->n_frames)
			backtrace(j, ev, ann);
		if (ann && ann->scanned && ann->yara.error) {
			json_key(j, "yara_error");
			json_string(j, strerror(-ann->yara.error));
		}
		break;
	case EMT_EVENT_SYSCALL:
		syscall_event(j, ev);
		break;
	case EMT_EVENT_FLIP:
		flip_event(j, ev);
		break;
	case EMT_EVENT_PROCESS:
		process_event(j, ev);
		break;
	case EMT_EVENT_BLIND:
		blind_event(j, ev);
		break;
	case EMT_EVENT_IMAGE:
		image_event(j, ev, elf);
		break;
	default:
		common(j, "unknown", ev, true);
		break;
	}
	json_object_end(j);
	json_end_record(j);
	if (ev->type == EMT_EVENT_EXEC || ev->type == EMT_EVENT_IMAGE)
		matches(j, ev, ann, elf);
}
