/* SPDX-License-Identifier: MIT */
/*
 * File writing the way the output directory needs it. The traced program
 * runs as the same user and the directory may sit in a shared place like
 * /tmp: directories are checked on the opened fd the way ssh checks its
 * own, and files are only ever opened relative to a checked directory fd,
 * never through a symbolic link.
 */
#ifndef EMT_TOOLS_FILEIO_H
#define EMT_TOOLS_FILEIO_H

#include <stddef.h>

/* Writes all len bytes, retrying short writes and EINTR. 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);

/* Creates name in dirfd, mode 0600; -EEXIST if anything is there, even a
 * dangling symbolic link. The fd, or -errno. */
int create_new_file(int dirfd, const char *name);

/* Opens name in dirfd for writing, truncated, creating it 0600 if
 * missing. A symbolic link is refused (-ELOOP); a FIFO or device without
 * a reader fails (-ENXIO) instead of blocking. The fd, or -errno. */
int open_file(int dirfd, const char *name);

/* Opens the directory name under dirfd (AT_FDCWD: a path), making it 0700
 * if missing. It must be owned by the effective uid or root and not be
 * writable by group or others; with follow 0, name itself must not be a
 * symbolic link. what ("output directory") and path name it in the one
 * line said on failure. The fd, or -errno. */
int open_private_dir(int dirfd, const char *name, int follow,
		     const char *what, const char *path);

#endif
