/* SPDX-License-Identifier: MIT */
/*
 * Region map as a persistent treap: a binary search tree on region start
 * whose nodes also obey a heap order on random priorities, which keeps its
 * depth O(log n) whatever order the regions come in.
 *
 * Nodes are reference counted, so a copy (fork) shares the root and costs
 * O(1). A node that anything besides the map being edited can reach (its
 * refs > 1, or it hangs below such a node) is never changed: the edit
 * takes a copy instead. Nodes the map holds alone are relinked in place,
 * so a map nobody shares pays no copying at all. Every change is one edit:
 *
 *   1. read the window: the regions touching [s, e], whole, in order;
 *   2. allocate everything: the nodes of the result, and one copy for
 *      each shared node the splits of step 4 can meet (counted on their
 *      search paths);
 *   3. compute the regions that replace the window, merging equal
 *      neighbours (regions_update's fn runs here, on the unchanged map);
 *   4. split the tree around the window, drop the window, and join
 *      below + the new nodes + above.
 *
 * Only 1-2 can fail, and they change nothing, so -ENOMEM leaves the map as
 * it was and fn uncalled. regions_move makes two edits, so it holds a
 * reference to the old root meanwhile: the first edit then finds every
 * node shared and copies, and a failing second edit just drops its copy.
 */
#include "model/regions_node.h"

#include <errno.h>
#include <stdlib.h>

/*
 * The last page [2^64 - 4096, 2^64) cannot be described with an exclusive
 * 64-bit end, so ranges are clamped below it. It is kernel space on x86_64
 * anyway: no tracee can map it.
 */
#define ADDR_LIMIT EMT_PAGE_DOWN(UINT64_MAX)

/* Test-only: see regions_node.h. */
void *(*regions_alloc_hook)(size_t size);

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

/* Cut r down to [s, e); whether anything is left. */
static bool clip(struct region *r, uint64_t s, uint64_t e)
{
	if (r->start < s)
		r->start = s;
	if (r->end > e)
		r->end = e;
	return r->start < r->end;
}

static void *mem_alloc(size_t size)
{
	return regions_alloc_hook ? regions_alloc_hook(size) : malloc(size);
}

static struct region *alloc_regions(size_t n)
{
	if (n > SIZE_MAX / sizeof(struct region))
		return NULL;
	return mem_alloc(n * sizeof(struct region));
}

/* xorshift64*: cheap, and private to the map, so no shared state. */
static uint32_t next_prio(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545F4914F6CDD1Dull) >> 32);
}

static struct region_node *node_get(struct region_node *n)
{
	if (n)
		n->refs++;
	return n;
}

/*
 * Drop one reference to the tree at n and free the nodes nobody else
 * uses. Without recursion, so that no shape can exhaust the stack: a left
 * child that dies too is rotated above its parent, so the walk only ever
 * goes right. A node met with refs == 0 is such a parent, already dead.
 */
static void tree_put(struct region_node *n)
{
	struct region_node *cur = n && --n->refs == 0 ? n : NULL;

	while (cur) {
		struct region_node *l = cur->kid[0], *next;

		if (l && l->refs == 1) {
			cur->kid[0] = l->kid[1];
			l->kid[1] = cur;
			l->refs = 0;
			cur = l;
			continue;
		}
		if (l)
			l->refs--;
		next = cur->kid[1];
		free(cur);
		cur = next && (next->refs == 0 || --next->refs == 0) ? next : NULL;
	}
}

/* Point *root at n, releasing what it pointed at. */
static void swap_root(struct region_node **root, struct region_node *n)
{
	struct region_node *old = *root;

	*root = n;
	tree_put(old);
}

/* The node of the first region ending after addr, or NULL. */
static const struct region_node *first_ending_after(const struct region_node *t,
						    uint64_t addr)
{
	const struct region_node *best = NULL;

	while (t) {
		if (t->reg.end > addr) {
			best = t;
			t = t->kid[0];
		} else {
			t = t->kid[1];
		}
	}
	return best;
}

