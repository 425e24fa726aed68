/* SPDX-License-Identifier: MIT */
/*
 * YARA over every capture (--yara RULES): the rules a capture's bytes
 * match, with their tags and where each string matched.
 */
#ifndef EMT_TOOLS_YARASCAN_H
#define EMT_TOOLS_YARASCAN_H

#include <stddef.h>
#include <stdint.h>

/* What one matching rule says; longer names are cut, and strings past
 * YARASCAN_STRINGS_MAX are counted, not listed. */
#define YARASCAN_NAME_MAX 128
#define YARASCAN_TAGS_MAX 8
#define YARASCAN_STRINGS_MAX 16

struct yarascan_string {
	char id[YARASCAN_NAME_MAX];
	uint64_t offset; /* in the bytes scanned */
	uint32_t len;
};

struct yarascan_hit {
	char rule[YARASCAN_NAME_MAX];
	char tags[YARASCAN_TAGS_MAX][YARASCAN_NAME_MAX];
	size_t n_tags;
	struct yarascan_string strings[YARASCAN_STRINGS_MAX];
	size_t n_strings;
	size_t n_more;   /* string matches not listed */
};

/* Rules past this many matching one capture are counted, not listed. */
#define YARASCAN_HITS_MAX 16

struct yarascan_result {
	struct yarascan_hit hits[YARASCAN_HITS_MAX];
	size_t n_hits;
	size_t n_more;
	int error; /* 0, or why the scan stopped (-ETIMEDOUT...) */
};

struct yarascan;

/* Compiles the rules in the file path (source, or rules saved compiled by
 * yarac). 0 or -errno after saying why on stderr, with each error of the
 * rules and its line. */
int yarascan_open(const char *path, struct yarascan **out);

/* The rules len bytes match. */
void yarascan_scan(struct yarascan *y, const uint8_t *bytes, size_t len,
		   struct yarascan_result *res);

void yarascan_close(struct yarascan *y);

#endif
