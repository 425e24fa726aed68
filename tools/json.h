/* SPDX-License-Identifier: MIT */
/*
 * A small JSON writer into a growable buffer: enough for flat objects,
 * one level of nesting and arrays of strings. Commas are placed by the
 * writer, so callers only say what comes next.
 */
#ifndef EMT_TOOLS_JSON_H
#define EMT_TOOLS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json {
	char *buf;
	size_t len, cap;
	bool comma;     /* a value was written: the next one needs a ',' */
	bool oom;       /* an allocation failed; the content is incomplete */
};

void json_init(struct json *j);
void json_free(struct json *j);
/* Forget the content, keep the allocation. */
void json_reset(struct json *j);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
/* The key of the next member of the current object. */
void json_key(struct json *j, const char *key);

void json_string(struct json *j, const char *s);
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
/* A string "0x..." in lower-case hex, as events.md writes addresses. */
void json_hex(struct json *j, uint64_t v);
void json_bool(struct json *j, bool v);
/* Ends a top-level value with a newline (one record per line). */
void json_end_record(struct json *j);

#endif
