/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the region map. TAP output; exit status 1 if any failed.
 * The last tests replay thousands of random operations against a plain
 * per-page array, which is slow but obviously right.
 */
#include "regions.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define P EMT_PAGE_SIZE
#define BASE 0x400000ull
#define PG(x) (BASE + (uint64_t)(x) * P)
#define R(a, b, at) { PG(a), PG(b), at }
#define TOP_LIMIT EMT_PAGE_DOWN(UINT64_MAX)

static const struct region_attr A = {
	.asked = PROT_READ | PROT_WRITE, .granted = PROT_READ | PROT_WRITE, .origin = 1, .seq = 0
};
static const struct region_attr B = {
	.asked = PROT_READ | PROT_EXEC, .granted = PROT_READ | PROT_EXEC, .origin = 1, .seq = 1
};
static const struct region_attr C = {
	.asked = PROT_READ | PROT_WRITE | PROT_EXEC, .granted = PROT_READ | PROT_WRITE, .origin = 2, .seq = 0
};
static const struct region_attr D = {
	.asked = PROT_READ, .granted = PROT_READ, .origin = 3, .seq = 7
};

static int failed;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			printf("# %s:%d: check failed: %s\n", __FILE__,      \
			       __LINE__, #cond);                             \
			failed = 1;                                          \
		}                                                            \
	} while (0)

#define EXPECT_MAP(m, ...)                                                   \
	do {                                                                 \
		const struct region exp_[] = { __VA_ARGS__ };                \
		CHECK(map_is(m, exp_, sizeof(exp_) / sizeof(exp_[0])));      \
	} while (0)

#define EXPECT_EMPTY(m) CHECK(map_is(m, NULL, 0))

static bool attr_same(const struct region_attr *a, const struct region_attr *b)
{
	return a->asked == b->asked && a->granted == b->granted &&
	       a->origin == b->origin && a->seq == b->seq;
}

static void dump(const char *what, const struct region *v, size_t n)
{
	printf("# %s (%zu):\n", what, n);
	for (size_t i = 0; i < n; i++)
		printf("#   [%#" PRIx64 ", %#" PRIx64 ") %u/%u/%u/%" PRIu32 "\n",
		       v[i].start, v[i].end, v[i].attr.asked,
		       v[i].attr.granted, v[i].attr.origin, v[i].attr.seq);
}

/* Sorted, page aligned, non-empty, non-overlapping, fully merged. */
static bool invariants_hold(const struct region_map *m)
{
	if (m->n > m->cap || (m->n && !m->v))
		return false;
	for (size_t i = 0; i < m->n; i++) {
		const struct region *r = &m->v[i];

		if (r->start % P || r->end % P || r->start >= r->end)
			return false;
		if (i && r->start < m->v[i - 1].end)
			return false;
		if (i && r->start == m->v[i - 1].end &&
		    attr_same(&r->attr, &m->v[i - 1].attr))
			return false;
	}
	return true;
}

static bool map_is(const struct region_map *m, const struct region *exp,
		   size_t n)
{
	bool same = m->n == n && invariants_hold(m);

	for (size_t i = 0; same && i < n; i++)
		same = m->v[i].start == exp[i].start &&
		       m->v[i].end == exp[i].end &&
		       attr_same(&m->v[i].attr, &exp[i].attr);
	if (!same) {
		dump("map", m->v, m->n);
		dump("expected", exp, n);
	}
	return same;
}

static void t_empty(void)
{
	struct region_map m;

	regions_init(&m);
	CHECK(regions_find(&m, PG(0)) == NULL);
	CHECK(regions_count_pages(&m, 0, UINT64_MAX) == 0);
	CHECK(regions_remove(&m, PG(0), PG(10)) == 0);
	EXPECT_EMPTY(&m);
	regions_free(&m);
}

static void t_set_find(void)
{
	struct region_map m;
	const struct region *r;

	regions_init(&m);
	CHECK(regions_set(&m, PG(1), PG(3), &C) == 0);
	EXPECT_MAP(&m, R(1, 3, C));
	r = regions_find(&m, PG(1));
	CHECK(r && r->start == PG(1) && r->end == PG(3));
	CHECK(r && attr_same(&r->attr, &C));
	CHECK(regions_find(&m, PG(3) - 1) == r);
	CHECK(regions_find(&m, PG(3)) == NULL);
	CHECK(regions_find(&m, PG(1) - 1) == NULL);
	CHECK(regions_find(&m, 0) == NULL);
	CHECK(regions_find(&m, UINT64_MAX) == NULL);
	regions_free(&m);
}

