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

static void hash_bytes(struct emt_monitor *mon, const uint8_t *bytes,
		       size_t len, uint8_t out[32])
{
	unsigned int n = 32;

	if (!hash_ready(mon) || !EVP_DigestInit_ex2(mon->sha_ctx, mon->sha_md, NULL) ||
	    !EVP_DigestUpdate(mon->sha_ctx, bytes, len) ||
	    !EVP_DigestFinal_ex(mon->sha_ctx, out, &n))
		memset(out, 0, 32);
}

void capture_free(struct emt_monitor *mon)
{
	EVP_MD_CTX_free(mon->sha_ctx);
	EVP_MD_free(mon->sha_md);
	mon->sha_ctx = NULL;
	mon->sha_md = NULL;
}

void capture_exec(struct emt_monitor *mon, struct thread *t,
		  const arch_regs *regs, uint64_t page, uint64_t fault_addr,
		  const struct region *r)
{
	struct emt_event *ev;
	int rc;

	mon->n_captures++;
	ev = event_new(mon, EMT_EVENT_EXEC, t);
	if (!ev)
		return;
	ev->addr = page;
	ev->len = EMT_PAGE_SIZE;
	ev->fault_addr = fault_addr;
	ev->capture_sequence = r->attr.seq + 1;
	ev->origin = r->attr.origin;
	ev->written_via = r->attr.writer;
	if (r->attr.origin == EMT_ORIGIN_KERNEL_WRITE && r->attr.written_by)
		ev->written_by = sysent_native_nr((enum sc_op)r->attr.written_by);
	arch_regs_to_event(regs, &ev->registers);
	rc = event_page_buffer(ev) ? mem_read(mon, t->proc, page, ev->bytes,
					      EMT_PAGE_SIZE)
				   : -ENOMEM;
	if (rc) {
		emt_log(mon, EMT_LOG_WARN, "capture of 0x%llx in %d failed: %d",
			(unsigned long long)page, t->proc->pid, rc);
		ev->bytes = NULL; /* the buffer stays with the event for reuse */
		ev->capture_error = rc;
	} else {
		hash_bytes(mon, ev->bytes, EMT_PAGE_SIZE, ev->sha256);
	}
	event_emit(mon, ev);
}
