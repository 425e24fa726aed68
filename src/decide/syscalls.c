/* SPDX-License-Identifier: MIT */
/*
 * Syscall stops: decode the call (whatever ABI it was made with), let the
 * part that owns its op decide at entry, and commit at exit only what the
 * call really did.
 */
#include <errno.h>
#include <string.h>

#include "monitor.h"
#include "act/act.h"
#include "decide/decide.h"
#include "events/events.h"
#include "ptrace/pt.h"
#include "decide/stealth.h"

static void report_call(struct emt_monitor *mon, struct thread *t, int64_t ret)
{
	const struct pending_call *c = &t->call;
	struct emt_event *ev = event_new(mon, EMT_EVENT_SYSCALL, t);

	if (!ev)
		return;
	ev->syscall_nr = sysent_native_nr(c->op);
	memcpy(ev->args, c->sc.args, sizeof(ev->args));
	ev->retval = ret;
	ev->prot_asked = c->asked;
	ev->prot_granted = c->granted;
	event_emit(mon, ev);
}

void syscalls_commit(struct emt_monitor *mon, struct thread *t, int64_t ret)
{
	struct pending_call *c = &t->call;

	if (c->stealth)
		stealth_exit(mon, t, &c->sc, ret);
	if (c->stealth_only) {
		c->op = SC_NONE;
		return;
	}
	switch (sysent_group(c->op)) {
	case SCG_OPEN:
		filecalls_exit(mon, t, c, ret, sysent_failed(ret));
		break;
	case SCG_PROCESS:
		proccalls_exit(mon, t, c, ret, sysent_failed(ret));
		break;
	case SCG_ASYNC:
		asynccalls_exit(mon, t, c, ret, sysent_failed(ret));
		break;
	default:
		memcalls_exit(mon, t, c, ret, sysent_failed(ret));
		break;
	}
	if (c->report)
		report_call(mon, t, ret);
	c->op = SC_NONE;
	if (t->proc->io_uring)
		asynccalls_io_uring_meets_code(mon, t);
}

/* A call seen late is made already: what emt decided for it stands in
 * the pending call, and late.c makes it true after the call. */
int syscalls_rewrite_arg(struct thread *t, const struct sc_call *sc, int i,
			 uint64_t value)
{
	arch_regs regs;
	int rc;

	if (t->call.late)
		return 0;
	rc = thread_getregs(t, &regs);
	if (rc)
		return rc;
	if (sc->slot[i] < 0)
		return -EINVAL;
	arch_set_syscall_arg(&regs, sc->abi, sc->slot[i], value);
	return thread_setregs(t, &regs);
}

int syscalls_refuse(struct thread *t, int64_t ret)
{
	arch_regs regs;
	int rc;

	if (t->call.late)
		return -EALREADY;
	rc = thread_getregs(t, &regs);
	if (rc)
		return rc;
	arch_skip_syscall(&regs, ret);
	return thread_setregs(t, &regs);
}

int syscalls_again(struct thread *t)
{
	arch_regs regs;
	int rc;

	if (!t->call.late)
		return -EINVAL;
	rc = thread_getregs(t, &regs);
	if (rc)
		return rc;
	/* A handler's frame was set up meanwhile: the call is past. */
	if (arch_pc(&regs) != t->call.late_ip)
		return -EBUSY;
	arch_rewind_syscall(&regs);
	rc = thread_setregs(t, &regs);
	t->call.late_again = rc == 0;
	return rc;
}

int syscalls_run_as(struct emt_monitor *mon, struct thread *t, long nr,
		    const uint64_t args[6], int64_t *ret)
{
	int rc;

	if (t->call.late) {
		*ret = t->call.late_ret;
		return 0;
	}
	rc = inject_syscall(mon, t, nr, args, ret);

	return rc ? rc : syscalls_refuse(t, *ret);
}

int syscalls_run_now(struct emt_monitor *mon, struct thread *t, int64_t *ret)
{
	uint64_t args[6] = { 0 };
	arch_regs regs;
	long nr;
	int rc;

	/* Seen late, it was made: run_as gives its result. */
	if (t->call.late)
		return syscalls_run_as(mon, t, -1, args, ret);
	rc = thread_getregs(t, &regs);
	if (rc)
		return rc;
	nr = arch_native_call(&regs, args);
	if (nr < 0)
		return -EINVAL;
	return syscalls_run_as(mon, t, nr, args, ret);
}

