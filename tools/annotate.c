/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "annotate.h"
#include "diag.h"

/* Which capture holds each page last captured, for naming frames in
 * generated code: direct-mapped, a page whose slot another took is not
 * named. */
#define PAGE_SLOTS 16384
#define PAGE_SIZE_ 4096u
/* Pages of one capture noted, at most (--region). */
#define NOTED_PAGES_MAX 64

struct page_capture {
	pid_t pid;
	uint64_t page;
	uint64_t capture_addr;
	uint8_t sha256[32];
};

struct annotator {
	struct perfmaps *perfmaps;
	struct yarascan *yara;  /* NULL without --yara */
	struct page_capture pages[PAGE_SLOTS];
	struct annotation now;
};

static struct page_capture *page_slot(struct annotator *a, pid_t pid, uint64_t page)
{
	uint64_t h = (page / PAGE_SIZE_) * 0x9e3779b97f4a7c15ull ^ (uint64_t)pid;

	return &a->pages[(h >> 20) % PAGE_SLOTS];
}

static void note_pages(struct annotator *a, const struct emt_event *ev)
{
	uint64_t n = ev->len / PAGE_SIZE_;

	for (uint64_t i = 0; i < n && i < NOTED_PAGES_MAX; i++) {
		uint64_t page = ev->addr + i * PAGE_SIZE_;
		struct page_capture *slot = page_slot(a, ev->pid, page);

		*slot = (struct page_capture){ ev->pid, page, ev->addr, { 0 } };
		memcpy(slot->sha256, ev->sha256, sizeof(slot->sha256));
	}
}

/* Frames of no file are in generated code: named by their capture and
 * the perf map. */
static void note_frames(struct annotator *a, const struct emt_event *ev,
			struct annotation *now)
{
	now->n_frames = ev->frames ? ev->n_frames : 0;
	for (size_t i = 0; i < now->n_frames; i++) {
		const struct emt_frame *f = &ev->frames[i];
		struct frame_note *note = &now->frames[i];
		uint64_t page = f->pc & ~(uint64_t)(PAGE_SIZE_ - 1);
		const struct page_capture *slot = page_slot(a, ev->pid, page);

		memset(note, 0, sizeof(*note));
		if (f->module[0])
			continue;
		note->in_capture = slot->pid == ev->pid && slot->page == page;
		if (note->in_capture) {
			memcpy(note->sha256, slot->sha256, sizeof(note->sha256));
			note->capture_addr = slot->capture_addr;
		}
		note->has_symbol = perfmaps_lookup(a->perfmaps, ev->pid, f->pc, &note->symbol) == 0;
	}
}

int annotator_open(const char *yara_rules, struct annotator **out)
{
	struct annotator *a = calloc(1, sizeof(*a));
	int rc;

	if (!a || !(a->perfmaps = perfmaps_new())) {
		free(a);
		diag("%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (yara_rules && (rc = yarascan_open(yara_rules, &a->yara)) < 0) {
		annotator_close(a);
		return rc;
	}
	*out = a;
	return 0;
}

uint64_t annotate_entry(const struct emt_event *ev)
{
	uint64_t pc = ev->registers.pc;

	return pc >= ev->addr && pc - ev->addr < ev->len ? pc : ev->addr;
}

/* Captures and images, scanned with the rules; a capture also named from
 * the perf map, its pages noted, its frames named. */
const struct annotation *annotator_event(struct annotator *a, const struct emt_event *ev)
{
	struct annotation *now = &a->now;

	if (ev->type == EMT_EVENT_PROCESS &&
	    (ev->change == EMT_PROCESS_EXIT || ev->change == EMT_PROCESS_EXECVE))
		perfmaps_forget(a->perfmaps, ev->pid);
	if ((ev->type != EMT_EVENT_EXEC && ev->type != EMT_EVENT_IMAGE) || ev->capture_error ||
	    !ev->bytes)
		return NULL;
	memset(now, 0, offsetof(struct annotation, yara));
	now->n_frames = 0;
	now->scanned = a->yara != NULL;
	if (a->yara)
		yarascan_scan(a->yara, ev->bytes, ev->len, &now->yara);
	if (ev->type == EMT_EVENT_IMAGE)
		return now;
	perfmaps_refresh(a->perfmaps, ev->pid);
	now->named = annotate_entry(ev);
	now->has_symbol = perfmaps_lookup(a->perfmaps, ev->pid, now->named, &now->symbol) == 0;
	note_pages(a, ev);
	note_frames(a, ev, now);
	return now;
}

void annotator_close(struct annotator *a)
{
	if (!a)
		return;
	perfmaps_free(a->perfmaps);
	yarascan_close(a->yara);
	free(a);
}
