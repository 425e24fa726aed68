/* SPDX-License-Identifier: MIT */
/* File writing the way the output directory needs it. */
#ifndef EMT_TOOLS_FILEIO_H
#define EMT_TOOLS_FILEIO_H

#include <stddef.h>

/* Writes all len bytes, retrying short writes and EINTR. 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);

/* Creates (or with excl, creates only if absent) name in dirfd, mode
 * 0600, never through a symbolic link. The fd, or -errno. */
int create_file(int dirfd, const char *name, int excl);

#endif
