/* SPDX-License-Identifier: MIT */
/*
 * Capture: the bytes of the page a thread tried to execute, its registers,
 * and the SHA-256, as one exec event.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"
#include "act/act.h"
#include "events/events.h"

/* OpenSSL 3 looks the algorithm up again for every EVP_sha256() digest
 * ("implicit fetch", EVP_MD_fetch(3)): fetch it once per monitor and reuse
 * one context. */
static bool hash_ready(struct emt_monitor *mon)
{
	if (!mon->sha_md)
		mon->sha_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!mon->sha_ctx)
		mon->sha_ctx = EVP_MD_CTX_new();
	return mon->sha_md && mon->sha_ctx;
}

void capture_hash(struct emt_monitor *mon, const uint8_t *bytes, size_t len,
		  uint8_t out[32])
{
	unsigned int n = 32;

	if (!hash_ready(mon) || !EVP_DigestInit_ex2(mon->sha_ctx, mon->sha_md, NULL) ||
	    !EVP_DigestUpdate(mon->sha_ctx, bytes, len) ||
	    !EVP_DigestFinal_ex(mon->sha_ctx, out, &n))
		memset(out, 0, 32);
}

void capture_free(struct emt_monitor *mon)
{
	backtrace_free(mon);
	EVP_MD_CTX_free(mon->sha_ctx);
	EVP_MD_free(mon->sha_md);
	mon->sha_ctx = NULL;
	mon->sha_md = NULL;
}

/* What to capture around the page that faulted: with capture_max, the
 * tracked pages contiguous with it, those after it first (code that
 * crosses pages goes on forward from where it is entered). */
static void capture_span(const struct emt_monitor *mon, const struct mm_space *mm,
			 uint64_t page, uint64_t *start, uint64_t *end)
{
	size_t want = mon->opts.capture_max < EMT_CAPTURE_MAX ? mon->opts.capture_max
							      : EMT_CAPTURE_MAX;
	uint64_t max = EMT_PAGE_DOWN(want);
	const struct region *r;

	*start = page;
	*end = page + EMT_PAGE_SIZE;
	while (*end - *start < max && (r = regions_find(&mm->map, *end)))
		*end = r->end < *start + max ? r->end : *start + max;
	while (*end - *start < max && *start >= EMT_PAGE_SIZE &&
	       (r = regions_find(&mm->map, *start - EMT_PAGE_SIZE)))
		*start = r->start > *end - max ? r->start : *end - max;
}

/* The bytes of [start, end) into ev, or those of the faulting page alone
 * when the rest cannot be read (or held). 0 or -errno. */
static int read_bytes(struct emt_monitor *mon, struct proc *p, struct emt_event *ev,
		      uint64_t page, uint64_t start, uint64_t end)
{
	if (end - start > EMT_PAGE_SIZE && event_bytes_buffer(ev, end - start) &&
	    mem_read(mon, p, start, ev->bytes, end - start) == 0) {
		ev->addr = start;
		ev->len = end - start;
		return 0;
	}
	ev->addr = page;
	ev->len = EMT_PAGE_SIZE;
	if (!event_bytes_buffer(ev, EMT_PAGE_SIZE))
		return -ENOMEM;
	return mem_read(mon, p, page, ev->bytes, EMT_PAGE_SIZE);
}

void capture_exec(struct emt_monitor *mon, struct thread *t,
		  const arch_regs *regs, uint64_t page, uint64_t fault_addr,
		  const struct region *r)
{
	struct emt_event *ev;
	uint64_t start, end;
	int rc;

	mon->n_captures++;
	ev = event_new(mon, EMT_EVENT_EXEC, t);
	if (!ev)
		return;
	ev->fault_addr = fault_addr;
	ev->capture_sequence = r->attr.seq + 1;
	ev->origin = r->attr.origin;
	ev->written_via = r->attr.writer;
	if (r->attr.origin == EMT_ORIGIN_KERNEL_WRITE && r->attr.written_by)
		ev->written_by = sysent_native_nr((enum sc_op)r->attr.written_by);
	arch_regs_to_event(regs, &ev->registers);
	capture_span(mon, t->proc->mm, page, &start, &end);
	rc = read_bytes(mon, t->proc, ev, page, start, end);
	if (rc) {
		emt_log(mon, EMT_LOG_WARN, "capture of 0x%llx in %d failed: %d",
			(unsigned long long)page, t->proc->pid, rc);
		ev->bytes = NULL; /* the buffer stays with the event for reuse */
		ev->capture_error = rc;
	} else {
		capture_hash(mon, ev->bytes, ev->len, ev->sha256);
	}
	if (mon->opts.flags & EMT_OPT_BACKTRACE)
		backtrace_capture(mon, t, regs, ev);
	event_emit(mon, ev);
	image_after_capture(mon, t, fault_addr);
}
