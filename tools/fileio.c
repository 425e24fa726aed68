/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

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

int create_file(int dirfd, const char *name, int excl)
{
	int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC;
	int fd;

	flags |= excl ? O_EXCL : O_TRUNC;
	fd = openat(dirfd, name, flags, 0600);
	return fd < 0 ? -errno : fd;
}
