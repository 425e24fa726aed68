/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>

#include "diag.h"
#include "yarascan.h"

/* A capture is a few pages: a scan longer than this is a rule's fault. */
#define SCAN_TIMEOUT_S 10

struct yarascan {
	YR_RULES *rules;
};

static int from_yara(int err)
{
	switch (err) {
	case ERROR_SUCCESS:
		return 0;
	case ERROR_INSUFFICIENT_MEMORY:
		return -ENOMEM;
	case ERROR_COULD_NOT_OPEN_FILE:
		return -ENOENT;
	case ERROR_SCAN_TIMEOUT:
		return -ETIMEDOUT;
	default:
		return -EINVAL;
	}
}

static void compile_error(int level, const char *file, int line, const YR_RULE *rule,
			  const char *message, void *user)
{
	(void)rule;
	(void)user;
	diag("%s:%d: %s: %s", file ? file : "rules", line,
	     level == YARA_ERROR_LEVEL_ERROR ? "error" : "warning", message);
}

static int compile(const char *path, FILE *f, YR_RULES **rules)
{
	YR_COMPILER *c;
	int rc = from_yara(yr_compiler_create(&c));

	if (rc)
		return rc;
	yr_compiler_set_callback(c, compile_error, NULL);
	if (yr_compiler_add_file(c, f, NULL, path) > 0)
		rc = -EINVAL;
	else
		rc = from_yara(yr_compiler_get_rules(c, rules));
	yr_compiler_destroy(c);
	return rc;
}

/* Saved rules start with "YARA" (yarac); anything else is source. */
static int load(const char *path, YR_RULES **rules)
{
	char magic[4] = { 0 };
	FILE *f = fopen(path, "re");
	int rc;

	if (!f) {
		rc = -errno;
		diag("cannot open YARA rules %s: %s", path, strerror(errno));
		return rc;
	}
	if (fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
	    !memcmp(magic, "YARA", 4)) {
		fclose(f);
		rc = from_yara(yr_rules_load(path, rules));
	} else {
		rewind(f);
		rc = compile(path, f, rules);
		fclose(f);
	}
	if (rc)
		diag("cannot use YARA rules %s: %s", path,
		     rc == -EINVAL ? "they do not compile" : strerror(-rc));
	return rc;
}

int yarascan_open(const char *path, struct yarascan **out)
{
	struct yarascan *y;
	int rc = from_yara(yr_initialize());

	if (rc) {
		diag("cannot start YARA: %s", strerror(-rc));
		return rc;
	}
	y = calloc(1, sizeof(*y));
	rc = y ? load(path, &y->rules) : -ENOMEM;
	if (rc) {
		free(y);
		yr_finalize();
		return rc;
	}
	*out = y;
	return 0;
}

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, YARASCAN_NAME_MAX, "%s", src ? src : "");
}

static void note_strings(YR_SCAN_CONTEXT *ctx, const YR_RULE *rule, struct yarascan_hit *h)
{
	const YR_STRING *s;
	const YR_MATCH *m;

	yr_rule_strings_foreach(rule, s)
	{
		yr_string_matches_foreach(ctx, s, m)
		{
			struct yarascan_string *out = &h->strings[h->n_strings];

			if (h->n_strings == YARASCAN_STRINGS_MAX) {
				h->n_more++;
				continue;
			}
			copy_name(out->id, s->identifier);
			out->offset = (uint64_t)m->offset;
			out->len = (uint32_t)m->match_length;
			h->n_strings++;
		}
	}
}

static int on_scan(YR_SCAN_CONTEXT *ctx, int message, void *data, void *user)
{
	struct yarascan_result *res = user;
	const YR_RULE *rule = data;
	struct yarascan_hit *h;
	const char *tag;

	if (message != CALLBACK_MSG_RULE_MATCHING)
		return CALLBACK_CONTINUE;
	if (res->n_hits == YARASCAN_HITS_MAX) {
		res->n_more++;
		return CALLBACK_CONTINUE;
	}
	h = &res->hits[res->n_hits++];
	memset(h, 0, sizeof(*h));
	copy_name(h->rule, rule->identifier);
	yr_rule_tags_foreach(rule, tag)
		if (h->n_tags < YARASCAN_TAGS_MAX)
			copy_name(h->tags[h->n_tags++], tag);
	note_strings(ctx, rule, h);
	return CALLBACK_CONTINUE;
}

void yarascan_scan(struct yarascan *y, const uint8_t *bytes, size_t len,
		   struct yarascan_result *res)
{
	res->n_hits = res->n_more = 0;
	res->error = from_yara(yr_rules_scan_mem(y->rules, bytes, len, SCAN_FLAGS_FAST_MODE,
						 on_scan, res, SCAN_TIMEOUT_S));
}

void yarascan_close(struct yarascan *y)
{
	if (!y)
		return;
	yr_rules_destroy(y->rules);
	free(y);
	yr_finalize();
}