static void t_find_many(void)
{
	struct region_map m;
	bool ok = true;

	regions_init(&m);
	/* Every other page, alternating attributes: nothing may merge. */
	for (int i = 0; i < 2000; i++)
		CHECK(regions_set(&m, PG(2 * i), PG(2 * i + 1),
				  i % 2 ? &A : &B) == 0);
	CHECK(m.n == 2000 && invariants_hold(&m));
	for (int i = 0; i < 4000 && ok; i++) {
		const struct region *r = regions_find(&m, PG(i) + 123);

		ok = i % 2 ? r == NULL : r && r->start == PG(i);
	}
	CHECK(ok);
	regions_free(&m);
}

static void t_rounding(void)
{
	struct region_map m;

	regions_init(&m);
	/* A one-byte range covers its whole page, like mprotect(len=1). */
	CHECK(regions_set(&m, PG(1) + 0x234, PG(1) + 0x235, &A) == 0);
	EXPECT_MAP(&m, R(1, 2, A));
	/* start rounds down, end rounds up: 0x1001 bytes span 2 pages. */
	CHECK(regions_set(&m, PG(5) + 1, PG(6) + 2, &B) == 0);
	EXPECT_MAP(&m, R(1, 2, A), R(5, 7, B));
	CHECK(regions_remove(&m, PG(5) + 0xfff, PG(5) + 0x1000) == 0);
	EXPECT_MAP(&m, R(1, 2, A), R(6, 7, B));
	CHECK(regions_count_pages(&m, PG(6) + 5, PG(6) + 6) == 1);
	regions_free(&m);
}

static void t_empty_range(void)
{
	struct region_map m;

	regions_init(&m);
	CHECK(regions_set(&m, PG(2), PG(2), &A) == 0);
	CHECK(regions_set(&m, PG(4), PG(2), &A) == 0);
	EXPECT_EMPTY(&m);
	CHECK(regions_set(&m, PG(1), PG(9), &A) == 0);
	CHECK(regions_remove(&m, PG(3), PG(3)) == 0);
	CHECK(regions_remove(&m, PG(5), PG(3)) == 0);
	CHECK(regions_count_pages(&m, PG(5), PG(3)) == 0);
	EXPECT_MAP(&m, R(1, 9, A));
	regions_free(&m);
}

static void t_top_of_address_space(void)
{
	struct region_map m;

	regions_init(&m);
	/* The end rounds up past 2^64: it must clamp, not wrap to 0. */
	CHECK(regions_set(&m, TOP_LIMIT - 2 * P, UINT64_MAX, &A) == 0);
	CHECK(m.n == 1 && m.v[0].start == TOP_LIMIT - 2 * P &&
	      m.v[0].end == TOP_LIMIT);
	CHECK(regions_find(&m, TOP_LIMIT - 1) != NULL);
	CHECK(regions_find(&m, UINT64_MAX) == NULL);
	CHECK(regions_count_pages(&m, 0, UINT64_MAX) == 2);
	CHECK(regions_remove(&m, TOP_LIMIT - P + 1, UINT64_MAX) == 0);
	CHECK(m.n == 1 && m.v[0].end == TOP_LIMIT - P);
	CHECK(regions_remove(&m, TOP_LIMIT - 2 * P + 1, UINT64_MAX) == 0);
	CHECK(m.n == 0);
	/* mremap lengths that overflow clamp the same way. */
	CHECK(regions_set(&m, PG(0), PG(2), &B) == 0);
	CHECK(regions_move(&m, PG(0), 2 * P, TOP_LIMIT - P, UINT64_MAX,
			   false) == 0);
	CHECK(m.n == 1 && m.v[0].start == TOP_LIMIT - P &&
	      m.v[0].end == TOP_LIMIT && attr_same(&m.v[0].attr, &B));
	regions_free(&m);
}

