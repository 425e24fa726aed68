/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "monitor.h"
#include "events/events.h"

void emt_log(struct emt_monitor *mon, enum emt_log_level level,
	     const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!mon->opts.log || level > mon->opts.log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mon->opts.log(level, msg, mon->opts.log_ctx);
}

uint64_t emt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
