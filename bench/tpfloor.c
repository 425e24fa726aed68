/* SPDX-License-Identifier: MIT */
/* The floor of attach mode's call watcher: an eBPF program that does
 * nothing, on the same sys_exit raw tracepoint, costs every call of every
 * process what being on the kernel's slow path and running a program
 * costs. emt's watcher adds its own look to that.
 *
 *   tpfloor CMD ARGS...   CMD runs while the empty program is attached
 *
 * CMD's output and status are tpfloor's. Needs what emt's watcher needs
 * (root, or CAP_BPF and CAP_PERFMON). */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* r0 = 0; exit */
static int load_empty(void)
{
	static const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (uint64_t)(uintptr_t)"GPL";
	return bpf(BPF_PROG_LOAD, &attr);
}

static int attach(int prog)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.raw_tracepoint.name = (uint64_t)(uintptr_t)"sys_exit";
	attr.raw_tracepoint.prog_fd = (uint32_t)prog;
	return bpf(BPF_RAW_TRACEPOINT_OPEN, &attr);
}

int main(int argc, char **argv)
{
	int prog, link, status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: tpfloor CMD ARGS...\n");
		return 2;
	}
	prog = load_empty();
	link = prog < 0 ? -1 : attach(prog);
	if (link < 0) {
		fprintf(stderr, "tpfloor: %s\n", strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
