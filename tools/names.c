/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "names.h"

#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
#define MAP_HUGE_BITS (0x3full << MAP_HUGE_SHIFT)

struct flag_name {
	uint64_t bit;
	const char *name;
};

/* MAP_SHARED, MAP_PRIVATE and MAP_SHARED_VALIDATE are values of the
 * two-bit type field, not independent bits. */
static const char *const map_types[] = {
	[MAP_SHARED] = "MAP_SHARED",
	[MAP_PRIVATE] = "MAP_PRIVATE",
	[MAP_SHARED_VALIDATE] = "MAP_SHARED_VALIDATE",
};

static const struct flag_name map_flags[] = {
	{ MAP_FIXED, "MAP_FIXED" },
	{ MAP_ANONYMOUS, "MAP_ANONYMOUS" },
	{ MAP_32BIT, "MAP_32BIT" },
	{ MAP_GROWSDOWN, "MAP_GROWSDOWN" },
	{ MAP_DENYWRITE, "MAP_DENYWRITE" },
	{ MAP_EXECUTABLE, "MAP_EXECUTABLE" },
	{ MAP_LOCKED, "MAP_LOCKED" },
	{ MAP_NORESERVE, "MAP_NORESERVE" },
	{ MAP_POPULATE, "MAP_POPULATE" },
	{ MAP_NONBLOCK, "MAP_NONBLOCK" },
	{ MAP_STACK, "MAP_STACK" },
	{ MAP_HUGETLB, "MAP_HUGETLB" },
	{ MAP_SYNC, "MAP_SYNC" },
	{ MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE" },
	{ MAP_UNINITIALIZED, "MAP_UNINITIALIZED" },
};

static const struct flag_name mremap_flags[] = {
	{ MREMAP_MAYMOVE, "MREMAP_MAYMOVE" },
	{ MREMAP_FIXED, "MREMAP_FIXED" },
	{ MREMAP_DONTUNMAP, "MREMAP_DONTUNMAP" },
};

/* Appends "|" (unless first) and s to buf; truncates silently. */
static void append(char *buf, size_t size, const char *s)
{
	size_t len = strlen(buf);

	if (len > 0 && len + 1 < size)
		buf[len++] = '|', buf[len] = '\0';
	if (len < size)
		snprintf(buf + len, size - len, "%s", s);
}

static uint64_t append_flags(char *buf, size_t size, uint64_t flags,
			     const struct flag_name *table, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (flags & table[i].bit) {
			append(buf, size, table[i].name);
			flags &= ~table[i].bit;
		}
	}
	return flags;
}

static void append_hex(char *buf, size_t size, uint64_t v)
{
	char hex[24];

	snprintf(hex, sizeof(hex), "%#" PRIx64, v);
	append(buf, size, hex);
}

/* With MAP_HUGETLB the top bits are log2 of the page size, as strace shows
 * them: MAP_HUGE_2MB, MAP_HUGE_1GB. Empty name when absent. */
static void huge_name(uint64_t flags, char *name, size_t size)
{
	unsigned int shift = (unsigned int)((flags & MAP_HUGE_BITS) >> MAP_HUGE_SHIFT);

	name[0] = '\0';
	if (!(flags & MAP_HUGETLB) || shift == 0)
		return;
	if (shift >= 30)
		snprintf(name, size, "MAP_HUGE_%lluGB", 1ull << (shift - 30));
	else if (shift >= 20)
		snprintf(name, size, "MAP_HUGE_%lluMB", 1ull << (shift - 20));
	else
		snprintf(name, size, "MAP_HUGE_%lluKB", 1ull << (shift - 10));
}

char *names_map_flags(uint64_t flags, char *buf, size_t size)
{
	uint64_t type = flags & MAP_TYPE;
	char huge[32];

	buf[0] = '\0';
	if (type < sizeof(map_types) / sizeof(map_types[0]) && map_types[type])
		append(buf, size, map_types[type]);
	else
		append_hex(buf, size, type);
	flags &= ~(uint64_t)MAP_TYPE;
	/* The page size bits overlap MAP_UNINITIALIZED: take them first. */
	huge_name(flags, huge, sizeof(huge));
	if (huge[0])
		flags &= ~MAP_HUGE_BITS;
	flags = append_flags(buf, size, flags, map_flags,
			     sizeof(map_flags) / sizeof(map_flags[0]));
	if (huge[0])
		append(buf, size, huge);
	if (flags)
		append_hex(buf, size, flags);
	return buf;
}

char *names_mremap_flags(uint64_t flags, char *buf, size_t size)
{
	buf[0] = '\0';
	flags = append_flags(buf, size, flags, mremap_flags,
			     sizeof(mremap_flags) / sizeof(mremap_flags[0]));
	if (flags || buf[0] == '\0')
		append_hex(buf, size, flags);
	return buf;
}

char *names_signal(int sig, char *buf, size_t size)
{
	const char *abbrev = sigabbrev_np(sig);

	/* glibc has no abbreviation for real-time signals; number them from
	 * the kernel's first one, as strace does. */
	if (abbrev)
		snprintf(buf, size, "SIG%s", abbrev);
	else if (sig == 32)
		snprintf(buf, size, "SIGRTMIN");
	else if (sig > 32 && sig <= 64)
		snprintf(buf, size, "SIGRT_%d", sig - 32);
	else
		snprintf(buf, size, "%d", sig);
	return buf;
}

char *names_errno(int err, char *buf, size_t size)
{
	const char *name = strerrorname_np(err);

	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "E%d", err);
	return buf;
}

char *names_time(uint64_t ns, char *buf, size_t size)
{
	time_t sec = (time_t)(ns / 1000000000u);
	struct tm tm;
	char date[24];

	if (!gmtime_r(&sec, &tm) ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(date, sizeof(date), "1970-01-01T00:00:00");
	snprintf(buf, size, "%s.%09" PRIu64 "Z", date, ns % 1000000000u);
	return buf;
}

char *names_sha256(const uint8_t digest[32], char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < 32 && 2 * i + 2 < size; i++) {
		buf[2 * i] = hex[digest[i] >> 4];
		buf[2 * i + 1] = hex[digest[i] & 0xf];
	}
	buf[2 * i] = '\0';
	return buf;
}
