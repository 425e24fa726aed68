/* SPDX-License-Identifier: MIT */
/*
 * What the call watcher stops a thread for in attach mode: the calls every
 * traced process stops for, with the same tests on their arguments as the
 * launch filter (stoprules.c); clone3 among them, whose child is made by
 * then: late.c checks that emt traces it. Calls of the i386 ABI always
 * stop: emt handles them after the fact (late.c). Watch bits (watch.c) are
 * the process's entry in the watcher's table instead of a second filter.
 */
#include <string.h>

#include "monitor.h"
#include "decide/decide.h"
#include "events/events.h"
#include "model/model.h"
#include "ptrace/callwatch.h"

/* The watch bit that makes every call of op matter, or 0. */
static uint32_t watch_bit(enum sc_op op)
{
	if (op == SC_MMAP)
		return WATCH_MMAPS;
	if (sysent_group(op) == SCG_BUFFER_WRITE)
		return WATCH_READS;
	if (sysent_group(op) == SCG_FILE_WRITE)
		return WATCH_WRITES;
	return 0;
}

_Static_assert(STOP_TESTS_MAX <= CW_CONDS, "a stop rule's tests fit a watcher entry");

/* op's stop rule (stoprules.c) as the watcher's table entry. */
static void rule_of(enum sc_op op, struct cw_call *call)
{
	const struct stop_rule *r = stoprules_of(op);

	memset(call, 0, sizeof(*call));
	call->need = watch_bit(op) | (r ? CW_ALWAYS : 0);
	for (size_t i = 0; r && i < r->n_tests; i++)
		call->cond[i] = (struct cw_cond){
			.arg = (unsigned char)r->test[i].arg,
			.eq = r->test[i].kind == STOP_MASKED_EQ,
			.used = 1,
			.mask = r->test[i].mask,
			.value = r->test[i].value,
		};
}

static int set_native(struct callwatch *cw, enum sc_op op)
{
	struct cw_call call;
	long own = sysent_x32_own_nr(op);
	int rc;

	rule_of(op, &call);
	if (!call.need)
		return 0;
	rc = callwatch_set_call(cw, false, sysent_native_nr(op), &call);
	/* x32's own numbers pass compat structures: no conditions read. */
	memset(call.cond, 0, sizeof(call.cond));
	if (!rc && own >= 0)
		rc = callwatch_set_call(cw, false, own, &call);
	return rc;
}

/* Every i386 call emt knows, and those with no op. */
static int set_i386(struct callwatch *cw)
{
	struct cw_call call = { .need = CW_ALWAYS };
	long only[4];
	size_t n = sysent_i386_only(only, 4);
	int rc = 0;

	for (int op = SC_NONE + 1; op < SC_COUNT && !rc; op++) {
		long nr = sysent_i386_nr((enum sc_op)op);

		if (nr >= 0 && sysent_group((enum sc_op)op) != SCG_NONE)
			rc = callwatch_set_call(cw, true, nr, &call);
	}
	for (size_t i = 0; i < n && !rc; i++)
		rc = callwatch_set_call(cw, true, only[i], &call);
	return rc;
}

/* A new task first returns from the call that made it: the watcher looks
 * there for one emt does not trace (CLONE_UNTRACED). */
static int set_child_returns(struct callwatch *cw)
{
	static const enum sc_op makers[] = { SC_CLONE, SC_CLONE3, SC_FORK, SC_VFORK };
	int rc = 0;

	for (size_t i = 0; i < sizeof(makers) / sizeof(makers[0]) && !rc; i++)
		rc = callwatch_note_nr(cw, sysent_native_nr(makers[i])) ?:
		     callwatch_note_nr(cw, sysent_i386_nr(makers[i]));
	return rc;
}

int watcher_rules(struct callwatch *cw)
{
	int rc = 0;

	for (int op = SC_NONE + 1; op < SC_COUNT && !rc; op++)
		if (sysent_group((enum sc_op)op) != SCG_NONE)
			rc = set_native(cw, (enum sc_op)op);
	return rc ? rc : set_i386(cw) ?: set_child_returns(cw);
}

/* Loaded and filled, or NULL with why it could not be. */
static struct callwatch *load(const char **why)
{
	struct callwatch *cw;

	if (callwatch_open(&cw, why))
		return NULL;
	if (watcher_rules(cw) == 0)
		return cw;
	callwatch_close(cw);
	*why = "the call watcher's tables could not be filled";
	return NULL;
}

void watcher_start(struct emt_monitor *mon)
{
	const char *why = NULL;

	/* Asked for: said, not warned. */
	if (mon->opts.flags & (EMT_OPT_NO_SECCOMP | EMT_OPT_STEALTH)) {
		emt_log(mon, EMT_LOG_INFO, "attach: stopping at every syscall (%s)",
			mon->opts.flags & EMT_OPT_NO_SECCOMP ? "--no-seccomp" :
			"--stealth answers reads before they are made");
		mon->syscall_mode = true;
		return;
	}
	mon->callwatch = load(&why);
	mon->syscall_mode = !mon->callwatch;
	if (!mon->callwatch) {
		emt_log(mon, EMT_LOG_WARN, "attach: stopping at every syscall: %s", why);
		return;
	}
	shield_guard_limits(mon);
	emt_log(mon, EMT_LOG_INFO, "attach: an eBPF call watcher stops only the calls emt needs");
}

void watcher_stop(struct emt_monitor *mon)
{
	late_report_strays(mon);
	callwatch_close(mon->callwatch);
	mon->callwatch = NULL;
}

/* A process stopping at every call stays in the watcher's table, so that
 * a thread of it emt does not trace is still noted (late.c). */
void watcher_add(struct emt_monitor *mon, struct proc *p)
{
	uint32_t every = p->syscall_mode ? CW_EVERY : 0;

	if (mon->callwatch && callwatch_watch(mon->callwatch, p->pid, p->watched | every) &&
	    !every)
		p->syscall_mode = true;
}

void watcher_remove(struct emt_monitor *mon, struct proc *p)
{
	if (mon->callwatch)
		callwatch_unwatch(mon->callwatch, p->pid);
}

bool watcher_pending(struct emt_monitor *mon, const struct thread *t)
{
	return mon->callwatch && callwatch_pending(mon->callwatch, t->tid);
}

void watcher_every_call(struct emt_monitor *mon, struct proc *p)
{
	p->syscall_mode = true;
	watcher_add(mon, p);
}