static void t_one_tib(void)
{
	struct region_map m;
	uint64_t tib = 1ull << 40;

	regions_init(&m);
	CHECK(regions_set(&m, tib, 2 * tib, &C) == 0);
	CHECK(m.n == 1);
	CHECK(regions_count_pages(&m, 0, UINT64_MAX) == tib / P);
	/* Built in 1 GiB steps it must still collapse to one entry. */
	regions_clear(&m);
	for (uint64_t a = tib; a < 2 * tib; a += 1ull << 30)
		CHECK(regions_set(&m, a, a + (1ull << 30), &C) == 0);
	CHECK(m.n == 1 && m.v[0].start == tib && m.v[0].end == 2 * tib);
	regions_free(&m);
}

static void t_merge_neighbours(void)
{
	struct region_map m;

	regions_init(&m);
	CHECK(regions_set(&m, PG(1), PG(2), &A) == 0);
	CHECK(regions_set(&m, PG(3), PG(4), &A) == 0);
	EXPECT_MAP(&m, R(1, 2, A), R(3, 4, A));
	/* Filling the gap joins all three. */
	CHECK(regions_set(&m, PG(2), PG(3), &A) == 0);
	EXPECT_MAP(&m, R(1, 4, A));
	/* Different attributes stay apart even when adjacent. */
	CHECK(regions_set(&m, PG(4), PG(5), &B) == 0);
	EXPECT_MAP(&m, R(1, 4, A), R(4, 5, B));
	/* seq alone differing is enough to keep them apart. */
	struct region_attr a2 = A;
	a2.seq = 9;
	CHECK(regions_set(&m, PG(0), PG(1), &a2) == 0);
	EXPECT_MAP(&m, R(0, 1, a2), R(1, 4, A), R(4, 5, B));
	regions_free(&m);
}

static void t_set_split_middle(void)
{
	struct region_map m;

	regions_init(&m);
	CHECK(regions_set(&m, PG(1), PG(16), &A) == 0);
	CHECK(regions_set(&m, PG(4), PG(6), &B) == 0);
	EXPECT_MAP(&m, R(1, 4, A), R(4, 6, B), R(6, 16, A));
	/* Setting it back to A restores one entry. */
	CHECK(regions_set(&m, PG(4), PG(6), &A) == 0);
	EXPECT_MAP(&m, R(1, 16, A));
	regions_free(&m);
}

static void t_set_fixed_over_two(void)
{
	struct region_map m;

	regions_init(&m);
	CHECK(regions_set(&m, PG(1), PG(5), &A) == 0);
	CHECK(regions_set(&m, PG(5), PG(10), &B) == 0);
	/* MAP_FIXED over the tail of one and the head of the next. */
	CHECK(regions_set(&m, PG(3), PG(7), &C) == 0);
	EXPECT_MAP(&m, R(1, 3, A), R(3, 7, C), R(7, 10, B));
	/* Over several whole regions and the gaps between them. */
	CHECK(regions_set(&m, PG(12), PG(13), &D) == 0);
	CHECK(regions_set(&m, PG(2), PG(14), &D) == 0);
	EXPECT_MAP(&m, R(1, 2, A), R(2, 14, D));
	regions_free(&m);
}

static void t_remove_middle(void)
{
	struct region_map m;

	regions_init(&m);
	CHECK(regions_set(&m, PG(1), PG(10), &A) == 0);
	CHECK(regions_remove(&m, PG(4), PG(6)) == 0);
	EXPECT_MAP(&m, R(1, 4, A), R(6, 10, A));
	CHECK(regions_find(&m, PG(5)) == NULL);
	CHECK(regions_remove(&m, PG(1), PG(4)) == 0);
	EXPECT_MAP(&m, R(6, 10, A));
	CHECK(regions_remove(&m, PG(9), PG(100)) == 0);
	EXPECT_MAP(&m, R(6, 9, A));
	regions_free(&m);
}

static void t_remove_several(void)
{
	struct region_map m;

	regions_init(&m);
	CHECK(regions_set(&m, PG(1), PG(3), &A) == 0);
	CHECK(regions_set(&m, PG(4), PG(6), &B) == 0);
	CHECK(regions_set(&m, PG(6), PG(9), &C) == 0);
	CHECK(regions_set(&m, PG(10), PG(12), &A) == 0);
	CHECK(regions_remove(&m, PG(2), PG(11)) == 0);
	EXPECT_MAP(&m, R(1, 2, A), R(11, 12, A));
	/* Re-filling with A must not merge across what is still a gap. */
	CHECK(regions_set(&m, PG(3), PG(10), &A) == 0);
	EXPECT_MAP(&m, R(1, 2, A), R(3, 10, A), R(11, 12, A));
	regions_free(&m);
}

