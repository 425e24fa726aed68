/* SPDX-License-Identifier: MIT */
/*
 * Whole images (EMT_OPT_IMAGES): when code runs inside an ELF image in
 * memory, the image as it is then, once. UPX unpacks the program it holds
 * to the addresses its program headers give, ELF header included; a
 * loader that maps an ELF from memory does the same. The image is found
 * from the fault: the nearest mapping below it that starts with an ELF
 * header whose first loadable segment (file offset 0) sits there and one
 * of whose executable segments holds the fault. Everything read is the
 * program's: the headers are bounded before use, and only memory is read.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"
#include "act/act.h"
#include "events/events.h"
#include "model/model.h"
#include "ptrace/procfs.h"

/* Where to look: mappings starting up to this far below the fault, the
 * nearest first, at most CANDIDATES_MAX of them. */
#define SEARCH_SPAN ((uint64_t)1 << 30)
#define CANDIDATES_MAX 64
#define PHDRS_MAX 64
#define IMAGE_MAX ((uint64_t)256 << 20)
/* All images of a run, at most: a program can forge ELF headers to make
 * emt read and hold memory (each image waits in the queue until the
 * consumer takes it). */
#define IMAGES_BUDGET ((uint64_t)1 << 30)
/* Images remembered per address space, the oldest forgotten. */
#define KNOWN_MAX 16

struct image {
	uint64_t base;         /* where the header is */
	uint64_t lo, hi;       /* its loadable segments, whole pages */
	uint8_t head[32];      /* SHA-256 of its header page when reported */
};

struct images {
	struct image known[KNOWN_MAX];
	size_t n, next;
};

static bool read_at(struct emt_monitor *mon, struct proc *p, uint64_t addr, void *buf,
		    size_t len)
{
	return mem_read(mon, p, addr, buf, len) == 0;
}

static bool plausible(const Elf64_Ehdr *eh)
{
	return memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
	       eh->e_ident[EI_DATA] == ELFDATA2LSB && eh->e_machine == EM_X86_64 &&
	       (eh->e_type == ET_EXEC || eh->e_type == ET_DYN) &&
	       eh->e_phentsize == sizeof(Elf64_Phdr) && eh->e_phnum > 0 &&
	       eh->e_phnum <= PHDRS_MAX && eh->e_phoff < EMT_PAGE_SIZE * 16;
}

/* The image whose header is at base, if it holds fault in an executable
 * segment: its span filled in. */
static bool image_at(struct emt_monitor *mon, struct proc *p, uint64_t base, uint64_t fault,
		     struct image *img)
{
	Elf64_Phdr ph[PHDRS_MAX];
	Elf64_Ehdr eh;
	uint64_t first = UINT64_MAX, lo = UINT64_MAX, hi = 0, bias;
	bool holds = false;

	if (!read_at(mon, p, base, &eh, sizeof(eh)) || !plausible(&eh) ||
	    !read_at(mon, p, base + eh.e_phoff, ph, eh.e_phnum * sizeof(ph[0])))
		return false;
	for (int i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0 && ph[i].p_vaddr < first)
			first = ph[i].p_vaddr;
	if (first == UINT64_MAX || (eh.e_type == ET_EXEC && EMT_PAGE_DOWN(first) != base))
		return false;
	/* what the program headers' addresses are offset by */
	bias = base - EMT_PAGE_DOWN(first);
	for (int i = 0; i < eh.e_phnum; i++) {
		uint64_t start = bias + ph[i].p_vaddr, end = start + ph[i].p_memsz;

		if (ph[i].p_type != PT_LOAD || end < start)
			continue;
		/* Whole pages run: a packer's own code may sit in the slack of
		 * the last page of the program's (UPX 4 does). */
		holds |= (ph[i].p_flags & PF_X) && fault >= EMT_PAGE_DOWN(start) &&
			 fault < EMT_PAGE_UP(end);
		lo = EMT_PAGE_DOWN(start) < lo ? EMT_PAGE_DOWN(start) : lo;
		hi = EMT_PAGE_UP(end) > hi ? EMT_PAGE_UP(end) : hi;
	}
	img->base = base;
	img->lo = lo;
	img->hi = hi;
	return holds && lo <= base && hi - lo <= IMAGE_MAX;
}