static bool overlaps(const struct region_node *t, uint64_t s, uint64_t e)
{
	const struct region_node *n = first_ending_after(t, s);

	return n && n->reg.start < e;
}

/*
 * Count (out NULL) or copy to out[*n...] the regions overlapping [lo, hi),
 * in order. Recursion only on the left, at most the depth of the tree.
 */
static void collect(const struct region_node *t, uint64_t lo, uint64_t hi,
		    struct region *out, size_t *n)
{
	while (t) {
		if (t->reg.end <= lo) {
			t = t->kid[1];
		} else if (t->reg.start >= hi) {
			t = t->kid[0];
		} else {
			collect(t->kid[0], lo, hi, out, n);
			if (out)
				out[*n] = t->reg;
			(*n)++;
			t = t->kid[1];
		}
	}
}

/* The regions of t overlapping [lo, hi) in a new array (NULL if none). */
static int collect_array(const struct region_node *t, uint64_t lo, uint64_t hi,
			 struct region **out, size_t *n)
{
	size_t count = 0;

	*out = NULL;
	*n = 0;
	collect(t, lo, hi, NULL, &count);
	if (!count)
		return 0;
	*out = alloc_regions(count);
	if (!*out)
		return -ENOMEM;
	collect(t, lo, hi, *out, n);
	return 0;
}

/*
 * How many nodes a split at key would copy: those on its search path from
 * the first shared one down (the copy of a node shares its children, so
 * they are shared by then). Splitting what is left of the tree at a higher
 * key meets no shared node beyond those on its own path in the whole tree,
 * so the counts of the two paths bound the copies of both splits.
 */
static size_t shared_on_path(const struct region_node *t, uint64_t key)
{
	bool shared = false;
	size_t n = 0;

	while (t) {
		shared = shared || t->refs > 1;
		n += shared;
		t = t->kid[t->reg.start < key];
	}
	return n;
}

/*
 * Concatenate a and b (every region of a below every region of b), linking
 * in place along a's right spine and b's left spine: only for step 4 of an
 * edit, where split() has made those nodes the edit's own.
 */
static struct region_node *join(struct region_node *a, struct region_node *b)
{
	struct region_node *root = NULL, **link = &root;

	while (a && b) {
		if (a->prio >= b->prio) {
			*link = a;
			link = &a->kid[1];
			a = a->kid[1];
		} else {
			*link = b;
			link = &b->kid[0];
			b = b->kid[0];
		}
	}
	*link = a ? a : b;
	return root;
}

/* One change of [s, e), as described at the top of this file. */
/* Windows up to this size live in the edit itself: most edits touch a
 * region or two, and then removing a whole region allocates nothing (so it
 * works when memory has run out, see untrack.c). */
#define EDIT_SMALL 16

struct edit {
	uint64_t s, e;
	uint64_t lo_key, hi_key;  /* the window: regions starting in between */
	struct region *win;       /* regions touching [s, e], whole */
	size_t nwin;
	struct region *out;       /* what replaces them, merged */
	size_t nout;
	struct region_node *pool; /* allocated in step 2, linked by kid[1] */
	uint64_t *rng;
	struct region small[EDIT_SMALL];
};

/* Release what the edit still holds: scratch space, unused nodes. */
static void edit_end(struct edit *ed)
{
	while (ed->pool) {
		struct region_node *n = ed->pool;

		ed->pool = n->kid[1];
		free(n);
	}
	if (ed->win != ed->small)
		free(ed->win);
}

static struct region_node *pool_take(struct edit *ed)
{
	struct region_node *n = ed->pool;

	ed->pool = n->kid[1];
	n->kid[0] = n->kid[1] = NULL;
	n->refs = 1;
	return n;
}

/*
 * A node of the new tree for t, taking over the caller's reference to t:
 * t itself if nothing else holds it, else a copy (t's other holders keep
 * t as it was).
 */
static struct region_node *own(struct edit *ed, struct region_node *t)
{
	struct region_node *c;

