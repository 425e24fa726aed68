/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the region map. TAP output; exit status 1 if any failed.
 * The random tests replay thousands of operations against a plain per-page
 * array, which is slow but obviously right, also on maps that share nodes
 * through copies; then every allocation of a set of calls is made to fail
 * in turn, and a hostile-sized map is forked 50 times. The checks look
 * into the tree (regions_node.h): order, balance, heap order, refcounts.
 */
#include "model/regions_node.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

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
/* A with a writer: only the last field differs. */
static const struct region_attr E = {
	.asked = PROT_READ | PROT_WRITE, .granted = PROT_READ | PROT_WRITE, .origin = 1, .seq = 0,
	.writer = 0x7000
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

/* The map's own definition, so that fields added later count too. */
static bool attr_same(const struct region_attr *a, const struct region_attr *b)
{
	return region_attr_eq(a, b);
}

static void dump_one(const struct region *r)
{
	printf("#   [%#" PRIx64 ", %#" PRIx64 ") %u/%u/%u/%" PRIu32 "/%#" PRIx64 "\n",
	       r->start, r->end, r->attr.asked, r->attr.granted, r->attr.origin,
	       r->attr.seq, r->attr.writer);
}

static void dump(const char *what, const struct region *v, size_t n)
{
	printf("# %s (%zu):\n", what, n);
	for (size_t i = 0; i < n; i++)
		dump_one(&v[i]);
}

static size_t nregions(const struct region_map *m)
{
	size_t n = 0;

	for (const struct region *r = regions_next(m, 0); r;
	     r = regions_next(m, r->end))
		n++;
	return n;
}

static void dump_map(const char *what, const struct region_map *m)
{
	printf("# %s (%zu):\n", what, nregions(m));
	for (const struct region *r = regions_next(m, 0); r;
	     r = regions_next(m, r->end))
		dump_one(r);
}

/* The only region of m is [s, e). */
static bool single(const struct region_map *m, uint64_t s, uint64_t e)
{
	const struct region *r = regions_next(m, 0);

	return nregions(m) == 1 && r->start == s && r->end == e;
}

/* ---- the tree itself ---- */

struct tree_stats {
	const struct region *prev; /* in-order predecessor */
	size_t nodes, depth;
	bool ok;
};

/* A region on its own: page aligned and non-empty. */
static bool region_ok(const struct region *r)
{
	return r->start % P == 0 && r->end % P == 0 && r->start < r->end;
}

/* In order: sorted, non-overlapping, fully merged, heap-ordered. */
static void walk(const struct region_node *t, size_t depth,
		 struct tree_stats *st)
{
	if (!t)
		return;
	if (depth > st->depth)
		st->depth = depth;
	for (int i = 0; i < 2; i++)
		if (t->kid[i] && t->kid[i]->prio > t->prio)
			st->ok = false;
	walk(t->kid[0], depth + 1, st);
	if (!region_ok(&t->reg) || t->refs == 0)
		st->ok = false;
	if (st->prev && (t->reg.start < st->prev->end ||
			 (t->reg.start == st->prev->end &&
			  attr_same(&t->reg.attr, &st->prev->attr))))
		st->ok = false;
	st->prev = &t->reg;
	st->nodes++;
	walk(t->kid[1], depth + 1, st);
}

static size_t log2_up(size_t n)
{
	size_t l = 0;

	while (((size_t)1 << l) < n)
		l++;
	return l;
}

/* A treap is O(log n) deep with high probability; 4 log2 n + 10 is far
 * out in the tail. */
static bool depth_ok(size_t depth, size_t nodes)
{
	return depth <= 4 * log2_up(nodes + 1) + 10;
}

/* Sorted, page aligned, non-empty, non-overlapping, fully merged; the
 * tree balanced and heap-ordered; the API sees what the tree holds. */
static struct tree_stats tree_stats(const struct region_map *m)
{
	struct tree_stats st = { .ok = true };

	walk(m->root, 1, &st);
	return st;
}

static bool invariants_hold(const struct region_map *m)
{
	struct tree_stats st = tree_stats(m);

	if (!st.ok || !depth_ok(st.depth, st.nodes))
		return false;
	return nregions(m) == st.nodes && regions_empty(m) == !st.nodes;
}

/*
 * The distinct nodes reachable from a set of maps, with the references
 * each one receives from them: what refs must say, if the set holds every
 * map alive. An open-addressing hash set keyed by address.
 */
struct nodeset {
	const struct region_node **key;
	size_t *in, cap, n;
};

static size_t ns_hash(const struct region_node *p, size_t cap)
{
	return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull) & (cap - 1);
}

