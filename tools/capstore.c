/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "capstore.h"
#include "diag.h"
#include "fileio.h"
#include "names.h"

#define DIGEST 32

/* Most digests remembered. A slot is 33 bytes and the table at most half
 * full, so 131072 digests take a 262144-slot table: 8.25 MiB, and
 * 12.4 MiB while the table doubles to that size (old and new both
 * live). A digest not remembered only costs writing the same bytes
 * again when it comes back. */
#define DIGEST_SET_MAX (128 * 1024)

/* Tries at a fresh temporary name before giving up: with 64 random bits
 * a clash means a planted file, which a new name avoids. */
#define TMP_TRIES 8
/* ".tmp-" and 16 hex digits: starts with a dot and does not end in .bin,
 * so no reader can take it for a capture. */
#define TMP_NAME_BUF 24

/* Digests this run has stored, so that a capture seen again costs no
 * syscall; what was on disk before is not trusted. Open addressing; a
 * digest is its own well mixed hash. */
struct digest_set {
	uint8_t (*slot)[DIGEST];
	bool *used;
	size_t n, cap;
};

struct capstore {
	int dirfd;
	char *path; /* DIR/captures, for messages */
	struct digest_set stored;
	uint64_t tmp_state; /* makes temporary names unguessable */
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

/* A failure to remember only costs a later rewrite, so it is not an
 * error; neither is a full set. */
static void set_add(struct digest_set *s, const uint8_t *d)
{
	if (s->n >= DIGEST_SET_MAX || set_has(s, d))
		return;
	if (2 * (s->n + 1) > s->cap && set_grow(s) < 0)
		return;
	set_insert_new(s, d);
}

/* splitmix64 (Steele, Lea, Flood 2014): cheap, and every 64-bit seed
 * gives a different sequence. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The traced program could plant files under names it can predict;
 * without the kernel's randomness, time and pid still vary per run. */
static uint64_t random_seed(void)
{
	struct timespec ts;
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
	       (uint64_t)getpid();
}

int capstore_open(int dirfd, const char *dirpath, const char *subdir,
		  struct capstore **out)
{
	struct capstore *cs = calloc(1, sizeof(*cs));
	int rc;

	if (!cs || asprintf(&cs->path, "%s/%s", dirpath, subdir) < 0) {
		free(cs);
		diag("%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	/* Never through a symbolic link: the user named DIR, not this. */
	cs->dirfd = open_private_dir(dirfd, subdir, 0, "capture directory", cs->path);
	if (cs->dirfd < 0) {
		rc = cs->dirfd;
		free(cs->path);
		free(cs);
		return rc;
	}
	cs->tmp_state = random_seed();
	*out = cs;
	return 0;
}

/* A new empty file under a temporary name, written in tmp. fd or -errno. */
static int create_tmp(struct capstore *cs, char tmp[TMP_NAME_BUF])
{
	int fd = -EEXIST;

	for (int i = 0; i < TMP_TRIES && fd == -EEXIST; i++) {
		snprintf(tmp, TMP_NAME_BUF, ".tmp-%016" PRIx64,
			 next_random(&cs->tmp_state));
		fd = create_new_file(cs->dirfd, tmp);
	}
	return fd;
}

/* Written aside, then renamed: a half-written capture never shows under
 * its name, and whatever was planted there is replaced, not trusted. A
 * planted symbolic link is replaced itself, its target left alone; a
 * planted directory makes rename fail (EISDIR, rename(2)). */
static int write_file(struct capstore *cs, const char *name,
		      const uint8_t *bytes, size_t len)
{
	char tmp[TMP_NAME_BUF];
	int fd = create_tmp(cs, tmp);
	int rc;

	if (fd < 0)
		return fd;
	rc = write_all(fd, bytes, len);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && renameat(cs->dirfd, tmp, cs->dirfd, name) < 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(cs->dirfd, tmp, 0);
	return rc;
}

int capstore_put(struct capstore *cs, const uint8_t key[32], const char *name,
		 const uint8_t *bytes, size_t len)
{
	int rc;

	if (set_has(&cs->stored, key))
		return 0;
	rc = write_file(cs, name, bytes, len);
	if (rc < 0) {
		diag("writing %s/%s: %s", cs->path, name, strerror(-rc));
		return rc;
	}
	set_add(&cs->stored, key);
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