static void add_exec(struct region_attr *attr, void *ctx)
{
	(*(int *)ctx)++;
	attr->granted |= PROT_EXEC;
}

static void set_to_a(struct region_attr *attr, void *ctx)
{
	(void)ctx;
	*attr = A;
}

static void t_update_partial_gaps(void)
{
	struct region_map m;
	struct region_attr ax = A, dx = D;
	int calls = 0;

	ax.granted |= PROT_EXEC;
	dx.granted |= PROT_EXEC;
	regions_init(&m);
	CHECK(regions_set(&m, PG(1), PG(3), &A) == 0);
	CHECK(regions_set(&m, PG(5), PG(8), &D) == 0);
	CHECK(regions_update(&m, PG(2), PG(6), add_exec, &calls) == 0);
	/* One call per piece inside the range; the gap stays untracked. */
	CHECK(calls == 2);
	EXPECT_MAP(&m, R(1, 2, A), R(2, 3, ax), R(5, 6, dx), R(6, 8, D));
	CHECK(regions_count_pages(&m, PG(0), PG(10)) == 5);
	/* A range that only covers a gap calls nothing. */
	calls = 0;
	CHECK(regions_update(&m, PG(3), PG(5), add_exec, &calls) == 0);
	CHECK(calls == 0);
	EXPECT_MAP(&m, R(1, 2, A), R(2, 3, ax), R(5, 6, dx), R(6, 8, D));
	regions_free(&m);
}

static void t_update_merge_back(void)
{
	struct region_map m;
	int calls = 0;

	regions_init(&m);
	CHECK(regions_set(&m, PG(1), PG(10), &A) == 0);
	CHECK(regions_update(&m, PG(4), PG(5) + 1, add_exec, &calls) == 0);
	CHECK(m.n == 3);
	CHECK(regions_update(&m, PG(4), PG(6), set_to_a, NULL) == 0);
	EXPECT_MAP(&m, R(1, 10, A));
	/* Neighbours of different origin become equal: they merge too. */
	CHECK(regions_set(&m, PG(10), PG(12), &B) == 0);
	CHECK(regions_set(&m, PG(12), PG(14), &A) == 0);
	CHECK(regions_update(&m, PG(10), PG(12), set_to_a, NULL) == 0);
	EXPECT_MAP(&m, R(1, 14, A));
	/* An update that changes nothing leaves no split behind. */
	CHECK(regions_update(&m, PG(3), PG(7), set_to_a, NULL) == 0);
	EXPECT_MAP(&m, R(1, 14, A));
	regions_free(&m);
}

static void t_move_simple(void)
{
	struct region_map m;

	regions_init(&m);
	CHECK(regions_set(&m, PG(1), PG(2), &A) == 0);
	CHECK(regions_set(&m, PG(2), PG(3), &B) == 0);
	CHECK(regions_move(&m, PG(1), 2 * P, PG(20), 2 * P, false) == 0);
	EXPECT_MAP(&m, R(20, 21, A), R(21, 22, B));
	/* Unaligned length rounds up like the kernel's. */
	CHECK(regions_move(&m, PG(20), P + 1, PG(30), P + 1, false) == 0);
	EXPECT_MAP(&m, R(30, 31, A), R(31, 32, B));
	regions_free(&m);
}

static void t_move_shrink(void)
{
	struct region_map m;

	regions_init(&m);
	CHECK(regions_set(&m, PG(1), PG(3), &A) == 0);
	CHECK(regions_set(&m, PG(3), PG(5), &B) == 0);
	CHECK(regions_move(&m, PG(1), 4 * P, PG(1), 3 * P, false) == 0);
	EXPECT_MAP(&m, R(1, 3, A), R(3, 4, B));
	/* Shrinking while moving forgets the pages past new_len. */
	CHECK(regions_move(&m, PG(1), 3 * P, PG(10), P, false) == 0);
	EXPECT_MAP(&m, R(10, 11, A));
	regions_free(&m);
}

