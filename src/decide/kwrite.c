/* SPDX-License-Identifier: MIT */
/*
 * Kernel writes into tracked pages. A page emt made executable and not
 * writable makes read(fd, code_buf, n) fail with EFAULT instead of raising
 * a signal emt could catch. So before a call that makes the kernel write
 * into user buffers runs, the buffers' pages emt keeps read-only are made
 * writable again (as a write fault would) and the call is restarted.
 *
 * In launch mode such calls reach emt through a second seccomp filter,
 * installed into a process the first time one of its pages is made
 * executable and not writable: programs that generate no code never pay
 * for it.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/filter.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "model/model.h"

#define MAX_IOV 64

struct span {
	uint64_t addr, len;
};

static int iov_spans(struct emt_monitor *mon, struct thread *t, uint64_t iov,
		     uint64_t count, struct span *out)
{
	struct iovec v[MAX_IOV];

	if (count > MAX_IOV)
		count = MAX_IOV;
	if (!count || mem_read(mon, t->proc, iov, v, count * sizeof(v[0])))
		return 0;
	for (uint64_t i = 0; i < count; i++)
		out[i] = (struct span){ (uint64_t)(uintptr_t)v[i].iov_base,
					v[i].iov_len };
	return (int)count;
}

static int msg_spans(struct emt_monitor *mon, struct thread *t, uint64_t msg,
		     struct span *out)
{
	struct msghdr h;

	if (mem_read(mon, t->proc, msg, &h, sizeof(h)))
		return 0;
	return iov_spans(mon, t, (uint64_t)(uintptr_t)h.msg_iov, h.msg_iovlen, out);
}

/* The user buffers the kernel will write for this call. */
static int write_spans(struct emt_monitor *mon, struct thread *t,
		       const struct sc_call *sc, struct span *out)
{
	const uint64_t *a = sc->args;

	switch (sc->op) {
	case SC_READ:
	case SC_PREAD64:
	case SC_RECVFROM:
		out[0] = (struct span){ a[1], a[2] };
		return 1;
	case SC_READV:
	case SC_PREADV:
	case SC_PREADV2:
		return iov_spans(mon, t, a[1], a[2], out);
	case SC_RECVMSG:
		return msg_spans(mon, t, a[1], out);
	default:
		return 0;
	}
}

static void writable_again(struct region_attr *attr, void *ctx)
{
	(void)ctx;
	if ((attr->asked & PROT_WRITE) && !(attr->granted & PROT_WRITE))
		attr->granted = (uint8_t)prot_after_write(attr->asked);
}

static int unprotect_span(struct emt_monitor *mon, struct thread *t,
			  const struct span *s)
{
	struct region_map *map = &t->proc->mm->map;
	uint64_t end = s->addr + s->len, at = s->addr;
	int flipped = 0;

	if (!s->len || end < s->addr)
		return 0;
	while (at < end) {
		const struct region *r = regions_next(map, at);
		uint64_t start, len;
		int prot, asked, result;

		if (!r || r->start >= EMT_PAGE_UP(end))
			break;
		at = r->end;
		if (!(r->attr.asked & PROT_WRITE) || (r->attr.granted & PROT_WRITE))
			continue;
		start = r->start > s->addr ? r->start : EMT_PAGE_DOWN(s->addr);
		len = (r->end < EMT_PAGE_UP(end) ? r->end : EMT_PAGE_UP(end)) - start;
		asked = r->attr.asked;
		prot = prot_after_write(asked);
		event_flip(mon, t, start, len, r->attr.granted, prot);
		/* Only the thread's loss ends this: whatever the call's own
		 * result, one was made in place of the program's. */
		if (inject_mprotect(mon, t, start, len, prot, &result) == -ESRCH)
			return -ESRCH;
		/* A call was injected: the program's must be made again. */
		flipped++;
		if (regions_update(map, start, start + len, writable_again, NULL) < 0)
			untrack(mon, t, start, start + len, asked, -ENOMEM);
	}
	return flipped;
}

static bool prepare_spans(struct emt_monitor *mon, struct thread *t,
			  const struct span *spans, int n)
{
	int flipped = 0;
	arch_regs saved;

	if (n == 0 || thread_getregs(t, &saved))
		return false;
	for (int i = 0; i < n; i++) {
		int rc = unprotect_span(mon, t, &spans[i]);

		if (rc < 0)
			return true; /* the thread is gone */
		flipped += rc;
	}
	if (!flipped)
		return false;
	/* The remote calls ran in place of the program's (orig_rax = -1
	 * skips it): make the thread execute its syscall instruction again. */
	arch_rewind_syscall(&saved);
	thread_setregs(t, &saved);
	return true;
}

bool kwrite_prepare(struct emt_monitor *mon, struct thread *t,
		    const struct sc_call *sc)
{
	struct span spans[MAX_IOV];

	return prepare_spans(mon, t, spans, write_spans(mon, t, sc, spans));
}

bool kwrite_prepare_iov(struct emt_monitor *mon, struct thread *t,
			const struct iovec *v, size_t n)
{
	struct span spans[MAX_IOV];

	if (n > MAX_IOV)
		n = MAX_IOV;
	for (size_t i = 0; i < n; i++)
		spans[i] = (struct span){ (uint64_t)(uintptr_t)v[i].iov_base, v[i].iov_len };
	return prepare_spans(mon, t, spans, (int)n);
}

bool kwrite_is_candidate(enum sc_op op)
{
	return sysent_group(op) == SCG_BUFFER_WRITE;
}