static size_t ns_find(const struct nodeset *s, const struct region_node *p)
{
	size_t i = ns_hash(p, s->cap);

	while (s->key[i] && s->key[i] != p)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void ns_grow(struct nodeset *s)
{
	struct nodeset big = { .cap = s->cap ? s->cap * 2 : 1024 };

	big.key = calloc(big.cap, sizeof(*big.key));
	big.in = calloc(big.cap, sizeof(*big.in));
	for (size_t i = 0; i < s->cap; i++) {
		if (s->key[i]) {
			size_t j = ns_find(&big, s->key[i]);

			big.key[j] = s->key[i];
			big.in[j] = s->in[i];
		}
	}
	big.n = s->n;
	free(s->key);
	free(s->in);
	*s = big;
}

/* Count one reference to p; whether p is new to the set. */
static bool ns_ref(struct nodeset *s, const struct region_node *p)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap)
		ns_grow(s);
	i = ns_find(s, p);
	s->in[i]++;
	if (s->key[i])
		return false;
	s->key[i] = p;
	s->n++;
	return true;
}

/* Visit every node reachable from the maps once, counting references. */
static void ns_fill(struct nodeset *s, const struct region_map *const *maps,
		    size_t nmaps)
{
	size_t cap = 1024, top = 0;
	const struct region_node **stack = malloc(cap * sizeof(*stack));

	for (size_t m = 0; m < nmaps; m++)
		if (maps[m]->root && ns_ref(s, maps[m]->root))
			stack[top++] = maps[m]->root;
	while (top) {
		const struct region_node *t = stack[--top];

		for (int k = 0; k < 2; k++) {
			if (!t->kid[k] || !ns_ref(s, t->kid[k]))
				continue;
			if (top == cap)
				stack = realloc(stack, (cap *= 2) * sizeof(*stack));
			stack[top++] = t->kid[k];
		}
	}
	free(stack);
}

/* Every node's refs is exactly what points at it from these maps (all the
 * maps alive). *nodes: how many distinct nodes they hold together. */
static bool refs_consistent(const struct region_map *const *maps,
			    size_t nmaps, size_t *nodes)
{
	struct nodeset s = { 0 };
	bool ok = true;

	ns_fill(&s, maps, nmaps);
	for (size_t i = 0; i < s.cap; i++)
		if (s.key[i] && s.key[i]->refs != s.in[i])
			ok = false;
	if (nodes)
		*nodes = s.n;
	free(s.key);
	free(s.in);
	return ok;
}

/* How many distinct nodes the maps hold together. */
static size_t distinct_nodes(const struct region_map *const *maps,
			     size_t nmaps)
{
	struct nodeset s = { 0 };

	ns_fill(&s, maps, nmaps);
	free(s.key);
	free(s.in);
	return s.n;
}