/* A call of another ABI that passes what emt cannot read safely (a
 * multiplexer, arguments in memory in a compat layout) is not let through
 * unread: it fails as on a kernel without that ABI, and is reported. */
static void refuse_foreign(struct emt_monitor *mon, struct thread *t,
			   const struct sc_call *sc)
{
	syscalls_refuse(t, -ENOSYS);
	event_blind(mon, t->proc->pid, t->tid, EMT_BLIND_FOREIGN_ABI, 0, 0, -1,
		    "%s syscall %ld refused (ENOSYS): emt does not interpret it",
		    sc->abi == ABI_I386 ? "i386" : "x32", sc->nr);
}

/* Let the part that owns the call decide; true when its exit must be
 * seen. */
bool syscalls_decide(struct emt_monitor *mon, struct thread *t, struct pending_call *c)
{
	switch (sysent_group(c->op)) {
	case SCG_MEMORY:
		return memcalls_entry(mon, t, c);
	case SCG_OPEN:
		return filecalls_entry(mon, t, c);
	case SCG_FILE_WRITE:
		return writes_entry(mon, t, c);
	case SCG_ASYNC:
		return asynccalls_entry(mon, t, c);
	default:
		return proccalls_entry(mon, t, c);
	}
}

static void on_entry(struct emt_monitor *mon, struct thread *t,
		     const struct sc_call *sc)
{
	struct pending_call *c = &t->call;

	*c = (struct pending_call){ .op = sc->op, .sc = *sc };
	if (sc->op == SC_FOREIGN) {
		refuse_foreign(mon, t, sc);
		c->op = SC_NONE;
		return;
	}
	if (stealth_answer(mon, t, sc)) {
		c->op = SC_NONE;
		return;
	}
	c->stealth = stealth_wants_exit(mon, t, sc);
	if (syscalls_decide(mon, t, c))
		mon->n_syscalls++;
	else if (c->stealth)
		c->stealth_only = true;
	else
		c->op = SC_NONE; /* nothing to commit: no exit stop needed */
}

/* A call from emt's trampoline that emt did not set up: the program runs
 * emt's code. The call is handled like any other; the analyst is told. */
void syscalls_note_caller(struct emt_monitor *mon, struct thread *t,
			  const struct sc_call *sc, uint64_t ip)
{
	if (tramp_contains(t->proc->mm, ip))
		event_blind(mon, t->proc->pid, t->tid, EMT_BLIND_TRAMPOLINE,
			    EMT_PAGE_DOWN(ip), EMT_PAGE_SIZE, sysent_native_nr(sc->op),
			    "the program made syscall %ld from emt's trampoline at 0x%llx",
			    sc->nr, (unsigned long long)ip);
}

static void on_program_call(struct emt_monitor *mon, struct thread *t,
			    const struct sc_call *sc, uint64_t ip)
{
	syscalls_note_caller(mon, t, sc, ip);
	on_entry(mon, t, sc);
}

static void decode(const struct __ptrace_syscall_info *info, struct sc_call *sc)
{
	bool seccomp = info->op == PTRACE_SYSCALL_INFO_SECCOMP;
	long nr = (long)(seccomp ? info->seccomp.nr : info->entry.nr);
	const uint64_t *raw = seccomp ? (const uint64_t *)info->seccomp.args
				      : (const uint64_t *)info->entry.args;

	sysent_decode(arch_abi_of(info->arch), nr, raw, sc);
}

void syscalls_on_stop(struct emt_monitor *mon, struct thread *t)
{
	struct __ptrace_syscall_info info;
	struct sc_call sc;

	if (pt_syscall_info(t->tid, &info)) {
		thread_resume(mon, t, 0);
		return;
	}
	if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
		t->in_syscall = false;
		if (t->call.op)
			syscalls_commit(mon, t, info.exit.rval);
	} else if (info.op == PTRACE_SYSCALL_INFO_SECCOMP && t->in_syscall) {
		/* seen at its entry stop already */
	} else if (t->proc->passive) {
		/* Not followed, yet not free to act on emt. */
		decode(&info, &sc);
		shield_refuse(mon, t, &sc);
	} else {
		t->in_syscall = info.op == PTRACE_SYSCALL_INFO_ENTRY;
		decode(&info, &sc);
		if (!tramp_own_call(t, info.instruction_pointer, &sc))
			on_program_call(mon, t, &sc, info.instruction_pointer);
	}
	thread_resume(mon, t, 0);
}
