/* SPDX-License-Identifier: MIT */
/*
 * Inside the region map, for regions.c and its unit test only: the node of
 * the persistent treap, and the test hook for allocation failures.
 */
#ifndef EMT_REGIONS_NODE_H
#define EMT_REGIONS_NODE_H

#include "model/regions.h"

/*
 * One region. A node may be shared by several maps (copies made at fork)
 * and by several parents: one with refs > 1, and everything below it, is
 * never changed; an edit copies the path down to what it changes instead.
 * The nodes a map holds alone are relinked in place.
 */
struct region_node {
	struct region reg;          /* regions_find() points here */
	struct region_node *kid[2]; /* [0]: regions below, [1]: above */
	uint32_t refs;              /* parent nodes and map roots pointing here */
	uint32_t prio;              /* random; no child's is higher (treap) */
};

/*
 * Test-only, NULL in emt: when set, every allocation of the region map goes
 * through it instead of malloc (nodes and scratch arrays alike), so that
 * the unit test can fail each one in turn. What it returns is released
 * with free().
 */
extern void *(*regions_alloc_hook)(size_t size);

#endif