/* Mapping starts below fault, nearest first. */
static size_t candidates(pid_t pid, uint64_t fault, uint64_t *starts)
{
	struct maps_reader r;
	struct maps_entry e;
	size_t n = 0;

	if (procfs_maps_open(&r, pid))
		return 0;
	while (procfs_maps_next(&r, &e)) {
		if (e.start > fault)
			break;
		if (fault - e.start > SEARCH_SPAN)
			continue;
		/* Keep the nearest: drop the farthest when full. */
		if (n == CANDIDATES_MAX)
			memmove(starts, starts + 1, --n * sizeof(*starts));
		starts[n++] = e.start;
	}
	procfs_maps_close(&r);
	return n;
}

static void hash_page(struct emt_monitor *mon, struct proc *p, uint64_t addr, uint8_t out[32])
{
	uint8_t page[EMT_PAGE_SIZE];

	memset(out, 0, 32);
	if (read_at(mon, p, addr, page, sizeof(page)))
		capture_hash(mon, page, sizeof(page), out);
}

/* Reported already, its header unchanged since. */
static bool known(struct emt_monitor *mon, struct proc *p, const struct images *imgs,
		  const struct image *img)
{
	uint8_t head[32];

	for (size_t i = 0; i < imgs->n; i++) {
		if (imgs->known[i].base != img->base || imgs->known[i].hi != img->hi)
			continue;
		hash_page(mon, p, img->base, head);
		return memcmp(head, imgs->known[i].head, sizeof(head)) == 0;
	}
	return false;
}

static bool find_image(struct emt_monitor *mon, struct proc *p, uint64_t fault,
		       struct image *img)
{
	uint64_t starts[CANDIDATES_MAX];
	size_t n = candidates(p->live_tid, fault, starts);

	while (n-- > 0)
		if (image_at(mon, p, starts[n], fault, img))
			return true;
	return false;
}

/* The image's pages into ev: those that cannot be read stay zeros. */
static int read_image(struct emt_monitor *mon, struct proc *p, const struct image *img,
		      struct emt_event *ev)
{
	uint64_t len = img->hi - img->lo;

	if (!event_bytes_buffer(ev, len))
		return -ENOMEM;
	if (mem_read(mon, p, img->lo, ev->bytes, len) == 0)
		return 0;
	for (uint64_t off = 0; off < len; off += EMT_PAGE_SIZE)
		if (mem_read(mon, p, img->lo + off, ev->bytes + off, EMT_PAGE_SIZE))
			memset(ev->bytes + off, 0, EMT_PAGE_SIZE);
	return 0;
}

static void remember(struct mm_space *mm, const struct image *img)
{
	struct images *imgs = mm->images;

	if (!imgs && !(imgs = mm->images = calloc(1, sizeof(*imgs))))
		return;
	imgs->known[imgs->next] = *img;
	imgs->next = (imgs->next + 1) % KNOWN_MAX;
	if (imgs->n < KNOWN_MAX)
		imgs->n++;
}

static void report(struct emt_monitor *mon, struct thread *t, const struct image *img,
		   uint64_t fault)
{
	struct emt_event *ev = event_new(mon, EMT_EVENT_IMAGE, t);

	if (!ev)
		return;
	ev->addr = img->lo;
	ev->len = img->hi - img->lo;
	ev->image_base = img->base;
	ev->fault_addr = fault;
	if (read_image(mon, t->proc, img, ev)) {
		emt_log(mon, EMT_LOG_WARN, "no memory for the image at 0x%llx in %d",
			(unsigned long long)img->base, t->proc->pid);
		emt_event_free(ev);
		return;
	}
	capture_hash(mon, ev->bytes, ev->len, ev->sha256);
	event_emit(mon, ev);
}

void image_after_capture(struct emt_monitor *mon, struct thread *t, uint64_t fault)
{
	struct mm_space *mm = t->proc->mm;
	struct image img;

	if (!(mon->opts.flags & EMT_OPT_IMAGES) || !find_image(mon, t->proc, fault, &img))
		return;
	if (mm->images && known(mon, t->proc, mm->images, &img))
		return;
	if (mon->image_bytes + (img.hi - img.lo) > IMAGES_BUDGET) {
		if (!mon->images_said)
			emt_log(mon, EMT_LOG_WARN, "%d: image at 0x%llx not written: the run's "
				"images passed 1 GiB", t->proc->pid, (unsigned long long)img.base);
		mon->images_said = true;
		return;
	}
	mon->image_bytes += img.hi - img.lo;
	hash_page(mon, t->proc, img.base, img.head);
	remember(mm, &img);
	report(mon, t, &img, fault);
}
