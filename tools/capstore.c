/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capstore.h"
#include "diag.h"
#include "fileio.h"
#include "names.h"

#define DIGEST 32

/* Digests already on disk, so that a capture seen again costs no
 * syscall. Open addressing; a digest is its own well mixed hash. */
struct digest_set {
	uint8_t (*slot)[DIGEST];
	bool *used;
	size_t n, cap;
};

struct capstore {
	int dirfd;
	char *path; /* DIR/captures, for messages */
	struct digest_set stored;
};

static size_t slot_of(const struct digest_set *s, const uint8_t *d)
{
	uint64_t h;

	memcpy(&h, d, sizeof(h));
	return (size_t)(h & (s->cap - 1));
}

static bool set_has(const struct digest_set *s, const uint8_t *d)
{
	if (s->cap == 0)
		return false;
	for (size_t i = slot_of(s, d); s->used[i]; i = (i + 1) & (s->cap - 1))
		if (memcmp(s->slot[i], d, DIGEST) == 0)
			return true;
	return false;
}

static void set_insert_new(struct digest_set *s, const uint8_t *d)
{
	size_t i = slot_of(s, d);

	while (s->used[i])
		i = (i + 1) & (s->cap - 1);
	memcpy(s->slot[i], d, DIGEST);
	s->used[i] = true;
	s->n++;
}

static int set_grow(struct digest_set *s)
{
	struct digest_set bigger = { .cap = s->cap ? 2 * s->cap : 64 };

	bigger.slot = calloc(bigger.cap, DIGEST);
	bigger.used = calloc(bigger.cap, sizeof(bool));
	if (!bigger.slot || !bigger.used) {
		free(bigger.slot);
		free(bigger.used);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->cap; i++)
		if (s->used[i])
			set_insert_new(&bigger, s->slot[i]);
	free(s->slot);
	free(s->used);
	*s = bigger;
	return 0;
}

/* A failure to remember only costs a later EEXIST, so it is not an error. */
static void set_add(struct digest_set *s, const uint8_t *d)
{
	if (set_has(s, d))
		return;
	if (2 * (s->n + 1) > s->cap && set_grow(s) < 0)
		return;
	set_insert_new(s, d);
}

static int open_dir(int dirfd, struct capstore *cs)
{
	if (mkdirat(dirfd, "captures", 0700) < 0 && errno != EEXIST) {
		int err = errno;

		diag("creating %s: %s", cs->path, strerror(err));
		return -err;
	}
	cs->dirfd = openat(dirfd, "captures",
			   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cs->dirfd < 0) {
		int err = errno;

		diag("opening %s: %s", cs->path,
		     err == ELOOP || err == ENOTDIR ? "not a directory (or a symbolic link)"
						    : strerror(err));
		return -err;
	}
	return 0;
}

int capstore_open(int dirfd, const char *dirpath, struct capstore **out)
{
	struct capstore *cs = calloc(1, sizeof(*cs));
	int rc;

	if (!cs || asprintf(&cs->path, "%s/captures", dirpath) < 0) {
		free(cs);
		diag("%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	rc = open_dir(dirfd, cs);
	if (rc < 0) {
		free(cs->path);
		free(cs);
		return rc;
	}
	*out = cs;
	return 0;
}

static int write_file(struct capstore *cs, const char *name,
		      const uint8_t *bytes, size_t len)
{
	int fd = create_file(cs->dirfd, name, 1);
	int rc;

	if (fd == -EEXIST)
		return 0;
	if (fd < 0)
		return fd;
	rc = write_all(fd, bytes, len);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	/* A truncated capture must not pass later for a stored one. */
	if (rc < 0)
		unlinkat(cs->dirfd, name, 0);
	return rc;
}

int capstore_put(struct capstore *cs, const uint8_t sha256[32],
		 const uint8_t *bytes, size_t len)
{
	char hex[NAMES_SHA256_BUF], name[NAMES_SHA256_BUF + 8];
	int rc;

	if (set_has(&cs->stored, sha256))
		return 0;
	snprintf(name, sizeof(name), "%s.bin",
		 names_sha256(sha256, hex, sizeof(hex)));
	rc = write_file(cs, name, bytes, len);
	if (rc < 0) {
		diag("writing %s/%s: %s", cs->path, name, strerror(-rc));
		return rc;
	}
	set_add(&cs->stored, sha256);
	return 0;
}

void capstore_close(struct capstore *cs)
{
	if (!cs)
		return;
	close(cs->dirfd);
	free(cs->stored.slot);
	free(cs->stored.used);
	free(cs->path);
	free(cs);
}
