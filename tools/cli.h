/* SPDX-License-Identifier: MIT */
/* The command line of emt. */
#ifndef EMT_TOOLS_CLI_H
#define EMT_TOOLS_CLI_H

#include <stdbool.h>
#include <sys/types.h>

struct cli {
	const char *outdir;  /* -o, or NULL: no output directory */
	bool elf;            /* --elf: an ELF file per capture in DIR/elf/ */
	const char *yara;    /* --yara RULES, or NULL */
	size_t capture_max;  /* --region[=SIZE]: bytes per capture, or 0 */
	bool quiet;          /* -q: no human log */
	bool verbose;        /* -v: library debug log */
	unsigned int flags;  /* EMT_OPT_* */
	pid_t pid;           /* -p, or 0 */
	char **argv;         /* PROG ARGS..., NULL-terminated, or NULL */
};

/* Exit status of a usage error. */
#define CLI_USAGE_ERROR 2
/* cli_parse's result when emt should go on and trace. */
#define CLI_RUN (-1)

/* Fills *cli from argv. CLI_RUN, or an exit status after printing help,
 * the version or a usage error. */
int cli_parse(int argc, char **argv, struct cli *cli);

#endif
