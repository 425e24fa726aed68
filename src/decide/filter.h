/* SPDX-License-Identifier: MIT */
/*
 * Seccomp programs from libseccomp rules, for the filters emt puts in
 * traced processes (filter.c, stealth_filter.c).
 */
#ifndef EMT_FILTER_H
#define EMT_FILTER_H

#include <seccomp.h>
#include <stddef.h>

#include "sysent.h"

struct sock_fprog;

/* The program of the rules rules(ctx, arg) adds, everything else allowed
 * and calls of another ABI given badarch. 0 or -errno; filter_free() it. */
int filter_compile(struct sock_fprog *prog, uint32_t badarch,
		   int (*rules)(scmp_filter_ctx ctx, const void *arg), const void *arg);
/* Send every call of calls[0..n) to emt. */
int filter_trace_calls(scmp_filter_ctx ctx, const enum sc_op *calls, size_t n);

#endif