static bool map_is(const struct region_map *m, const struct region *exp,
		   size_t n)
{
	bool same = nregions(m) == n && invariants_hold(m);
	const struct region *r = regions_next(m, 0);

	for (size_t i = 0; same && i < n; i++, r = regions_next(m, r->end))
		same = r->start == exp[i].start && r->end == exp[i].end &&
		       attr_same(&r->attr, &exp[i].attr);
	if (!same) {
		dump_map("map", m);
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
	CHECK(nregions(&m) == 2000 && invariants_hold(&m));
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
	CHECK(single(&m, TOP_LIMIT - 2 * P, TOP_LIMIT));
	CHECK(regions_find(&m, TOP_LIMIT - 1) != NULL);
	CHECK(regions_find(&m, UINT64_MAX) == NULL);
	CHECK(regions_count_pages(&m, 0, UINT64_MAX) == 2);
	CHECK(regions_remove(&m, TOP_LIMIT - P + 1, UINT64_MAX) == 0);
	CHECK(single(&m, TOP_LIMIT - 2 * P, TOP_LIMIT - P));
	CHECK(regions_remove(&m, TOP_LIMIT - 2 * P + 1, UINT64_MAX) == 0);
	CHECK(regions_empty(&m));
	/* mremap lengths that overflow clamp the same way. */
	CHECK(regions_set(&m, PG(0), PG(2), &B) == 0);
	CHECK(regions_move(&m, PG(0), 2 * P, TOP_LIMIT - P, UINT64_MAX,
			   false) == 0);
	CHECK(single(&m, TOP_LIMIT - P, TOP_LIMIT) &&
	      attr_same(&regions_next(&m, 0)->attr, &B));
	regions_free(&m);
}

static void t_one_tib(void)
{
	struct region_map m;
	uint64_t tib = 1ull << 40;

	regions_init(&m);
	CHECK(regions_set(&m, tib, 2 * tib, &C) == 0);
	CHECK(nregions(&m) == 1);
	CHECK(regions_count_pages(&m, 0, UINT64_MAX) == tib / P);
	/* Built in 1 GiB steps it must still collapse to one entry. */
	regions_clear(&m);
	for (uint64_t a = tib; a < 2 * tib; a += 1ull << 30)
		CHECK(regions_set(&m, a, a + (1ull << 30), &C) == 0);
	CHECK(single(&m, tib, 2 * tib));
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
	CHECK(nregions(&m) == 3);
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
	/* O(1): the copy shares the tree until one side changes. */
	CHECK(c.root == m.root);
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
	CHECK(regions_empty(&m) && m.root == NULL);
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
	static const struct region_attr *pool[] = { &A, &B, &C, &D, &E };

	return *pool[rnd(r, 5)];
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

/* Set (kind 0), remove (1) or update (2) pages [s, e), passed to the map
 * as the byte range [bs, be), in the map and in the model. */
static int apply_range(struct region_map *m, struct model *mo, struct rng *r,
		       int kind, int s, int e, uint64_t bs, uint64_t be)
{
	int mode = (int)rnd(r, 3);
	struct region_attr at = rnd_attr(r);

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

static int op_range(struct region_map *m, struct model *mo, struct rng *r,
		    uint64_t base, int kind)
{
	int s, e;
	uint64_t bs, be;

	rnd_range(r, &s, &e);
	bs = byte_addr(r, base, s, false);
	be = byte_addr(r, base, e, true);
	if (e == NPAGES && base + (uint64_t)NPAGES * P == TOP_LIMIT &&
	    rnd(r, 2))
		be = UINT64_MAX;
	return apply_range(m, mo, r, kind, s, e, bs, be);
}

/* Update or set exactly one whole region, or one page: what emt does most
 * (a fault flips one page), and where an in-place shortcut would go. */
static int op_exact(struct region_map *m, struct model *mo, struct rng *r,
		    uint64_t base)
{
	int pg = (int)rnd(r, NPAGES), s = pg, e = pg + 1;
	const struct region *reg = regions_find(m, base + (uint64_t)pg * P);

	if (reg && rnd(r, 2)) {
		s = (int)((reg->start - base) / P);
		e = (int)((reg->end - base) / P);
	}
	return apply_range(m, mo, r, rnd(r, 4) ? 2 : 0, s, e,
			   base + (uint64_t)s * P, base + (uint64_t)e * P);
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

	const struct region *first = regions_next(m, 0);

	if (!invariants_hold(m) || nregions(m) != model_runs(mo))
		return false;
	/* Nothing outside [base, base + NPAGES pages). */
	if (first && (first->start < base ||
		      regions_next(m, base + (uint64_t)NPAGES * P)))
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
		dump_map("map", &m);
	}
	CHECK(i == steps);
	CHECK(invariants_hold(&c));
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

/* ---- copies sharing structure, each against its own model ---- */

#define NMAPS 6

/* Every map matches its model, and the refs of the nodes they share add
 * up: a change to one copy that leaked into another shows here. */
static bool all_match(struct region_map *m, struct model *mo, struct rng *r)
{
	const struct region_map *maps[NMAPS];

	for (int i = 0; i < NMAPS; i++) {
		maps[i] = &m[i];
		if (!matches_model(&m[i], &mo[i], BASE, r)) {
			printf("# map %d differs from its model\n", i);
			dump_map("map", &m[i]);
			return false;
		}
	}
	return refs_consistent(maps, NMAPS, NULL);
}

/* One random step on random maps: a copy (fork), a free, or an edit. */
static bool shared_step(struct region_map *m, struct model *mo,
			struct rng *r)
{
	int i = (int)rnd(r, NMAPS), j = (int)rnd(r, NMAPS);
	uint64_t op = rnd(r, 100);

	if (op < 15) {
		if (regions_copy(&m[j], &m[i]) < 0)
			return false;
		mo[j] = mo[i];
	} else if (op < 18) {
		regions_free(&m[i]);
		memset(&mo[i], 0, sizeof(mo[i]));
	} else if (op < 50) {
		if (op_exact(&m[i], &mo[i], r, BASE) < 0)
			return false;
	} else if (!random_step(&m[i], &mo[i], r, BASE)) {
		printf("# edit of map %d went wrong\n", i);
		return false;
	}
	return all_match(m, mo, r);
}

static void t_random_shared_copies(void)
{
	static struct model mo[NMAPS];
	struct region_map m[NMAPS];
	struct rng r = { 0xf0f0c0c0a5a5ull };
	int i, steps = 6000;

	memset(mo, 0, sizeof(mo));
	for (i = 0; i < NMAPS; i++)
		regions_init(&m[i]);
	for (i = 0; i < steps && shared_step(m, mo, &r); i++)
		;
	if (i < steps)
		printf("# diverged at step %d\n", i);
	CHECK(i == steps);
	for (i = 0; i < NMAPS; i++)
		regions_free(&m[i]);
}

/* ---- allocation failures ---- */

static long fail_at = -1; /* index of the allocation to fail, -1: none */
static long nalloc;       /* allocations since the last reset */

static void *test_alloc(size_t size)
{
	if (nalloc == fail_at)
		return NULL;
	nalloc++;
	return malloc(size);
}

static int count_calls(struct region_map *m, uint64_t s, uint64_t e,
		       int *calls)
{
	return regions_update(m, s, e, add_exec, calls);
}

/* Each case is one modifying call on the map built by enomem_base(). */
static int enomem_op(struct region_map *m, int which, int *calls)
{
	switch (which) {
	case 0: return regions_set(m, PG(3), PG(4), &D);
	case 1: return regions_set(m, PG(2), PG(30), &A);
	case 2: return regions_remove(m, PG(11), PG(12));
	case 3: return regions_remove(m, PG(3), PG(25));
	case 4: return count_calls(m, PG(3), PG(22), calls);
	case 5: return count_calls(m, PG(10), PG(11), calls);
	case 6: return regions_move(m, PG(1), 8 * P, PG(3), 8 * P, false);
	case 7: return regions_move(m, PG(10), 4 * P, PG(40), 9 * P, false);
	case 8: return regions_move(m, PG(1), 4 * P, PG(40), 4 * P, true);
	default: return regions_move(m, PG(20), 6 * P, PG(8), 2 * P, false);
	}
}
#define ENOMEM_OPS 10

static void enomem_base(struct region_map *m)
{
	CHECK(regions_set(m, PG(1), PG(5), &A) == 0);
	CHECK(regions_set(m, PG(5), PG(9), &B) == 0);
	CHECK(regions_set(m, PG(10), PG(14), &C) == 0);
	CHECK(regions_set(m, PG(12), PG(13), &E) == 0);
	CHECK(regions_set(m, PG(20), PG(24), &D) == 0);
	for (int i = 30; i < 60; i += 2)
		CHECK(regions_set(m, PG(i), PG(i + 1), i % 4 ? &A : &B) == 0);
}

struct snap {
	struct region v[64];
	size_t n;
};

/* The regions of m, copied out. */
static void snapshot(const struct region_map *m, struct snap *sn)
{
	sn->n = 0;
	for (const struct region *r = regions_next(m, 0); r && sn->n < 64;
	     r = regions_next(m, r->end))
		sn->v[sn->n++] = *r;
}

/*
 * Run case `which` with allocation number k failing, on the map alone or
 * sharing its tree with a copy: on -ENOMEM the map (and the copy) must be
 * exactly as before, fn uncalled; on success equal to a clean run.
 */
static int enomem_try(int which, bool shared, long k,
		      const struct snap *before, const struct snap *want)
{
	struct region_map m, other;
	const struct region_map *both[] = { &m, &other };
	int calls = 0, rc;

	regions_init(&m);
	regions_init(&other);
	enomem_base(&m);
	if (shared)
		regions_copy(&other, &m);
	nalloc = 0;
	fail_at = k;
	rc = enomem_op(&m, which, &calls);
	fail_at = -1;
	if (rc == -ENOMEM)
		CHECK(map_is(&m, before->v, before->n) && calls == 0);
	else
		CHECK(rc == 0 && map_is(&m, want->v, want->n));
	CHECK(!shared || map_is(&other, before->v, before->n));
	CHECK(refs_consistent(both, 2, NULL));
	regions_free(&m);
	regions_free(&other);
	return rc;
}

/* Fail each allocation of one call in turn, until the call gets through. */
static void enomem_case(int which, bool shared)
{
	struct snap before, want;
	struct region_map m;
	int calls = 0;
	long k = 0;

	regions_init(&m);
	enomem_base(&m);
	snapshot(&m, &before);
	CHECK(enomem_op(&m, which, &calls) == 0);
	snapshot(&m, &want);
	regions_free(&m);
	while (enomem_try(which, shared, k, &before, &want) == -ENOMEM)
		k++;
	/* Every case allocates: else this test would test nothing. */
	CHECK(k > 0);
	printf("# case %d%s: failed each of %ld allocations\n", which,
	       shared ? " (shared)" : "", k);
}

static void t_enomem(void)
{
	regions_alloc_hook = test_alloc;
	for (int i = 0; i < ENOMEM_OPS; i++) {
		enomem_case(i, false);
		enomem_case(i, true);
	}
	regions_alloc_hook = NULL;
}

/* ---- scale: a hostile map, and many forks of it ---- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bump_seq(struct region_attr *attr, void *ctx)
{
	(void)ctx;
	attr->seq++;
}

#define SCALE_COPIES 50
#define GIB (1ull << 30)
#define SCALE_PAGES (GIB / P)
#define SCALE_BASE 0x7f0000000000ull
#define SPG(x) (SCALE_BASE + (uint64_t)(x) * P)

/* 1 GiB of A with every other page B: SCALE_PAGES regions; then a change
 * to every page, one call each. */
static void scale_build(struct region_map *m)
{
	double t0 = now(), t1;

	CHECK(regions_set(m, SPG(0), SPG(SCALE_PAGES), &A) == 0);
	for (uint64_t i = 1; i < SCALE_PAGES; i += 2)
		CHECK(regions_set(m, SPG(i), SPG(i + 1), &B) == 0);
	t1 = now();
	for (uint64_t i = 0; i < SCALE_PAGES; i++)
		CHECK(regions_update(m, SPG(i), SPG(i + 1), bump_seq, NULL) == 0);
	printf("# %llu regions: built in %.2fs, %llu one-page updates in %.2fs\n",
	       (unsigned long long)SCALE_PAGES, t1 - t0,
	       (unsigned long long)SCALE_PAGES, now() - t1);
	CHECK(nregions(m) == SCALE_PAGES);
	CHECK(regions_count_pages(m, 0, UINT64_MAX) == SCALE_PAGES);
}

/* The page copy k changes. */
static uint64_t scale_page(int k)
{
	return (uint64_t)k * 5003 % SCALE_PAGES;
}

static bool has_c(const struct region_map *m, uint64_t pg)
{
	const struct region *r = regions_find(m, SPG(pg));

	return r && attr_same(&r->attr, &C);
}

/* Fork 50 times and change each child in one place. */
static void scale_fork(const struct region_map *m, struct region_map *c)
{
	double t0 = now();
	bool apart = true;

	for (int k = 0; k < SCALE_COPIES; k++) {
		regions_init(&c[k]);
		CHECK(regions_copy(&c[k], m) == 0);
		CHECK(regions_set(&c[k], SPG(scale_page(k)),
				  SPG(scale_page(k) + 1), &C) == 0);
	}
	printf("# %d copies, each changed in one place, in %.4fs\n",
	       SCALE_COPIES, now() - t0);
	/* Each change shows in its own copy only. */
	for (int k = 0; k < SCALE_COPIES; k++)
		for (int j = 0; j < SCALE_COPIES; j++)
			apart &= has_c(&c[j], scale_page(k)) == (j == k);
	for (int k = 0; k < SCALE_COPIES; k++)
		apart &= !has_c(m, scale_page(k));
	CHECK(apart);
}

/* Distinct nodes of m alone, then of m and its copies: the copies must
 * add one changed path each, not a whole map. */
static void scale_sharing(const struct region_map *m,
			  const struct region_map *c)
{
	const struct region_map *all[SCALE_COPIES + 1] = { m };
	size_t alone, shared, bound;

	for (int k = 0; k < SCALE_COPIES; k++)
		all[k + 1] = &c[k];
	alone = distinct_nodes(all, 1);
	CHECK(refs_consistent(all, SCALE_COPIES + 1, &shared));
	/* One path (below 4 log2 n + 10 deep) and a few new nodes each. */
	bound = SCALE_COPIES * (4 * log2_up(alone) + 10);
	printf("# nodes: %zu for the map (%zu bytes each, %.1f MiB), %zu for it and "
	       "its %d changed copies: %zu more (%.1f per copy, bound %zu)\n",
	       alone, sizeof(struct region_node),
	       (double)alone * sizeof(struct region_node) / (1 << 20), shared,
	       SCALE_COPIES, shared - alone,
	       (double)(shared - alone) / SCALE_COPIES, bound);
	printf("# tree depth %zu (log2 n = %zu)\n", tree_stats(m).depth,
	       log2_up(alone));
	CHECK(shared - alone <= bound);
}

static void t_scale(void)
{
	static struct region_map c[SCALE_COPIES];
	struct region_map m;
	double t0 = now(), took;

	regions_init(&m);
	scale_build(&m);
	CHECK(invariants_hold(&m));
	scale_fork(&m, c);
	scale_sharing(&m, c);
	for (int k = 0; k < SCALE_COPIES; k += 7)
		CHECK(invariants_hold(&c[k]));
	for (int k = 0; k < SCALE_COPIES; k++)
		regions_free(&c[k]);
	regions_free(&m);
	took = now() - t0;
	printf("# scale test took %.2fs\n", took);
	CHECK(took < 20);
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
	{ "copy shares the tree and stays independent", t_copy },
	{ "clear and free", t_clear_free },
	{ "count_pages", t_count_pages },
	{ "random ops match per-page model", t_random_model },
	{ "random ops at the top of the address space", t_random_model_top },
	{ "random copies stay independent", t_random_copy_independent },
	{ "random ops on copies sharing nodes match their models",
	  t_random_shared_copies },
	{ "-ENOMEM at every allocation leaves the map unchanged", t_enomem },
	{ "1 GiB of alternating pages, then 50 forks", t_scale },
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
