/* SPDX-License-Identifier: MIT */
#include <emt/emt.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_ONLY_WX = 256,
	OPT_NO_FOLLOW,
	OPT_NO_SECCOMP,
	OPT_STEALTH,
	OPT_ELF,
	OPT_YARA,
	OPT_REGION,
};

/* --region without a size. */
#define REGION_DEFAULT ((size_t)256 << 10)

static const struct option long_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "pid", required_argument, NULL, 'p' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "stack-trace", no_argument, NULL, 'k' },
	{ "only-wx", no_argument, NULL, OPT_ONLY_WX },
	{ "no-follow", no_argument, NULL, OPT_NO_FOLLOW },
	{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
	{ "stealth", no_argument, NULL, OPT_STEALTH },
	{ "elf", no_argument, NULL, OPT_ELF },
	{ "yara", required_argument, NULL, OPT_YARA },
	{ "region", optional_argument, NULL, OPT_REGION },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char usage_line[] =
	"usage: emt [-qvk] [-o DIR [--elf]] [--only-wx] [--no-follow] [--no-seccomp] "
	"[--stealth] [--region[=SIZE]] [--yara RULES] {-p PID | [--] PROG [ARGS...]}\n";

static void help(void)
{
	fputs(usage_line, stdout);
	fputs("\nTrace the code PROG generates at run time, or attach to PID.\n\n"
	      "  -o DIR          write DIR/events.jsonl and DIR/captures/\n"
	      "  --elf           with -o: also each capture as an ELF file at the\n"
	      "                  address it ran at, in DIR/elf/ (objdump -d, gdb)\n"
	      "  --region[=SIZE] capture the whole tracked region around each fault,\n"
	      "                  the pages after it first, up to SIZE bytes (K, M;\n"
	      "                  default 256K, at most 64M), not just its page\n"
	      "  --yara RULES    scan every capture with the YARA rules in RULES\n"
	      "                  (source or compiled); matches are logged and\n"
	      "                  written as match records\n"
	      "  -p PID          attach to a running process\n"
	      "  -q              no human log on stderr\n"
	      "  -v              library debug log on stderr\n"
	      "  -k              the faulting thread's stack at each capture\n"
	      "                  (as strace -k)\n"
	      "  --only-wx       track only W+X requests, not RW->RX flips\n"
	      "  --no-follow     do not trace forked children\n"
	      "  --no-seccomp    stop at every syscall even when launching\n"
	      "  --stealth       hide emt from the usual tracer checks (TRACEME,\n"
	      "                  TracerPid, Seccomp); a stop at every open\n"
	      "  -h, --help      this help\n"
	      "  -V, --version   version\n",
	      stdout);
}

static int usage_error(const char *msg)
{
	if (msg)
		fprintf(stderr, "emt: %s\n", msg);
	fputs(usage_line, stderr);
	return CLI_USAGE_ERROR;
}

static int parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > 0x3fffffff)
		return -1;
	*pid = (pid_t)v;
	return 0;
}

/* "1048576", "256K", "1M"; none: the default. A page to EMT_CAPTURE_MAX. */
static int parse_size(const char *s, size_t *size)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s) {
		*size = REGION_DEFAULT;
		return 0;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	if (shift)
		end++;
	if (*end || v > (EMT_CAPTURE_MAX >> shift) || (v << shift) < 4096)
		return -1;
	*size = (size_t)(v << shift);
	return 0;
}

/* One option; CLI_RUN to go on, or an exit status. */
static int option(int c, struct cli *cli)
{
	switch (c) {
	case 'o':
		cli->outdir = optarg;
		break;
	case 'p':
		if (parse_pid(optarg, &cli->pid) < 0)
			return usage_error("-p needs a process id");
		break;
	case 'q':
		cli->quiet = true;
		break;
	case 'v':
		cli->verbose = true;
		break;
	case 'k':
		cli->flags |= EMT_OPT_BACKTRACE;
		break;
	case OPT_ONLY_WX:
		cli->flags |= EMT_OPT_ONLY_WX;
		break;
	case OPT_NO_FOLLOW:
		cli->flags |= EMT_OPT_NO_FOLLOW;
		break;
	case OPT_NO_SECCOMP:
		cli->flags |= EMT_OPT_NO_SECCOMP;
		break;
	case OPT_STEALTH:
		cli->flags |= EMT_OPT_STEALTH;
		break;
	case OPT_ELF:
		cli->elf = true;
		break;
	case OPT_YARA:
		cli->yara = optarg;
		break;
	case OPT_REGION:
		if (parse_size(optarg, &cli->capture_max) < 0)
			return usage_error("--region=SIZE needs a size from 4K to 64M");
		break;
	case 'h':
		help();
		return 0;
	case 'V':
		printf("emt %d.%d\n", EMT_VERSION_MAJOR, EMT_VERSION_MINOR);
		return 0;
	default:
		return usage_error(NULL);
	}
	return CLI_RUN;
}

int cli_parse(int argc, char **argv, struct cli *cli)
{
	int c, rc;

	memset(cli, 0, sizeof(*cli));
	/* '+': the first non-option starts PROG, whose own options are its
	 * business (as with strace). */
	while ((c = getopt_long(argc, argv, "+o:p:qvkhV", long_options, NULL)) != -1) {
		rc = option(c, cli);
		if (rc != CLI_RUN)
			return rc;
	}
	if (optind < argc)
		cli->argv = argv + optind;
	if (cli->pid && cli->argv)
		return usage_error("-p and PROG exclude each other");
	if (!cli->pid && !cli->argv)
		return usage_error("must have PROG [ARGS] or -p PID");
	if (cli->outdir && !*cli->outdir)
		return usage_error("-o needs a directory");
	if (cli->elf && !cli->outdir)
		return usage_error("--elf needs -o DIR");
	return CLI_RUN;
}
