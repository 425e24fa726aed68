/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void json_init(struct json *j)
{
	memset(j, 0, sizeof(*j));
}

void json_free(struct json *j)
{
	free(j->buf);
	json_init(j);
}

void json_reset(struct json *j)
{
	j->len = 0;
	j->comma = false;
	j->oom = false;
}

static bool reserve(struct json *j, size_t n)
{
	size_t cap = j->cap ? j->cap : 256;
	char *p;

	if (j->oom)
		return false;
	if (j->len + n <= j->cap)
		return true;
	while (cap < j->len + n)
		cap *= 2;
	p = realloc(j->buf, cap);
	if (!p) {
		j->oom = true;
		return false;
	}
	j->buf = p;
	j->cap = cap;
	return true;
}

static void raw(struct json *j, const char *s, size_t n)
{
	if (!reserve(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static void put(struct json *j, char c)
{
	raw(j, &c, 1);
}

/* Every value, and every key, is preceded by a comma unless it is the
 * first thing in its container. */
static void separate(struct json *j)
{
	if (j->comma)
		put(j, ',');
	j->comma = false;
}

static void open_container(struct json *j, char c)
{
	separate(j);
	put(j, c);
}

static void close_container(struct json *j, char c)
{
	put(j, c);
	j->comma = true;
}

void json_object_begin(struct json *j) { open_container(j, '{'); }
void json_object_end(struct json *j) { close_container(j, '}'); }
void json_array_begin(struct json *j) { open_container(j, '['); }
void json_array_end(struct json *j) { close_container(j, ']'); }

static bool needs_escape(unsigned char c)
{
	return c == '"' || c == '\\' || c < 0x20 || c == 0x7f;
}

/* Runs of plain characters are copied at once: keys and values are
 * almost always plain, and a record is written for every event. */
static void escaped(struct json *j, const char *s)
{
	char esc[8];

	put(j, '"');
	while (*s) {
		size_t n = 0;

		while (s[n] && !needs_escape((unsigned char)s[n]))
			n++;
		raw(j, s, n);
		s += n;
		if (!*s)
			break;
		unsigned char c = (unsigned char)*s++;

		if (c == '"' || c == '\\')
			snprintf(esc, sizeof(esc), "\\%c", c);
		else
			snprintf(esc, sizeof(esc), "\\u%04x", c);
		raw(j, esc, strlen(esc));
	}
	put(j, '"');
}

void json_key(struct json *j, const char *key)
{
	separate(j);
	escaped(j, key);
	put(j, ':');
}

/* Writes an already formatted scalar. */
static void scalar(struct json *j, const char *text)
{
	separate(j);
	raw(j, text, strlen(text));
	j->comma = true;
}

void json_string(struct json *j, const char *s)
{
	separate(j);
	escaped(j, s);
	j->comma = true;
}

/* Digits of v in base (10 or 16), written backwards from end; returns
 * the first. snprintf would parse a format for every register. */
static char *digits(uint64_t v, unsigned base, char *end)
{
	static const char hex[] = "0123456789abcdef";

	do {
		*--end = hex[v % base];
		v /= base;
	} while (v);
	return end;
}

static void number(struct json *j, const char *prefix, uint64_t v,
		   unsigned base, const char *suffix)
{
	char text[32], *end = text + sizeof(text), *p;

	p = digits(v, base, end);
	separate(j);
	raw(j, prefix, strlen(prefix));
	raw(j, p, (size_t)(end - p));
	raw(j, suffix, strlen(suffix));
	j->comma = true;
}

void json_uint(struct json *j, uint64_t v)
{
	number(j, "", v, 10, "");
}

void json_int(struct json *j, int64_t v)
{
	if (v < 0)
		number(j, "-", 0 - (uint64_t)v, 10, "");
	else
		number(j, "", (uint64_t)v, 10, "");
}

void json_hex(struct json *j, uint64_t v)
{
	number(j, "\"0x", v, 16, "\"");
}

void json_bool(struct json *j, bool v)
{
	scalar(j, v ? "true" : "false");
}

void json_end_record(struct json *j)
{
	put(j, '\n');
	j->comma = false;
}
