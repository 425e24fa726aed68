/* SPDX-License-Identifier: MIT */
/*
 * The capture store: DIR/captures/<sha256>.bin, each distinct capture
 * written once per run however many exec events name it (past the first
 * DIGEST_SET_MAX distinct ones, rewritten with the same bytes).
 */
#ifndef EMT_TOOLS_CAPSTORE_H
#define EMT_TOOLS_CAPSTORE_H

#include <stddef.h>
#include <stdint.h>

struct capstore;

/* Opens (creating it 0700 if needed) the captures directory under dirfd;
 * dirpath names dirfd in messages. It must not be a symbolic link and,
 * like the output directory, be owned by the effective uid or root and
 * not writable by group or others. 0 or -errno, after saying why. */
int capstore_open(int dirfd, const char *dirpath, struct capstore **out);

/* Stores bytes under their digest unless this run already did: written
 * to a temporary file, then renamed over whatever has the name. 0 or
 * -errno, after saying why; the temporary file is removed. */
int capstore_put(struct capstore *cs, const uint8_t sha256[32],
		 const uint8_t *bytes, size_t len);

void capstore_close(struct capstore *cs);

#endif
