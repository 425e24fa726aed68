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
#include "elfout.h"
#include "event_json.h"
#include "fileio.h"
#include "imageout.h"
#include "json.h"
#include "names.h"
#include "output.h"

/* Records are batched: an event costs tens of microseconds of tracing
 * already, but a write per record would still double the syscalls. */
#define FLUSH_THRESHOLD (64 * 1024)

struct output {
	char *dir;
	int dirfd;
	int events_fd;
	struct json pending;
	struct capstore *captures;
	struct capstore *elf;  /* --elf: DIR/elf/, else NULL */
	int error; /* first events.jsonl error */
	bool reported; /* an error was printed: the user sees one line */
};

/* events.jsonl is truncated if it is a regular file, never written
 * through a symbolic link, and refused if it is anything else. */
static int open_events(struct output *out)
{
	struct stat st;
	int fd = open_file(out->dirfd, "events.jsonl");

	/* ENXIO, as for a FIFO nobody reads (open_file). */
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -ENXIO;
	}
	if (fd == -ELOOP)
		diag("%s/events.jsonl is a symbolic link; refusing to write through it",
		     out->dir);
	else if (fd == -ENXIO)
		diag("%s/events.jsonl is not a regular file", out->dir);
	else if (fd < 0)
		diag("cannot create %s/events.jsonl: %s", out->dir, strerror(-fd));
	return fd;
}

static int open_all(struct output *out, bool elf)
{
	int rc;

	/* The user's own symbolic link for DIR is followed: what is checked
	 * is the directory it leads to. */
	out->dirfd = open_private_dir(AT_FDCWD, out->dir, 1, "output directory",
				      out->dir);
	if (out->dirfd < 0)
		return out->dirfd;
	out->events_fd = open_events(out);
	if (out->events_fd < 0)
		return out->events_fd;
	rc = capstore_open(out->dirfd, out->dir, "captures", &out->captures);
	if (rc == 0 && elf)
		rc = capstore_open(out->dirfd, out->dir, "elf", &out->elf);
	return rc;
}

static void free_output(struct output *out)
{
	capstore_close(out->captures);
	capstore_close(out->elf);
	if (out->events_fd >= 0)
		close(out->events_fd);
	if (out->dirfd >= 0)
		close(out->dirfd);
	json_free(&out->pending);
	free(out->dir);
	free(out);
}

int output_open(const char *dir, bool elf, struct output **outp)
{
	struct output *out = calloc(1, sizeof(*out));
	int rc;

	if (!out || !(out->dir = strdup(dir))) {
		free(out);
		diag("%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	out->dirfd = out->events_fd = -1;
	json_init(&out->pending);
	rc = open_all(out, elf);
	if (rc < 0) {
		free_output(out);
		return rc;
	}
	*outp = out;
	return 0;
}

static int fail(struct output *out, int err)
{
	if (!out->error && !out->reported)
		diag("writing %s/events.jsonl: %s", out->dir, strerror(-err));
	if (!out->error)
		out->error = err;
	out->reported = true;
	return err;
}

int output_flush(struct output *out)
{
	int rc;

	if (out->error)
		return out->error;
	if (out->pending.oom)
		return fail(out, -ENOMEM);
	rc = write_all(out->events_fd, out->pending.buf, out->pending.len);
	json_reset(&out->pending);
	return rc < 0 ? fail(out, rc) : 0;
}

/* The capture's bytes, and with --elf its ELF file. */
static int store_capture(struct output *out, const struct emt_event *ev)
{
	char hex[NAMES_SHA256_BUF], name[ELFOUT_NAME_BUF];
	uint8_t key[32], *image;
	size_t len;
	int rc;

	snprintf(name, sizeof(name), "%s.bin", names_sha256(ev->sha256, hex, sizeof(hex)));
	rc = capstore_put(out->captures, ev->sha256, name, ev->bytes, ev->len);
	if (rc < 0 || !out->elf || ev->registers.arch != EMT_ARCH_X86_64)
		return rc;
	rc = elfout_build(ev, &image, &len);
	if (rc < 0) {
		diag("building the ELF file of a capture: %s", strerror(-rc));
		return rc;
	}
	elfout_key(ev, key);
	elfout_name(ev, name, sizeof(name));
	rc = capstore_put(out->elf, key, name, image, len);
	free(image);
	return rc;
}

/* An image's ELF file (only asked for with --elf). */
static int store_image(struct output *out, const struct emt_event *ev)
{
	char name[ELFOUT_NAME_BUF];
	uint8_t *image;
	size_t len;
	int rc = imageout_build(ev, &image, &len);

	if (rc < 0) {
		diag("building the ELF file of the image at %#llx: %s",
		     (unsigned long long)ev->image_base, strerror(-rc));
		return rc;
	}
	imageout_name(ev, name, sizeof(name));
	rc = capstore_put(out->elf, ev->sha256, name, image, len);
	free(image);
	return rc;
}

int output_event(struct output *out, const struct emt_event *ev,
		 const struct annotation *ann)
{
	int rc;

	if (out->error)
		return out->error;
	/* A capture that could not be stored loses its event, but the
	 * records queued before it are still written out on close. */
	if ((ev->type == EMT_EVENT_EXEC && !ev->capture_error && ev->bytes) ||
	    (ev->type == EMT_EVENT_IMAGE && out->elf)) {
		rc = ev->type == EMT_EVENT_EXEC ? store_capture(out, ev) : store_image(out, ev);
		if (rc < 0) {
			out->reported = true; /* capstore said why */
			return rc;
		}
	}
	event_json(&out->pending, ev, out->elf != NULL, ann);
	if (out->pending.oom || out->pending.len >= FLUSH_THRESHOLD)
		return output_flush(out);
	return 0;
}

int output_close(struct output *out)
{
	int rc;

	if (!out)
		return 0;
	rc = output_flush(out);
	if (close(out->events_fd) < 0 && rc == 0)
		rc = fail(out, -errno);
	out->events_fd = -1;
	free_output(out);
	return rc;
}
