# SPDX-License-Identifier: MIT
# The CLI options that change how emt traces.

# Without the seccomp filter emt stops at every syscall: same results.
t_no_seccomp_cycles() {
	victim_case -e --no-seccomp -c --only-announced cycles 10
}

t_no_seccomp_regions() {
	victim_case -e --no-seccomp -c --only-announced regions
}

t_no_seccomp_fork() {
	victim_case -e --no-seccomp -c --only-announced fork
}

# --only-wx: RW -> R-X flips are no longer tracked, W+X requests still are.
t_only_wx_flip() {
	victim_case -e --only-wx -c --no-exec flip
}

t_only_wx_single() {
	victim_case -e --only-wx -c --only-announced single
}

register "--no-seccomp: cycles" t_no_seccomp_cycles
register "--no-seccomp: several regions" t_no_seccomp_regions
register "--no-seccomp: fork" t_no_seccomp_fork
register "--only-wx: flips not tracked" t_only_wx_flip
register "--only-wx: W+X still tracked" t_only_wx_single
