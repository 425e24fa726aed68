/* SPDX-License-Identifier: MIT */
/*
 * Each process's perf map is read as it grows: new lines are parsed on
 * each lookup, the entries kept in the order written, and a lookup takes
 * the newest that holds the address (a JIT reuses the memory of code it
 * freed). The file stays open while its process lives: a lookup costs
 * one fstat, and a read only when it grew. A missing file is looked for
 * again at most every RETRY_NS, so that a program without one costs an
 * event almost nothing. A file that shrank is read again from its start.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "perfmap.h"

/* Bounds on what one program's map may cost emt. */
#define ENTRIES_MAX (1u << 20)
#define BYTES_MAX (256ull << 20)
#define LINE_MAX_ 4096
#define PROCS_MAX 64
#define RETRY_NS 100000000ull

struct entry {
	uint64_t start, size;
	char *name;
};

struct pmap {
	pid_t pid;
	int fd;           /* the map, or -1 */
	uint64_t tried_ns; /* when it was last looked for */
	uid_t owner;      /* who may write it: the process's user or root */
	off_t read_to;    /* bytes of the file parsed */
	struct entry *v;
	size_t n, cap;
	char line[LINE_MAX_];
	size_t line_len;  /* a line not ended yet */
	unsigned long long bytes;
};

struct perfmaps {
	struct pmap procs[PROCS_MAX];
	size_t n;
	size_t next_evicted;
};

struct perfmaps *perfmaps_new(void)
{
	return calloc(1, sizeof(struct perfmaps));
}

static void clear(struct pmap *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].name);
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
	m->read_to = 0;
	m->line_len = 0;
	m->bytes = 0;
}

void perfmaps_free(struct perfmaps *pm)
{
	if (!pm)
		return;
	for (size_t i = 0; i < pm->n; i++)
		clear(&pm->procs[i]);
	free(pm);
}

/* Printable ASCII, the rest as '?': the name is the program's. */
static char *clean_name(const char *s)
{
	size_t n = strnlen(s, PERFMAP_NAME_MAX - 1);
	char *name = malloc(n + 1);

	if (!name)
		return NULL;
	for (size_t i = 0; i < n; i++)
		name[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	name[n] = '\0';
	return name;
}

static void add_line(struct pmap *m, char *line)
{
	char *end, *name;
	uint64_t start = strtoull(line, &end, 16), size;

	if (end == line || *end != ' ')
		return;
	line = end + 1;
	size = strtoull(line, &end, 16);
	if (end == line || *end != ' ' || !size || m->n >= ENTRIES_MAX)
		return;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct entry *v = realloc(m->v, cap * sizeof(*v));

		if (!v)
			return;
		m->v = v;
		m->cap = cap;
	}
	name = clean_name(end + 1);
	if (name)
		m->v[m->n++] = (struct entry){ start, size, name };
}

/* Lines split across reads are joined; one longer than the buffer is cut. */
static void parse(struct pmap *m, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n') {
			if (m->line_len < sizeof(m->line) - 1)
				m->line[m->line_len++] = buf[i];
			continue;
		}
		m->line[m->line_len] = '\0';
		add_line(m, m->line);
		m->line_len = 0;
	}
}

/* The map file as it is now: a regular file, written by the process's
 * user or root (a file another user put there first is not the
 * program's). The fd, or -1. */
static int open_map(pid_t pid, uid_t owner, struct stat *st)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)pid);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) ||
	    (st->st_uid != owner && st->st_uid != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The map open, or not there yet (looked for again after RETRY_NS). */
static bool opened(struct pmap *m, struct stat *st)
{
	uint64_t now;

	if (m->fd >= 0)
		return fstat(m->fd, st) == 0;
	now = now_ns();
	if (m->tried_ns && now - m->tried_ns < RETRY_NS)
		return false;
	m->tried_ns = now;
	m->fd = open_map(m->pid, m->owner, st);
	return m->fd >= 0;
}

static void refresh(struct pmap *m)
{
	char buf[65536];
	struct stat st;
	ssize_t got;
	int fd;

	if (!opened(m, &st) || st.st_size == m->read_to)
		return;
	if (st.st_size < m->read_to) {
		/* Emptied and written again: read from the start. */
		fd = m->fd;
		m->fd = -1;
		clear(m);
		m->fd = fd;
	}
	while (m->bytes < BYTES_MAX &&
	       (got = pread(m->fd, buf, sizeof(buf), m->read_to)) > 0) {
		parse(m, buf, (size_t)got);
		m->read_to += got;
		m->bytes += (unsigned long long)got;
	}
}

static struct pmap *find_free(struct perfmaps *pm)
{
	for (size_t i = 0; i < pm->n; i++)
		if (!pm->procs[i].pid)
			return &pm->procs[i];
	return NULL;
}

void perfmaps_forget(struct perfmaps *pm, pid_t pid)
{
	for (size_t i = 0; i < pm->n; i++)
		if (pm->procs[i].pid == pid) {
			clear(&pm->procs[i]);
			pm->procs[i].pid = 0;
		}
}

static struct pmap *known_map(struct perfmaps *pm, pid_t pid)
{
	for (size_t i = 0; i < pm->n; i++)
		if (pm->procs[i].pid == pid)
			return &pm->procs[i];
	return NULL;
}

/* pid's entry; a new one in place of the oldest when all are taken. */
static struct pmap *map_of(struct perfmaps *pm, pid_t pid)
{
	struct pmap *m = known_map(pm, pid);
	char proc[32];
	struct stat st;

	if (m)
		return m;
	m = find_free(pm);
	/* Events may be read after the process is gone: then only a map of
	 * emt's own user or root is taken. */
	snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
	if (stat(proc, &st) < 0)
		st.st_uid = geteuid();
	if (m) {
		clear(m);
	} else if (pm->n < PROCS_MAX) {
		m = &pm->procs[pm->n++];
	} else {
		m = &pm->procs[pm->next_evicted++ % PROCS_MAX];
		clear(m);
	}
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	m->pid = pid;
	m->owner = st.st_uid;
	return m;
}

void perfmaps_refresh(struct perfmaps *pm, pid_t pid)
{
	struct pmap *m = map_of(pm, pid);

	if (m)
		refresh(m);
}

int perfmaps_lookup(struct perfmaps *pm, pid_t pid, uint64_t addr, struct perfmap_sym *sym)
{
	struct pmap *m = known_map(pm, pid);

	if (!m)
		return -ENOENT;
	for (size_t i = m->n; i-- > 0;) {
		const struct entry *e = &m->v[i];

		if (addr >= e->start && addr - e->start < e->size) {
			sym->start = e->start;
			sym->size = e->size;
			snprintf(sym->name, sizeof(sym->name), "%s", e->name);
			return 0;
		}
	}
	return -ENOENT;
}
