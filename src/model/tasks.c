/* SPDX-License-Identifier: MIT */
/*
 * Tables of the traced threads, processes and address spaces.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor.h"
#include "model/model.h"

static size_t bucket_of(pid_t tid)
{
	return (size_t)tid % THREAD_BUCKETS;
}

struct thread *thread_find(struct emt_monitor *mon, pid_t tid)
{
	struct thread *t = mon->threads[bucket_of(tid)];

	while (t && t->tid != tid)
		t = t->next;
	return t;
}

static void thread_link(struct emt_monitor *mon, struct thread *t)
{
	size_t b = bucket_of(t->tid);

	t->next = mon->threads[b];
	mon->threads[b] = t;
}

static void thread_unlink(struct emt_monitor *mon, struct thread *t)
{
	struct thread **pp = &mon->threads[bucket_of(t->tid)];

	while (*pp && *pp != t)
		pp = &(*pp)->next;
	if (*pp)
		*pp = t->next;
}

void proc_count_thread(struct proc *p)
{
	p->threaded |= ++p->n_threads > 1;
}

struct thread *thread_add(struct emt_monitor *mon, pid_t tid, struct proc *p)
{
	struct thread *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->tid = tid;
	t->proc = p;
	t->slot = -1;
	t->state = THREAD_STOPPED;
	thread_link(mon, t);
	mon->n_threads++;
	if (p)
		proc_count_thread(p);
	return t;
}

void thread_remove(struct emt_monitor *mon, struct thread *t)
{
	thread_unlink(mon, t);
	mon->n_threads--;
	if (t->proc) {
		mm_release_slot(t);
		t->proc->n_threads--;
		if (t->proc->live_tid == t->tid && t->proc->n_threads > 0)
			proc_pick_live_tid(mon, t->proc, t->tid);
	}
	free(t->requeue);
	free(t);
}

struct proc *proc_find(struct emt_monitor *mon, pid_t pid)
{
	struct proc *p = mon->procs;

	while (p && p->pid != pid)
		p = p->next;
	return p;
}

struct proc *proc_add(struct emt_monitor *mon, pid_t pid, struct mm_space *mm)
{
	struct proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	/* Known as traced or not tracked: the shield tells a traced
	 * process's signals to emt by this set. */
	if (traced_add(mon->traced, pid)) {
		free(p);
		return NULL;
	}
	p->pid = pid;
	p->live_tid = pid;
	p->mm = mm;
	p->next = mon->procs;
	mon->procs = p;
	return p;
}

void proc_remove(struct emt_monitor *mon, struct proc *p)
{
	struct proc **pp = &mon->procs;

	while (*pp && *pp != p)
		pp = &(*pp)->next;
	if (*pp)
		*pp = p->next;
	traced_gone(mon->traced, p->pid);
	mm_put(p->mm);
	free(p);
}

struct thread *proc_worker(struct emt_monitor *mon, const struct proc *p)
{
	struct thread *any = NULL;

	for_each_thread(mon, t) {
		if (t->proc != p || t->state != THREAD_STOPPED)
			continue;
		if (t->tid == p->live_tid)
			return t;
		if (!any)
			any = t;
	}
	return any;
}

void proc_pick_live_tid(struct emt_monitor *mon, struct proc *p, pid_t going)
{
	for_each_thread(mon, t) {
		if (t->proc == p && t->tid != going && t->state != THREAD_EXITING &&
		    t->state != THREAD_DEAD) {
			p->live_tid = t->tid;
			return;
		}
	}
}

/* A thread's trampoline slot (tramp.c) is free again. */
void mm_release_slot(struct thread *t)
{
	if (t->slot > 0)
		t->proc->mm->slot_used[t->slot / 8] &= (uint8_t)~(1u << (t->slot % 8));
	t->slot = -1;
}

struct mm_space *mm_new(void)
{
	struct mm_space *mm = calloc(1, sizeof(*mm));

	if (!mm)
		return NULL;
	mm->refs = 1;
	mm->mem_fd = -1;
	regions_init(&mm->map);
	/* Slot 0 holds the bare syscall used for stepped remote calls. */
	mm->slot_used[0] = 1;
	return mm;
}

struct mm_space *mm_get(struct mm_space *mm)
{
	mm->refs++;
	return mm;
}

void mm_put(struct mm_space *mm)
{
	if (!mm || --mm->refs > 0)
		return;
	regions_free(&mm->map);
	if (mm->mem_fd >= 0)
		close(mm->mem_fd);
	free(mm->views);
	free(mm->images);
	free(mm);
}

struct mm_space *mm_fork(const struct mm_space *parent)
{
	struct mm_space *mm = mm_new();

	if (!mm)
		return NULL;
	/* Sharing the parent's tree allocates nothing. */
	regions_copy(&mm->map, &parent->map);
	/* Without memory for the views the child is still tracked, its views
	 * not followed (the caller says so). */
	mm->views_lost = views_copy(mm, parent) < 0;
	/* The child inherited the trampoline mapping along with the rest. */
	mm->tramp = parent->tramp;
	mm->vdso_syscall = parent->vdso_syscall;
	mm->brk = parent->brk;
	return mm;
}

bool proc_mm_seen_before(const struct emt_monitor *mon, const struct proc *p)
{
	for (const struct proc *q = mon->procs; q && q != p; q = q->next)
		if (q->mm == p->mm)
			return true;
	return false;
}

