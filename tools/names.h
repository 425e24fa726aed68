/* SPDX-License-Identifier: MIT */
/*
 * Names the library does not provide: mmap and mremap flags, signals,
 * errno values, times and digests, written the way strace and
 * doc/events.md write them.
 */
#ifndef EMT_TOOLS_NAMES_H
#define EMT_TOOLS_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* Large enough for any flags or signal string written here. */
#define NAMES_BUF 256
/* "2026-11-22T10:00:00.123456789Z" and its NUL. */
#define NAMES_TIME_BUF 32
/* Two hex digits per byte of a SHA-256 and a NUL. */
#define NAMES_SHA256_BUF 65

/* "MAP_PRIVATE|MAP_ANONYMOUS"; unknown bits as a trailing hex value. */
char *names_map_flags(uint64_t flags, char *buf, size_t size);
/* "MREMAP_MAYMOVE|MREMAP_FIXED", or "0". */
char *names_mremap_flags(uint64_t flags, char *buf, size_t size);
/* "SIGSEGV", "SIGRT_3". */
char *names_signal(int sig, char *buf, size_t size);
/* "ENOMEM"; "E123" for a value without a name. */
char *names_errno(int err, char *buf, size_t size);
/* ns since the epoch as ISO 8601 UTC with nanoseconds. */
char *names_time(uint64_t ns, char *buf, size_t size);
/* Lower-case hex of the 32 bytes of a SHA-256. */
char *names_sha256(const uint8_t digest[32], char *buf, size_t size);

#endif
