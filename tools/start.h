/* SPDX-License-Identifier: MIT */
/* Creating and starting the monitor, with a message naming the cause of
 * any failure. */
#ifndef EMT_TOOLS_START_H
#define EMT_TOOLS_START_H

#include <emt/emt.h>

#include "cli.h"

/* The running monitor, or NULL after saying why it could not start. */
struct emt_monitor *start_monitor(const struct cli *cli);

#endif
