/* SPDX-License-Identifier: MIT */
/*
 * What a new child is, from the kernel rather than from memory the program
 * can rewrite between its clone call and the event: a thread of its
 * parent's process (/proc/CHILD/status Tgid), a process sharing its
 * parent's address space (kcmp(2) KCMP_VM), or a fork.
 *
 * And the processes whose children may still come: a parent killed
 * between clone and its event never reports the event (the kernel stops a
 * task with SIGKILL pending at no ptrace event, ptrace_stop() in
 * kernel/signal.c), yet its child is attached and stops. The child
 * inherited its parent's stripped pages: the parent's state is kept, a
 * few deaths back, until the child is adopted.
 */
#include <errno.h>
#include <linux/kcmp.h>
#include <linux/sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"
#include "loop/loop.h"
#include "model/model.h"
#include "ptrace/procfs.h"
#include "decide/stealth.h"

bool kin_same_vm(pid_t a, pid_t b)
{
	return syscall(SYS_kcmp, a, b, KCMP_VM, 0, 0) == 0;
}

int kin_clone_flags(pid_t parent, pid_t child, uint64_t *flags)
{
	long tgid = procfs_status_field(child, "Tgid");
	long parent_tgid = procfs_status_field(parent, "Tgid");

	if (tgid < 0 || parent_tgid < 0)
		return -ESRCH;
	if (tgid == parent_tgid)
		*flags = CLONE_THREAD | CLONE_VM;
	else
		*flags = kin_same_vm(parent, child) ? CLONE_VM : 0;
	return 0;
}

bool kin_traced_by(pid_t child, pid_t tracer)
{
	return child > 0 && procfs_status_field(child, "TracerPid") == tracer;
}

pid_t kin_held_parent(pid_t child)
{
	long tgid = procfs_status_field(child, "Tgid");
	long ppid = procfs_status_field(child, "PPid");

	if (tgid != child)
		return 0; /* a thread: it dies with its process if the event never comes */
	return ppid > 0 ? (pid_t)ppid : -1;
}

/* Whether child still has the trampoline of mm: it descends from that
 * address space (a fork keeps the mapping where it was). */
bool kin_has_tramp(pid_t child, const struct mm_space *mm)
{
	struct maps_entry e;

	return !mm->tramp || (procfs_maps_find(child, mm->tramp, &e, NULL, 0) == 0 &&
			      e.start == mm->tramp);
}

/* Only a process killed by a signal, or with a thread besides the one
 * that ended it, can have died inside fork: a lone thread calling exit is
 * in no other call. Leaf processes exiting (a fork storm's thousands) so
 * never push out of the graves the parent an orphan is still to come from. */
bool kin_may_leave_orphans(const struct proc *p, int status)
{
	return WIFSIGNALED(status) || p->threaded;
}

/* The grave takes p's --stealth state (an orphan inherits it); p is
 * removed next. */
void kin_bury(struct emt_monitor *mon, struct proc *p)
{
	struct proc *g = &mon->graves[mon->n_graves++ % KIN_GRAVES];

	mm_put(g->mm);
	stealth_proc_free(g);
	*g = *p;
	g->mm = mm_get(p->mm);
	g->next = NULL;
	p->stealth = NULL;
}

/* How many of the child's mappings have another protection than mm says
 * its tracked pages have: 0 for the address space it was forked from (the
 * child stops before it runs), more for a sibling that ran code since. */
static size_t mismatches(pid_t child, const struct mm_space *mm)
{
	struct maps_reader rd;
	struct maps_entry e;
	size_t n = 0;

	if (procfs_maps_open(&rd, child))
		return SIZE_MAX;
	while (procfs_maps_next(&rd, &e)) {
		const struct region *r = regions_find(&mm->map, e.start);

		n += r && r->attr.granted != (e.prot & (PROT_READ | PROT_WRITE | PROT_EXEC));
	}
	procfs_maps_close(&rd);
	return n;
}

/* How long before child pid was allocated: pids are handed out in
 * increasing order (wrapping at pid_max, alloc_pid() in kernel/pid.c),
 * so a parent's pid comes before its child's; the nearest is the most
 * recent. */
static uint64_t pid_distance(pid_t parent, pid_t child)
{
	return parent < child ? (uint64_t)(child - parent)
			      : (uint64_t)child + ((uint64_t)1 << 32) - (uint64_t)parent;
}

/* Of the dead a child may come from (the same trampoline: one lineage),
 * the one whose pages are as the child's are; of those alike (siblings
 * killed in turn, each with its own page where the other had its own),
 * the one created last before the child. */
struct proc *kin_grave_of(struct emt_monitor *mon, pid_t child)
{
	size_t n = mon->n_graves < KIN_GRAVES ? mon->n_graves : KIN_GRAVES;
	size_t best_score = SIZE_MAX;
	uint64_t best_distance = UINT64_MAX;
	struct proc *best = NULL;

	for (size_t i = 1; i <= n; i++) {
		struct proc *g = &mon->graves[(mon->n_graves - i) % KIN_GRAVES];
		size_t score;
		uint64_t distance;

		if (!g->mm || !kin_has_tramp(child, g->mm))
			continue;
		score = mismatches(child, g->mm);
		distance = pid_distance(g->pid, child);
		if (score < best_score || (score == best_score && distance < best_distance)) {
			best = g;
			best_score = score;
			best_distance = distance;
		}
	}
	return best;
}

void kin_free(struct emt_monitor *mon)
{
	for (size_t i = 0; i < KIN_GRAVES; i++) {
		mm_put(mon->graves[i].mm);
		mon->graves[i].mm = NULL;
		stealth_proc_free(&mon->graves[i]);
	}
}