static void t_move_grow(void)
{
	struct region_map m;

	regions_init(&m);
	/* In place: the tail takes the attributes of the last page. */
	CHECK(regions_set(&m, PG(1), PG(2), &A) == 0);
	CHECK(regions_set(&m, PG(2), PG(3), &B) == 0);
	CHECK(regions_move(&m, PG(1), 2 * P, PG(1), 5 * P, false) == 0);
	EXPECT_MAP(&m, R(1, 2, A), R(2, 6, B));
	/* Moving: the same, at the new place. */
	CHECK(regions_move(&m, PG(1), 5 * P, PG(10), 6 * P, false) == 0);
	EXPECT_MAP(&m, R(10, 11, A), R(11, 16, B));
	/* Last old page untracked: the tail stays untracked. */
	CHECK(regions_move(&m, PG(10), 7 * P, PG(20), 9 * P, false) == 0);
	EXPECT_MAP(&m, R(20, 21, A), R(21, 26, B));
	regions_free(&m);
}

static void t_move_overlap(void)
{
	struct region_map m;

	regions_init(&m);
	CHECK(regions_set(&m, PG(1), PG(2), &A) == 0);
	CHECK(regions_set(&m, PG(2), PG(3), &B) == 0);
	CHECK(regions_set(&m, PG(3), PG(4), &C) == 0);
	/* Forward by one page: every page must land on an old one. */
	CHECK(regions_move(&m, PG(1), 3 * P, PG(2), 3 * P, false) == 0);
	EXPECT_MAP(&m, R(2, 3, A), R(3, 4, B), R(4, 5, C));
	/* Backward by two pages. */
	CHECK(regions_move(&m, PG(2), 3 * P, PG(0), 3 * P, false) == 0);
	EXPECT_MAP(&m, R(0, 1, A), R(1, 2, B), R(2, 3, C));
	/* Overlapping and growing. */
	CHECK(regions_move(&m, PG(0), 3 * P, PG(1), 4 * P, false) == 0);
	EXPECT_MAP(&m, R(1, 2, A), R(2, 3, B), R(3, 5, C));
	regions_free(&m);
}

static void t_move_keep_old(void)
{
	struct region_map m;

	regions_init(&m);
	CHECK(regions_set(&m, PG(1), PG(3), &A) == 0);
	CHECK(regions_move(&m, PG(1), 2 * P, PG(10), 2 * P, true) == 0);
	EXPECT_MAP(&m, R(1, 3, A), R(10, 12, A));
	/* Adjacent equal result merges with the kept original. */
	CHECK(regions_move(&m, PG(1), 2 * P, PG(3), 2 * P, true) == 0);
	EXPECT_MAP(&m, R(1, 5, A), R(10, 12, A));
	regions_free(&m);
}

static void t_move_replaces_destination(void)
{
	struct region_map m;

	regions_init(&m);
	CHECK(regions_set(&m, PG(1), PG(2), &A) == 0);
	CHECK(regions_set(&m, PG(10), PG(14), &B) == 0);
	/* The kernel unmaps [new, new+new_len) first (MREMAP_FIXED). */
	CHECK(regions_move(&m, PG(1), 2 * P, PG(9), 3 * P, false) == 0);
	EXPECT_MAP(&m, R(9, 10, A), R(12, 14, B));
	/* Nothing tracked at the old range: the destination is cleared. */
	CHECK(regions_move(&m, PG(30), P, PG(12), P, false) == 0);
	EXPECT_MAP(&m, R(9, 10, A), R(13, 14, B));
	/* old_len 0 (shared duplicate): old stays, nothing tracked moves. */
	CHECK(regions_move(&m, PG(9), 0, PG(40), P, false) == 0);
	EXPECT_MAP(&m, R(9, 10, A), R(13, 14, B));
	/* ... also from inside a region: no empty piece may appear. */
	CHECK(regions_set(&m, PG(20), PG(24), &C) == 0);
	CHECK(regions_move(&m, PG(22), 0, PG(40), P, false) == 0);
	EXPECT_MAP(&m, R(9, 10, A), R(13, 14, B), R(20, 24, C));
	regions_free(&m);
}

