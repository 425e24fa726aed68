/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
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

static void escaped(struct json *j, const char *s)
{
	char esc[8];

	put(j, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			put(j, '\\');
			put(j, (char)c);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			raw(j, esc, strlen(esc));
		} else {
			put(j, (char)c);
		}
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

void json_uint(struct json *j, uint64_t v)
{
	char text[24];

	snprintf(text, sizeof(text), "%" PRIu64, v);
	scalar(j, text);
}

void json_int(struct json *j, int64_t v)
{
	char text[24];

	snprintf(text, sizeof(text), "%" PRId64, v);
	scalar(j, text);
}

void json_hex(struct json *j, uint64_t v)
{
	char text[24];

	snprintf(text, sizeof(text), "\"0x%" PRIx64 "\"", v);
	scalar(j, text);
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
