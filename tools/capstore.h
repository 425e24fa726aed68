/* SPDX-License-Identifier: MIT */
/*
 * The capture store: DIR/captures/<sha256>.bin, each distinct capture
 * written once however many exec events name it.
 */
#ifndef EMT_TOOLS_CAPSTORE_H
#define EMT_TOOLS_CAPSTORE_H

#include <stddef.h>
#include <stdint.h>

struct capstore;

/* Opens (creating it 0700 if needed) the captures directory under dirfd;
 * dirpath names dirfd in messages. 0 or -errno, after saying why. */
int capstore_open(int dirfd, const char *dirpath, struct capstore **out);

/* Stores bytes under their digest unless already stored. 0 or -errno,
 * after saying why; a partly written file is removed. */
int capstore_put(struct capstore *cs, const uint8_t sha256[32],
		 const uint8_t *bytes, size_t len);

void capstore_close(struct capstore *cs);

#endif