static void t_copy(void)
{
	struct region_map m, c;

	regions_init(&m);
	regions_init(&c);
	CHECK(regions_copy(&c, &m) == 0);
	EXPECT_EMPTY(&c);
	CHECK(regions_set(&m, PG(1), PG(3), &A) == 0);
	CHECK(regions_set(&m, PG(5), PG(6), &B) == 0);
	CHECK(regions_copy(&c, &m) == 0);
	CHECK(c.v != m.v);
	EXPECT_MAP(&c, R(1, 3, A), R(5, 6, B));
	CHECK(regions_remove(&m, PG(0), PG(10)) == 0);
	EXPECT_MAP(&c, R(1, 3, A), R(5, 6, B));
	CHECK(regions_set(&c, PG(2), PG(3), &D) == 0);
	EXPECT_EMPTY(&m);
	/* Copying over a non-empty map replaces its contents. */
	CHECK(regions_set(&m, PG(7), PG(8), &C) == 0);
	CHECK(regions_copy(&c, &m) == 0);
	EXPECT_MAP(&c, R(7, 8, C));
	regions_free(&m);
	regions_free(&c);
}

static void t_clear_free(void)
{
	struct region_map m;

	regions_init(&m);
	CHECK(regions_set(&m, PG(1), PG(3), &A) == 0);
	CHECK(regions_set(&m, PG(5), PG(6), &B) == 0);
	regions_clear(&m);
	EXPECT_EMPTY(&m);
	CHECK(regions_find(&m, PG(1)) == NULL);
	CHECK(regions_set(&m, PG(2), PG(4), &C) == 0);
	EXPECT_MAP(&m, R(2, 4, C));
	regions_free(&m);
	CHECK(m.n == 0 && m.v == NULL && m.cap == 0);
	/* A freed map is an empty, usable map. */
	CHECK(regions_set(&m, PG(2), PG(4), &C) == 0);
	EXPECT_MAP(&m, R(2, 4, C));
	regions_free(&m);
}

static void t_count_pages(void)
{
	struct region_map m;

	regions_init(&m);
	CHECK(regions_set(&m, PG(1), PG(4), &A) == 0);
	CHECK(regions_set(&m, PG(6), PG(10), &B) == 0);
	CHECK(regions_count_pages(&m, 0, UINT64_MAX) == 7);
	CHECK(regions_count_pages(&m, PG(2), PG(8)) == 4);
	CHECK(regions_count_pages(&m, PG(4), PG(6)) == 0);
	CHECK(regions_count_pages(&m, PG(3) + 1, PG(6) + 1) == 2);
	CHECK(regions_count_pages(&m, PG(9), PG(9)) == 0);
	regions_free(&m);
}

/* ---- randomized comparison against a per-page model ---- */

#define NPAGES 256

struct model {
	bool tracked[NPAGES];
	struct region_attr attr[NPAGES];
};

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r, uint64_t bound)
{
	/* xorshift64*: reproducible on every libc. */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (r->s * 0x2545F4914F6CDD1Dull >> 11) % bound;
}

static struct region_attr rnd_attr(struct rng *r)
{
	/* Few distinct values, so that merges happen often. */
	static const struct region_attr *pool[] = { &A, &B, &C, &D };

	return *pool[rnd(r, 4)];
}

static void rnd_update_fn(struct region_attr *attr, void *ctx)
{
	switch (*(int *)ctx) {
	case 0:
		attr->granted ^= PROT_EXEC;
		break;
	case 1:
		attr->seq = (attr->seq + 1) % 3;
		break;
	default:
		*attr = A;
	}
}

/* A byte address that rounds to page pg: down for a start, up for an end. */
static uint64_t byte_addr(struct rng *r, uint64_t base, int pg, bool is_end)
{
	uint64_t a = base + (uint64_t)pg * P;

	if (is_end && pg > 0)
		return a - rnd(r, P);
	if (!is_end && pg < NPAGES)
		return a + rnd(r, P);
	return a;
}

static void rnd_range(struct rng *r, int *s, int *e)
{
	*s = (int)rnd(r, NPAGES + 1);
	*e = (int)rnd(r, NPAGES + 1);
	/* Sometimes reversed (an empty call), mostly ordered. */
	if (*s > *e && rnd(r, 8)) {
		int t = *s;

		*s = *e;
		*e = t;
	}
}

