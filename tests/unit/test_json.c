/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the CLI's JSON writer: escaping, numbers at their limits,
 * commas. TAP output; exit status 1 if any failed.
 */
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int n, failed;

/* Compares what j holds with want, and starts j afresh. */
static void expect(struct json *j, const char *want, const char *what)
{
	bool ok = !j->oom && j->len == strlen(want) && memcmp(j->buf, want, j->len) == 0;

	printf("%s %d - %s\n", ok ? "ok" : "not ok", ++n, what);
	if (!ok) {
		printf("# want %s\n# got  %.*s\n", want, (int)j->len, j->buf);
		failed = 1;
	}
	json_reset(j);
}

int main(void)
{
	struct json j;

	json_init(&j);
	json_string(&j, "plain text");
	expect(&j, "\"plain text\"", "plain string");

	json_string(&j, "a\"b\\c\nd\x01\x7f");
	expect(&j, "\"a\\\"b\\\\c\\u000ad\\u0001\\u007f\"", "quotes, backslashes, control bytes");

	json_string(&j, "");
	expect(&j, "\"\"", "empty string");

	json_uint(&j, 0);
	json_uint(&j, UINT64_MAX);
	expect(&j, "0,18446744073709551615", "unsigned limits");

	json_int(&j, INT64_MIN);
	json_int(&j, -1);
	json_int(&j, INT64_MAX);
	expect(&j, "-9223372036854775808,-1,9223372036854775807", "signed limits");

	json_hex(&j, 0);
	json_hex(&j, 0x7f3a5c000000ull);
	json_hex(&j, UINT64_MAX);
	expect(&j, "\"0x0\",\"0x7f3a5c000000\",\"0xffffffffffffffff\"", "hex");

	json_object_begin(&j);
	json_key(&j, "event");
	json_string(&j, "exec");
	json_key(&j, "regs");
	json_object_begin(&j);
	json_key(&j, "rax");
	json_hex(&j, 42);
	json_key(&j, "rip");
	json_hex(&j, 0x1000);
	json_object_end(&j);
	json_key(&j, "ok");
	json_bool(&j, true);
	json_object_end(&j);
	json_end_record(&j);
	expect(&j, "{\"event\":\"exec\",\"regs\":{\"rax\":\"0x2a\",\"rip\":\"0x1000\"},\"ok\":true}\n",
	       "nested object, commas, record end");

	json_free(&j);
	printf("1..%d\n", n);
	return failed;
}