	if (t->refs == 1)
		return t;
	c = pool_take(ed);
	c->reg = t->reg;
	c->prio = t->prio;
	c->kid[0] = node_get(t->kid[0]);
	c->kid[1] = node_get(t->kid[1]);
	t->refs--;
	return c;
}

/*
 * Split the tree t (the caller's reference) into the regions starting
 * below key, *lo, and the rest, *hi. Every node on the search path goes
 * through own(), so the inner spines of both parts are the edit's own.
 */
static void split(struct edit *ed, struct region_node *t, uint64_t key,
		  struct region_node **lo, struct region_node **hi)
{
	while (t) {
		struct region_node *n = own(ed, t);
		bool low = n->reg.start < key; /* n and all left of it */

		if (low) {
			*lo = n;
			lo = &n->kid[1];
		} else {
			*hi = n;
			hi = &n->kid[0];
		}
		t = n->kid[low];
	}
	*lo = *hi = NULL;
}

/*
 * Step 1, for at most nins regions of the caller's inside [s, e). The
 * window takes in the regions that merely touch [s, e) (ending at s,
 * starting at e) because the new pages may merge with them. One array
 * holds the window and, after it, the result: at most the window's pieces
 * inside [s, e) or the caller's, and one piece on each side.
 */
static int edit_begin(struct edit *ed, const struct region_node *t,
		      uint64_t s, uint64_t e, size_t nins)
{
	/* e <= ADDR_LIMIT, so e + 1 cannot wrap. */
	uint64_t lo = s ? s - 1 : 0, hi = e + 1;
	size_t n = 0;

	*ed = (struct edit){ .s = s, .e = e, .lo_key = s, .hi_key = s };
	collect(t, lo, hi, NULL, &n);
	if (n > (SIZE_MAX - nins - 2) / 2)
		return -ENOMEM;
	ed->win = 2 * n + nins + 2 <= EDIT_SMALL ? ed->small
						 : alloc_regions(2 * n + nins + 2);
	if (!ed->win)
		return -ENOMEM;
	collect(t, lo, hi, ed->win, &ed->nwin);
	ed->out = ed->win + n;
	if (n) {
		ed->lo_key = ed->win[0].start;
		ed->hi_key = ed->win[n - 1].end;
	}
	return 0;
}

/* Whether the window has a piece below s, and one above e, to keep. */
static size_t edit_sides(const struct edit *ed)
{
	return (ed->nwin && ed->win[0].start < ed->s) +
	       (ed->nwin && ed->win[ed->nwin - 1].end > ed->e);
}

/* Step 2, for nmid regions inside [s, e). */
static int edit_reserve(struct edit *ed, const struct region_node *t,
			size_t nmid, uint64_t *rng)
{
	size_t n = shared_on_path(t, ed->lo_key) +
		   shared_on_path(t, ed->hi_key) + nmid + edit_sides(ed);

	ed->rng = rng;
	for (size_t i = 0; i < n; i++) {
		struct region_node *c = mem_alloc(sizeof(*c));

		if (!c) {
			edit_end(ed);
			return -ENOMEM;
		}
		c->kid[1] = ed->pool;
		ed->pool = c;
	}
	return 0;
}

/* Append r to the result, merging it into the last region if equal. */
static void edit_push(struct edit *ed, const struct region *r)
{
	struct region *last = ed->nout ? &ed->out[ed->nout - 1] : NULL;

	if (last && last->end == r->start &&
	    region_attr_eq(&last->attr, &r->attr))
		last->end = r->end;
	else
		ed->out[ed->nout++] = *r;
}

/* What the first window region keeps below s (a neighbour: all of it). */
static void edit_head(struct edit *ed)
{
	struct region r;

	if (!ed->nwin || ed->win[0].start >= ed->s)
		return;
	r = ed->win[0];
	r.end = ed->s;
	edit_push(ed, &r);
}

/* What the last window region keeps above e. */
static void edit_tail(struct edit *ed)
{
	struct region r;

	if (!ed->nwin || ed->win[ed->nwin - 1].end <= ed->e)
		return;
	r = ed->win[ed->nwin - 1];
	r.start = ed->e;
	edit_push(ed, &r);
}