static void model_move(struct model *mo, int o, int ol, int n, int nl,
		       bool keep)
{
	struct model tmp = { 0 };
	int len = ol < nl ? ol : nl;

	for (int i = 0; i < len; i++) {
		tmp.tracked[i] = mo->tracked[o + i];
		tmp.attr[i] = mo->attr[o + i];
	}
	for (int i = len; i < nl && ol > 0 && mo->tracked[o + ol - 1]; i++) {
		tmp.tracked[i] = true;
		tmp.attr[i] = mo->attr[o + ol - 1];
	}
	for (int i = 0; i < ol && !keep; i++)
		mo->tracked[o + i] = false;
	for (int i = 0; i < nl; i++) {
		mo->tracked[n + i] = tmp.tracked[i];
		mo->attr[n + i] = tmp.attr[i];
	}
}

static int op_move(struct region_map *m, struct model *mo, struct rng *r,
		   uint64_t base)
{
	int o = (int)rnd(r, NPAGES), n = (int)rnd(r, NPAGES);
	int ol = (int)rnd(r, (uint64_t)(NPAGES - o) + 1);
	int nl = (int)rnd(r, (uint64_t)(NPAGES - n) + 1);
	bool keep = rnd(r, 6) == 0;
	uint64_t olen = ol ? (uint64_t)ol * P - rnd(r, P) : 0;
	uint64_t nlen = nl ? (uint64_t)nl * P - rnd(r, P) : 0;

	/* At the top of the address space, let the new end overflow. */
	if (base + (uint64_t)NPAGES * P == TOP_LIMIT && n + nl == NPAGES &&
	    rnd(r, 2))
		nlen = UINT64_MAX;
	model_move(mo, o, ol, n, nl, keep);
	return regions_move(m, base + (uint64_t)o * P, olen,
			    base + (uint64_t)n * P, nlen, keep);
}

static int op_range(struct region_map *m, struct model *mo, struct rng *r,
		    uint64_t base, int kind)
{
	int s, e, mode = (int)rnd(r, 3);
	uint64_t bs, be;
	struct region_attr at = rnd_attr(r);

	rnd_range(r, &s, &e);
	bs = byte_addr(r, base, s, false);
	be = byte_addr(r, base, e, true);
	if (e == NPAGES && base + (uint64_t)NPAGES * P == TOP_LIMIT &&
	    rnd(r, 2))
		be = UINT64_MAX;
	for (int i = s; i < e; i++) {
		if (kind == 0) {
			mo->tracked[i] = true;
			mo->attr[i] = at;
		} else if (kind == 1) {
			mo->tracked[i] = false;
		} else if (mo->tracked[i]) {
			rnd_update_fn(&mo->attr[i], &mode);
		}
	}
	if (kind == 0)
		return regions_set(m, bs, be, &at);
	if (kind == 1)
		return regions_remove(m, bs, be);
	return regions_update(m, bs, be, rnd_update_fn, &mode);
}

static size_t model_runs(const struct model *mo)
{
	size_t runs = 0;

	for (int i = 0; i < NPAGES; i++)
		runs += mo->tracked[i] &&
			(i == 0 || !mo->tracked[i - 1] ||
			 !attr_same(&mo->attr[i], &mo->attr[i - 1]));
	return runs;
}

static bool matches_model(const struct region_map *m, const struct model *mo,
			  uint64_t base, struct rng *r)
{
	uint64_t tracked = 0;

	if (!invariants_hold(m) || m->n != model_runs(mo))
		return false;
	if (m->n && (m->v[0].start < base ||
		     m->v[m->n - 1].end > base + (uint64_t)NPAGES * P))
		return false;
	for (int i = 0; i < NPAGES; i++) {
		const struct region *reg =
			regions_find(m, base + (uint64_t)i * P + rnd(r, P));

		if (!reg != !mo->tracked[i])
			return false;
		if (reg && !attr_same(&reg->attr, &mo->attr[i]))
			return false;
		tracked += mo->tracked[i];
	}
	return regions_count_pages(m, base, base + (uint64_t)NPAGES * P) ==
	       tracked;
}

