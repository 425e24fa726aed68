/* SPDX-License-Identifier: MIT */
/*
 * Region map: emt's own exact, page-granular record of the tracked pages of
 * one address space. No ptrace here: it is a pure data structure, so that
 * it can be unit tested on its own.
 *
 * A region is a run of pages [start, end) with identical attributes. The
 * map keeps regions sorted, non-overlapping, and merges neighbours whose
 * attributes are equal, so a 1 TiB W+X mapping costs one entry.
 *
 * A hostile program can still make the map huge (every other page of a
 * mapping in another state), and a forking one can make many of them, so
 * the map is a persistent search tree: lookups cost O(log n), a change
 * touching k regions O((k + 1) log n), and a copy O(1), the copies sharing
 * every node neither side has changed (see regions.c).
 */
#ifndef EMT_REGIONS_H
#define EMT_REGIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EMT_PAGE_SIZE 4096ull
#define EMT_PAGE_DOWN(a) ((uint64_t)(a) & ~(EMT_PAGE_SIZE - 1))
#define EMT_PAGE_UP(a) (((uint64_t)(a) + EMT_PAGE_SIZE - 1) & ~(EMT_PAGE_SIZE - 1))

struct region_attr {
	uint8_t asked;    /* PROT_* the program asked for */
	uint8_t granted;  /* PROT_* actually applied by emt */
	uint8_t origin;   /* enum emt_origin */
	uint32_t seq;     /* captures of these pages so far */
	uint64_t writer;  /* page of another view that last wrote them, or 0 */
	uint16_t written_by; /* enum sc_op of the call through which the
				kernel last wrote them, or 0 */
	uint8_t flags;    /* REGION_* */
};

/* The mapping grows down (a stack): pages the kernel adds below the
 * tracked ones get the protection emt gave it. */
#define REGION_GROWSDOWN 1u

/* Field by field: the struct has padding, memcmp would read it. Every
 * field added to region_attr is compared here. */
static inline bool region_attr_eq(const struct region_attr *a,
				  const struct region_attr *b)
{
	return a->asked == b->asked && a->granted == b->granted &&
	       a->origin == b->origin && a->seq == b->seq &&
	       a->writer == b->writer && a->written_by == b->written_by &&
	       a->flags == b->flags;
}

struct region {
	uint64_t start, end; /* page aligned, start < end */
	struct region_attr attr;
};

struct region_node;

/* Only regions.c looks inside. */
struct region_map {
	struct region_node *root;
	uint64_t rng; /* tree balance: see regions_init() */
};

/*
 * Every modifying call below either succeeds or returns -ENOMEM and leaves
 * the map exactly as it was (regions_update then has not called fn).
 */

void regions_init(struct region_map *map);
void regions_free(struct region_map *map);
/* Copy (fork), in O(1): dst shares src's nodes, and a later change to
 * either copies only what it changes. Returns 0 (the int is kept for
 * callers written when a copy could fail). */
int regions_copy(struct region_map *dst, const struct region_map *src);
/* Forget everything (execve). */
void regions_clear(struct region_map *map);

/* Whether nothing is tracked. */
bool regions_empty(const struct region_map *map);

/* The region containing addr, or NULL. The pointer is valid until the next
 * modifying call on this map, whatever range that call touches: a change
 * rebuilds the path from the root to where it happens, and frees the old
 * nodes, which may hold regions far from the change. */
const struct region *regions_find(const struct region_map *map, uint64_t addr);

/* Set [start, end) to attr, replacing whatever was tracked there.
 * start/end are rounded out to pages. 0 or -ENOMEM. */
int regions_set(struct region_map *map, uint64_t start, uint64_t end,
		const struct region_attr *attr);

/* The first region that ends after addr (contains addr or lies above it),
 * or NULL. Valid until the next modifying call. */
const struct region *regions_next(const struct region_map *map, uint64_t addr);

/* Forget [start, end) (munmap, MAP_FIXED replacement). 0 or -ENOMEM (the
 * changed part of the tree is copied, never edited in place). */
int regions_remove(struct region_map *map, uint64_t start, uint64_t end);

/* For every tracked page in [start, end), call fn on its attributes (after
 * splitting so that fn sees only pages inside the range), then re-merge.
 * Untracked pages in the range are left untracked. fn runs once per
 * region, in address order, and must not change the map. 0 or -ENOMEM. */
int regions_update(struct region_map *map, uint64_t start, uint64_t end,
		   void (*fn)(struct region_attr *attr, void *ctx), void *ctx);

/* mremap: the tracked pages of [old, old+old_len) move to new_addr. Pages
 * past new_len are forgotten; growth (new_len > old_len) extends the last
 * old page's attributes over the new tail if the old range's last page was
 * tracked. When keep_old (MREMAP_DONTUNMAP) the old range stays as it was.
 * 0 or -ENOMEM. */
int regions_move(struct region_map *map, uint64_t old_addr, uint64_t old_len,
		 uint64_t new_addr, uint64_t new_len, bool keep_old);

/* Number of tracked pages in [start, end). */
uint64_t regions_count_pages(const struct region_map *map, uint64_t start,
			     uint64_t end);

#endif