/* Step 4, after head, middle and tail were pushed: *root (the caller's
 * reference) becomes the new tree. */
static void edit_commit(struct edit *ed, struct region_node **root)
{
	struct region_node *below, *rest, *window, *above, *t;

	split(ed, *root, ed->lo_key, &below, &rest);
	split(ed, rest, ed->hi_key, &window, &above);
	tree_put(window);
	t = below;
	for (size_t i = 0; i < ed->nout; i++) {
		struct region_node *n = pool_take(ed);

		n->reg = ed->out[i];
		n->prio = next_prio(ed->rng);
		t = join(t, n);
	}
	*root = join(t, above);
	edit_end(ed);
}

/*
 * Replace what *root tracks in [s, e) by ins[0..nins) (sorted, inside
 * [s, e)). *root changes only on success.
 */
static int replace(struct region_node **root, uint64_t *rng, uint64_t s,
		   uint64_t e, const struct region *ins, size_t nins)
{
	struct edit ed;

	if (edit_begin(&ed, *root, s, e, nins) < 0 ||
	    edit_reserve(&ed, *root, nins, rng) < 0)
		return -ENOMEM;
	edit_head(&ed);
	for (size_t i = 0; i < nins; i++)
		edit_push(&ed, &ins[i]);
	edit_tail(&ed);
	edit_commit(&ed, root);
	return 0;
}

void regions_init(struct region_map *map)
{
	/*
	 * The priorities only need to be independent of the addresses, but a
	 * tracee that could predict them could choose addresses that make the
	 * tree deep; the map's own address (ASLR) is secret enough, and free.
	 */
	map->root = NULL;
	map->rng = ((uint64_t)(uintptr_t)map * 0x9E3779B97F4A7C15ull) | 1;
}

void regions_free(struct region_map *map)
{
	tree_put(map->root);
	regions_init(map);
}

int regions_copy(struct region_map *dst, const struct region_map *src)
{
	/* Take the reference first: dst and src may share the root. */
	swap_root(&dst->root, node_get(src->root));
	return 0;
}

void regions_clear(struct region_map *map)
{
	swap_root(&map->root, NULL);
}

bool regions_empty(const struct region_map *map)
{
	return map->root == NULL;
}

const struct region *regions_find(const struct region_map *map, uint64_t addr)
{
	const struct region_node *n = first_ending_after(map->root, addr);

	return n && n->reg.start <= addr ? &n->reg : NULL;
}

const struct region *regions_next(const struct region_map *map, uint64_t addr)
{
	const struct region_node *n = first_ending_after(map->root, addr);

	return n ? &n->reg : NULL;
}

int regions_set(struct region_map *map, uint64_t start, uint64_t end,
		const struct region_attr *attr)
{
	struct region r;

	if (!round_range(start, end, &r.start, &r.end))
		return 0;
	r.attr = *attr;
	return replace(&map->root, &map->rng, r.start, r.end, &r, 1);
}

int regions_remove(struct region_map *map, uint64_t start, uint64_t end)
{
	uint64_t s, e;

	if (!round_range(start, end, &s, &e) || !overlaps(map->root, s, e))
		return 0;
	return replace(&map->root, &map->rng, s, e, NULL, 0);
}

/* How many window regions have pages inside [s, e). */
static size_t edit_inside(const struct edit *ed)
{
	size_t n = 0;

	for (size_t i = 0; i < ed->nwin; i++)
		n += ed->win[i].end > ed->s && ed->win[i].start < ed->e;
	return n;
}

int regions_update(struct region_map *map, uint64_t start, uint64_t end,
		   void (*fn)(struct region_attr *attr, void *ctx), void *ctx)
{
	struct edit ed;
	uint64_t s, e;

	if (!round_range(start, end, &s, &e) || !overlaps(map->root, s, e))
		return 0;
	if (edit_begin(&ed, map->root, s, e, 0) < 0 ||
	    edit_reserve(&ed, map->root, edit_inside(&ed), &map->rng) < 0)
		return -ENOMEM;
	edit_head(&ed);
	for (size_t i = 0; i < ed.nwin; i++) {
		struct region r = ed.win[i];

		if (!clip(&r, s, e))
			continue;
		fn(&r.attr, ctx);
		edit_push(&ed, &r);
	}
	edit_tail(&ed);
	edit_commit(&ed, &map->root);
	return 0;
}

