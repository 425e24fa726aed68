/* SPDX-License-Identifier: MIT */
/*
 * Region map as a sorted array of runs. Every modification goes through
 * splice(), which replaces what lies in one page range by a given sorted
 * list, and then merges equal neighbours around the change so the array
 * stays minimal. Capacity is always reserved before the first byte moves,
 * so -ENOMEM leaves the map exactly as it was.
 */
#include "regions.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * The last page [2^64 - 4096, 2^64) cannot be described with an exclusive
 * 64-bit end, so ranges are clamped below it. It is kernel space on x86_64
 * anyway: no tracee can map it.
 */
#define ADDR_LIMIT EMT_PAGE_DOWN(UINT64_MAX)

/* Round [start, end) out to pages like mprotect/munmap round a length. */
static bool round_range(uint64_t start, uint64_t end, uint64_t *s, uint64_t *e)
{
	*s = EMT_PAGE_DOWN(start);
	*e = end > ADDR_LIMIT ? ADDR_LIMIT : EMT_PAGE_UP(end);
	return *s < *e;
}

/* addr + len without wrapping past the top of the address space. */
static uint64_t end_of(uint64_t addr, uint64_t len)
{
	return len > UINT64_MAX - addr ? UINT64_MAX : addr + len;
}

static int reserve(struct region_map *map, size_t extra)
{
	size_t need = map->n + extra, cap = map->cap ? map->cap : 16;
	struct region *v;

	if (need <= map->cap)
		return 0;
	while (cap < need) {
		if (cap > SIZE_MAX / 2 / sizeof(*v))
			return -ENOMEM;
		cap *= 2;
	}
	v = realloc(map->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	map->v = v;
	map->cap = cap;
	return 0;
}

/* Index of the first region ending after addr (map->n if none). */
static size_t first_ending_after(const struct region_map *map, uint64_t addr)
{
	size_t lo = 0, hi = map->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (map->v[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Index of the first region starting at or after addr (map->n if none). */
static size_t first_starting_from(const struct region_map *map, uint64_t addr)
{
	size_t lo = 0, hi = map->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (map->v[mid].start >= addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static bool mergeable(const struct region *a, const struct region *b)
{
	return a->end == b->start && region_attr_eq(&a->attr, &b->attr);
}

/*
 * Merge equal neighbours among indices [lo, hi]. Only entries next to a
 * change can have become mergeable, so callers pass the changed span plus
 * one entry either side; the rest of the array is already minimal.
 */
static void merge_span(struct region_map *map, size_t lo, size_t hi)
{
	size_t w, r;

	if (map->n < 2 || lo >= map->n - 1)
		return;
	if (hi >= map->n)
		hi = map->n - 1;
	for (w = lo, r = lo + 1; r <= hi; r++) {
		if (mergeable(&map->v[w], &map->v[r]))
			map->v[w].end = map->v[r].end;
		else
			map->v[++w] = map->v[r];
	}
	if (w == hi)
		return;
	memmove(&map->v[w + 1], &map->v[hi + 1],
		(map->n - hi - 1) * sizeof(*map->v));
	map->n -= hi - w;
}

/*
 * Replace whatever is tracked in [s, e) by ins[0..nins), which must be
 * sorted and inside [s, e), then re-merge. The caller has reserved
 * nins + 1 free entries: trimming the regions that straddle s and e turns
 * at least one overlapped entry into at most two.
 */
static void splice(struct region_map *map, uint64_t s, uint64_t e,
		   const struct region *ins, size_t nins)
{
	size_t i = first_ending_after(map, s), j = first_starting_from(map, e);
	struct region left, right;
	bool has_left = false, has_right = false;
	size_t nnew;

	if (i < j && map->v[i].start < s) {
		left = map->v[i];
		left.end = s;
		has_left = true;
	}
	if (i < j && map->v[j - 1].end > e) {
		right = map->v[j - 1];
		right.start = e;
		has_right = true;
	}
	nnew = has_left + nins + has_right;
	memmove(&map->v[i + nnew], &map->v[j], (map->n - j) * sizeof(*map->v));
	map->n = map->n - (j - i) + nnew;
	if (has_left)
		map->v[i] = left;
	if (nins)
		memcpy(&map->v[i + has_left], ins, nins * sizeof(*ins));
	if (has_right)
		map->v[i + nnew - 1] = right;
	merge_span(map, i ? i - 1 : 0, i + nnew);
}

/* Cut the region containing addr in two at addr; needs one free entry. */
static void split_at(struct region_map *map, uint64_t addr)
{
	size_t i = first_ending_after(map, addr);

	if (i == map->n || map->v[i].start >= addr)
		return;
	memmove(&map->v[i + 1], &map->v[i], (map->n - i) * sizeof(*map->v));
	map->n++;
	map->v[i].end = addr;
	map->v[i + 1].start = addr;
}

void regions_init(struct region_map *map)
{
	map->v = NULL;
	map->n = 0;
	map->cap = 0;
}

void regions_free(struct region_map *map)
{
	free(map->v);
	regions_init(map);
}

int regions_copy(struct region_map *dst, const struct region_map *src)
{
	struct region *v = NULL;

	/* Allocate before touching dst so a failure leaves it intact. */
	if (src->n) {
		v = malloc(src->n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memcpy(v, src->v, src->n * sizeof(*v));
	}
	free(dst->v);
	dst->v = v;
	dst->n = src->n;
	dst->cap = src->n;
	return 0;
}

void regions_clear(struct region_map *map)
{
	/* Keep the buffer: an exec'd program usually maps as much again. */
	map->n = 0;
}

bool regions_empty(const struct region_map *map)
{
	return map->n == 0;
}

const struct region *regions_find(const struct region_map *map, uint64_t addr)
{
	size_t i = first_ending_after(map, addr);

	if (i == map->n || map->v[i].start > addr)
		return NULL;
	return &map->v[i];
}

int regions_set(struct region_map *map, uint64_t start, uint64_t end,
		const struct region_attr *attr)
{
	struct region r;

	if (!round_range(start, end, &r.start, &r.end))
		return 0;
	if (reserve(map, 2) < 0)
		return -ENOMEM;
	r.attr = *attr;
	splice(map, r.start, r.end, &r, 1);
	return 0;
}

int regions_remove(struct region_map *map, uint64_t start, uint64_t end)
{
	uint64_t s, e;

	if (!round_range(start, end, &s, &e))
		return 0;
	if (reserve(map, 1) < 0)
		return -ENOMEM;
	splice(map, s, e, NULL, 0);
	return 0;
}

int regions_update(struct region_map *map, uint64_t start, uint64_t end,
		   void (*fn)(struct region_attr *attr, void *ctx), void *ctx)
{
	uint64_t s, e;
	size_t i, j;

	if (!round_range(start, end, &s, &e))
		return 0;
	if (reserve(map, 2) < 0)
		return -ENOMEM;
	/* After the splits every region in [i, j) lies wholly inside. */
	split_at(map, s);
	split_at(map, e);
	i = first_ending_after(map, s);
	j = first_starting_from(map, e);
	for (size_t k = i; k < j; k++)
		fn(&map->v[k].attr, ctx);
	merge_span(map, i ? i - 1 : 0, j);
	return 0;
}

/*
 * Copy the tracked pages of [os, os + len) into a fresh array, shifted to
 * start at ns. Done before anything is removed so that overlapping old and
 * new ranges read the old layout. *out is NULL when nothing is tracked.
 */
static int collect_moved(const struct region_map *map, uint64_t os,
			 uint64_t len, uint64_t ns, struct region **out,
			 size_t *nout)
{
	size_t i = first_ending_after(map, os);
	size_t j = first_starting_from(map, os + len);
	struct region *p;

	*out = NULL;
	*nout = 0;
	/* With len 0, a region straddling os would look overlapped. */
	if (!len || i >= j)
		return 0;
	p = malloc((j - i) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (size_t k = i; k < j; k++) {
		p[k - i] = map->v[k];
		if (p[k - i].start < os)
			p[k - i].start = os;
		if (p[k - i].end > os + len)
			p[k - i].end = os + len;
		p[k - i].start = p[k - i].start - os + ns;
		p[k - i].end = p[k - i].end - os + ns;
	}
	*out = p;
	*nout = j - i;
	return 0;
}

int regions_move(struct region_map *map, uint64_t old_addr, uint64_t old_len,
		 uint64_t new_addr, uint64_t new_len, bool keep_old)
{
	uint64_t os, oe, ns, ne, olen, nlen;
	struct region *moved;
	size_t nmoved;

	if (!round_range(old_addr, end_of(old_addr, old_len), &os, &oe))
		os = oe = EMT_PAGE_DOWN(old_addr);
	if (!round_range(new_addr, end_of(new_addr, new_len), &ns, &ne))
		ns = ne = EMT_PAGE_DOWN(new_addr);
	olen = oe - os;
	nlen = ne - ns;
	if (collect_moved(map, os, olen < nlen ? olen : nlen, ns, &moved,
			  &nmoved) < 0)
		return -ENOMEM;
	/* Removing old and new may split one entry each. */
	if (reserve(map, nmoved + 2) < 0) {
		free(moved);
		return -ENOMEM;
	}
	/* The grown tail inherits the last old page, if that was tracked. */
	if (nlen > olen && nmoved && moved[nmoved - 1].end == ns + olen)
		moved[nmoved - 1].end = ne;
	if (!keep_old && os < oe)
		splice(map, os, oe, NULL, 0);
	/* Whatever was at the destination is unmapped by the kernel. */
	if (ns < ne)
		splice(map, ns, ne, moved, nmoved);
	free(moved);
	return 0;
}

uint64_t regions_count_pages(const struct region_map *map, uint64_t start,
			     uint64_t end)
{
	uint64_t s, e, bytes = 0;

	if (!round_range(start, end, &s, &e))
		return 0;
	for (size_t i = first_ending_after(map, s);
	     i < map->n && map->v[i].start < e; i++) {
		uint64_t a = map->v[i].start > s ? map->v[i].start : s;
		uint64_t b = map->v[i].end < e ? map->v[i].end : e;

		bytes += b - a;
	}
	return bytes / EMT_PAGE_SIZE;
}

const struct region *regions_next(const struct region_map *map, uint64_t addr)
{
	size_t i = first_ending_after(map, addr);

	return i < map->n ? &map->v[i] : NULL;
}
