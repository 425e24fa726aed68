/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "fileio.h"

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		/* emt's signal handlers are installed without SA_RESTART so
		 * that waits return early; a write may then be interrupted. */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int create_new_file(int dirfd, const char *name)
{
	/* O_EXCL fails on a symbolic link too, dangling or not (open(2)). */
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(dirfd, name, flags, 0600);

	return fd < 0 ? -errno : fd;
}

int open_file(int dirfd, const char *name)
{
	/* O_NONBLOCK: opening a planted FIFO for writing would otherwise
	 * wait for a reader forever (fifo(7)); on a regular file it changes
	 * nothing. */
	int flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC;
	int fd = openat(dirfd, name, flags, 0600);

	return fd < 0 ? -errno : fd;
}

/* The directory opened, made 0700 first if missing. fd or -errno;
 * *making tells whether it is mkdir that failed. */
static int open_or_make(int dirfd, const char *name, int flags, bool *making)
{
	int fd = openat(dirfd, name, flags);

	*making = false;
	if (fd >= 0 || errno != ENOENT)
		return fd < 0 ? -errno : fd;
	/* mkdir does not follow a dangling symbolic link (EEXIST), so a
	 * planted one cannot make emt create the directory elsewhere. */
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST) {
		*making = true;
		return -errno;
	}
	fd = openat(dirfd, name, flags);
	return fd < 0 ? -errno : fd;
}

static void say_open_error(int err, bool making, int follow,
			   const char *what, const char *path)
{
	if (making)
		diag("creating %s %s: %s", what, path, strerror(err));
	else if (!follow && (err == ELOOP || err == ENOTDIR))
		diag("%s %s is not a directory (or is a symbolic link)", what, path);
	else
		diag("opening %s %s: %s", what, path, strerror(err));
}

/* Checks the directory actually opened, not the path, so that a rename
 * or symlink swap after the check cannot redirect the files. 0 or -errno,
 * after saying why. */
static int check_private(int fd, const char *what, const char *path)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int err = errno;

		diag("opening %s %s: %s", what, path, strerror(err));
		return -err;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		diag("%s %s is owned by another user (uid %u)", what, path,
		     (unsigned)st.st_uid);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		diag("%s %s is writable by other users (mode %04o)", what, path,
		     (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int open_private_dir(int dirfd, const char *name, int follow,
		     const char *what, const char *path)
{
	int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
	bool making;
	int fd = open_or_make(dirfd, name, flags, &making);
	int rc;

	if (fd < 0) {
		say_open_error(-fd, making, follow, what, path);
		return fd;
	}
	rc = check_private(fd, what, path);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}