/*
 * The tracked pages of [os, os + len), shifted to start at ns, in a new
 * array. Read before anything is removed, so that overlapping old and new
 * ranges see the old layout.
 */
static int collect_moved(const struct region_node *t, uint64_t os,
			 uint64_t len, uint64_t ns, struct region **out,
			 size_t *n)
{
	*out = NULL;
	*n = 0;
	/* With len 0, a region straddling os would look overlapped. */
	if (!len)
		return 0;
	if (collect_array(t, os, os + len, out, n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++) {
		clip(&(*out)[i], os, os + len);
		(*out)[i].start = (*out)[i].start - os + ns;
		(*out)[i].end = (*out)[i].end - os + ns;
	}
	return 0;
}

/* An mremap range in pages; an empty one stays at its page. */
static void move_range(uint64_t addr, uint64_t len, uint64_t *s, uint64_t *e)
{
	if (!round_range(addr, end_of(addr, len), s, e))
		*s = *e = EMT_PAGE_DOWN(addr);
}

/*
 * Forget [os, oe), then put moved[0..n) at [ns, ne) (the kernel unmaps
 * whatever was there). With a second reference the old tree counts as
 * shared: the first step copies what it changes instead of editing it,
 * so if the second step fails, dropping t leaves the map as it was.
 */
static int move_commit(struct region_map *map, uint64_t os, uint64_t oe,
		       uint64_t ns, uint64_t ne, const struct region *moved,
		       size_t n)
{
	struct region_node *t = node_get(map->root);
	int rc = 0;

	if (os < oe)
		rc = replace(&t, &map->rng, os, oe, NULL, 0);
	if (!rc && ns < ne)
		rc = replace(&t, &map->rng, ns, ne, moved, n);
	if (rc)
		tree_put(t);
	else
		swap_root(&map->root, t);
	return rc;
}

int regions_move(struct region_map *map, uint64_t old_addr, uint64_t old_len,
		 uint64_t new_addr, uint64_t new_len, bool keep_old)
{
	uint64_t os, oe, ns, ne, olen, nlen;
	struct region *moved;
	size_t nmoved;
	int rc;

	move_range(old_addr, old_len, &os, &oe);
	move_range(new_addr, new_len, &ns, &ne);
	olen = oe - os;
	nlen = ne - ns;
	if (collect_moved(map->root, os, olen < nlen ? olen : nlen, ns, &moved,
			  &nmoved) < 0)
		return -ENOMEM;
	/* The grown tail inherits the last old page, if that was tracked. */
	if (nlen > olen && nmoved && moved[nmoved - 1].end == ns + olen)
		moved[nmoved - 1].end = ne;
	rc = move_commit(map, os, keep_old ? os : oe, ns, ne, moved, nmoved);
	free(moved);
	return rc;
}

/* Bytes of [s, e) that t tracks. Recursion only on the left, as collect. */
static uint64_t count_bytes(const struct region_node *t, uint64_t s, uint64_t e)
{
	uint64_t bytes = 0;

	while (t) {
		struct region r = t->reg;

		if (r.end <= s) {
			t = t->kid[1];
		} else if (r.start >= e) {
			t = t->kid[0];
		} else {
			clip(&r, s, e);
			bytes += r.end - r.start + count_bytes(t->kid[0], s, e);
			t = t->kid[1];
		}
	}
	return bytes;
}

uint64_t regions_count_pages(const struct region_map *map, uint64_t start,
			     uint64_t end)
{
	uint64_t s, e;

	if (!round_range(start, end, &s, &e))
		return 0;
	return count_bytes(map->root, s, e) / EMT_PAGE_SIZE;
}