static bool random_step(struct region_map *m, struct model *mo,
			struct rng *r, uint64_t base)
{
	uint64_t op = rnd(r, 100);
	int rc;

	if (op < 30)
		rc = op_range(m, mo, r, base, 0);
	else if (op < 50)
		rc = op_range(m, mo, r, base, 1);
	else if (op < 75)
		rc = op_range(m, mo, r, base, 2);
	else if (op < 99)
		rc = op_move(m, mo, r, base);
	else {
		regions_clear(m);
		memset(mo, 0, sizeof(*mo));
		rc = 0;
	}
	return rc == 0 && matches_model(m, mo, base, r);
}

static void run_random(uint64_t seed, uint64_t base, int steps)
{
	struct region_map m, c;
	struct model mo = { 0 };
	struct rng r = { seed };
	int i;

	regions_init(&m);
	regions_init(&c);
	for (i = 0; i < steps; i++) {
		if (!random_step(&m, &mo, &r, base))
			break;
		/* A copy must match too, and later steps must not touch it. */
		if (i % 97 == 0 && regions_copy(&c, &m) < 0)
			break;
	}
	if (i < steps) {
		printf("# diverged at step %d (seed %#" PRIx64 ")\n", i, seed);
		dump("map", m.v, m.n);
	}
	CHECK(i == steps);
	CHECK(c.n == 0 || invariants_hold(&c));
	regions_free(&m);
	regions_free(&c);
}

static void t_random_model(void)
{
	run_random(0x5eed1234abcdull, BASE, 20000);
	run_random(0x0badc0ffee11ull, 0x7f0000000000ull, 20000);
}

static void t_random_model_top(void)
{
	run_random(0x1234567887654321ull, TOP_LIMIT - NPAGES * P, 20000);
}

static void t_random_copy_independent(void)
{
	struct region_map m, c;
	struct model mo = { 0 }, snap;
	struct rng r = { 42 };
	bool ok = true;

	regions_init(&m);
	regions_init(&c);
	for (int i = 0; i < 200 && ok; i++) {
		ok = random_step(&m, &mo, &r, BASE);
		ok = ok && regions_copy(&c, &m) == 0;
		snap = mo;
		/* Mutate the original; the copy must still be the snapshot. */
		for (int k = 0; k < 5 && ok; k++)
			ok = random_step(&m, &mo, &r, BASE);
		ok = ok && matches_model(&c, &snap, BASE, &r);
	}
	CHECK(ok);
	regions_free(&m);
	regions_free(&c);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "empty map", t_empty },
	{ "set and find", t_set_find },
	{ "find among many regions", t_find_many },
	{ "unaligned ranges round out to pages", t_rounding },
	{ "empty and reversed ranges are no-ops", t_empty_range },
	{ "top of address space clamps, no wrap", t_top_of_address_space },
	{ "1 TiB range is one entry", t_one_tib },
	{ "equal neighbours merge, different do not", t_merge_neighbours },
	{ "set in the middle splits in three", t_set_split_middle },
	{ "MAP_FIXED-style set over parts of two regions", t_set_fixed_over_two },
	{ "remove in the middle splits", t_remove_middle },
	{ "remove spanning several regions", t_remove_several },
	{ "update partial range with gaps", t_update_partial_gaps },
	{ "update back to equal attributes merges", t_update_merge_back },
	{ "mremap move", t_move_simple },
	{ "mremap shrink", t_move_shrink },
	{ "mremap grow", t_move_grow },
	{ "mremap overlapping move", t_move_overlap },
	{ "mremap keep_old (MREMAP_DONTUNMAP)", t_move_keep_old },
	{ "mremap replaces the destination", t_move_replaces_destination },
	{ "copy is deep and independent", t_copy },
	{ "clear and free", t_clear_free },
	{ "count_pages", t_count_pages },
	{ "random ops match per-page model", t_random_model },
	{ "random ops at the top of the address space", t_random_model_top },
	{ "random copies stay independent", t_random_copy_independent },
};

int main(void)
{
	size_t n = sizeof(tests) / sizeof(tests[0]);
	int any = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		failed = 0;
		tests[i].fn();
		printf("%sok %zu - %s\n", failed ? "not " : "", i + 1,
		       tests[i].name);
		any |= failed;
	}
	return any;
}
