/* SPDX-License-Identifier: MIT */
/*
 * Rewriting the text of /proc/PID/status (and task/TID/status) as it would
 * read without emt. The lines concerned, as fs/proc/array.c writes them:
 *   State:\tt (tracing stop)   a thread in a ptrace stop emt holds it in
 *   TracerPid:\t<tid>          emt's tracer thread
 *   NoNewPrivs:\t1             set by emt to install its filter unprivileged
 *   Seccomp:\t2                mode filter: emt's filter
 *   Seccomp_filters:\t<n>      emt's filters counted in
 * Every other byte is copied as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide/stealth_view.h"

/* The value of line (n bytes, no newline) when it is "key:\t<value>". */
static const char *value_of(const char *line, size_t n, const char *key,
			    size_t *vlen)
{
	size_t k = strlen(key);

	if (n < k + 2 || memcmp(line, key, k) != 0 || line[k] != ':' ||
	    line[k + 1] != '\t')
		return NULL;
	*vlen = n - k - 2;
	return line + k + 2;
}

static long number_of(const char *v, size_t vlen)
{
	char buf[24];

	if (vlen == 0 || vlen >= sizeof(buf))
		return -1;
	memcpy(buf, v, vlen);
	buf[vlen] = 0;
	return strtol(buf, NULL, 10);
}

/* The number after key: anywhere in text, -1 if none. */
static long field(const char *text, size_t len, const char *key)
{
	const char *line = text, *end = text + len;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = (size_t)((nl ? nl : end) - line), vlen;
		const char *v = value_of(line, n, key, &vlen);

		if (v)
			return number_of(v, vlen);
		line += n + 1;
	}
	return -1;
}

static const char *state_name(char state)
{
	switch (state) {
	case 'S':
		return "S (sleeping)";
	case 'T':
		return "T (stopped)";
	default:
		return "R (running)";
	}
}

struct facts {
	long ppid, filters;
};

/* The value shown for key, or NULL to keep the kernel's (v). */
static const char *fixed_value(const char *key, const char *v, size_t vlen,
			       const struct status_fix *fix, const struct facts *f,
			       char *buf, size_t cap)
{
	long own = f->filters - (long)fix->emt_filters;

	if (own < 0)
		own = 0;
	if (!strcmp(key, "State"))
		return vlen == 16 && !memcmp(v, "t (tracing stop)", 16)
			       ? state_name(fix->state) : NULL;
	if (!strcmp(key, "TracerPid"))
		snprintf(buf, cap, "%ld", fix->traceme && f->ppid > 0 ? f->ppid : 0);
	else if (!strcmp(key, "NoNewPrivs"))
		return fix->emt_nnp ? "0" : NULL;
	else if (!strcmp(key, "Seccomp"))
		return fix->emt_filters && number_of(v, vlen) == 2 && own == 0 ? "0" : NULL;
	else if (!strcmp(key, "Seccomp_filters"))
		snprintf(buf, cap, "%ld", f->filters < 0 ? 0 : own);
	else
		return NULL;
	return buf;
}

/* One line (n bytes and its newline, if any) into out; returns the bytes
 * written. */
static size_t line_view(const char *line, size_t n, bool nl,
			const struct status_fix *fix, const struct facts *f, char *out)
{
	static const char *const keys[] = { "State", "TracerPid", "NoNewPrivs",
					    "Seccomp", "Seccomp_filters" };
	const char *v = NULL, *shown = NULL;
	size_t vlen = 0, at;
	char buf[24];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && !v; i++) {
		v = value_of(line, n, keys[i], &vlen);
		if (v)
			shown = fixed_value(keys[i], v, vlen, fix, f, buf, sizeof(buf));
	}
	if (!shown) {
		memcpy(out, line, n + nl);
		return n + nl;
	}
	at = (size_t)(v - line);
	memcpy(out, line, at);
	memcpy(out + at, shown, strlen(shown));
	at += strlen(shown);
	if (nl)
		out[at++] = '\n';
	return at;
}

size_t status_view(const char *text, size_t len, const struct status_fix *fix,
		   char *out)
{
	struct facts f = { field(text, len, "PPid"), field(text, len, "Seccomp_filters") };
	const char *line = text, *end = text + len;
	size_t n_out = 0;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = (size_t)((nl ? nl : end) - line);

		n_out += line_view(line, n, nl != NULL, fix, &f, out + n_out);
		line += n + 1;
	}
	return n_out;
}
