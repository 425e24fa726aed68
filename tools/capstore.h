/* SPDX-License-Identifier: MIT */
/*
 * A store of files under a directory of the output directory: each file
 * named by the caller and keyed by a 32-byte digest, written once per run
 * however many events name it (past the first DIGEST_SET_MAX distinct
 * ones, rewritten with the same bytes). DIR/captures/<sha256>.bin holds
 * the captures, DIR/elf/ their ELF files (--elf).
 */
#ifndef EMT_TOOLS_CAPSTORE_H
#define EMT_TOOLS_CAPSTORE_H

#include <stddef.h>
#include <stdint.h>

struct capstore;

/* Opens (creating it 0700 if needed) directory subdir under dirfd;
 * dirpath names dirfd in messages. It must not be a symbolic link and,
 * like the output directory, be owned by the effective uid or root and
 * not writable by group or others. 0 or -errno, after saying why. */
int capstore_open(int dirfd, const char *dirpath, const char *subdir,
		  struct capstore **out);

/* Stores bytes as name unless this run already stored key: written to a
 * temporary file, then renamed over whatever has the name. 0 or -errno,
 * after saying why; the temporary file is removed. */
int capstore_put(struct capstore *cs, const uint8_t key[32], const char *name,
		 const uint8_t *bytes, size_t len);

void capstore_close(struct capstore *cs);

#endif
