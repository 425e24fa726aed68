# SPDX-License-Identifier: MIT
# Programs that push emt: huge mappings, storms of mprotect, forks and
# clones, self-inflicted SIGKILL, ptrace games. Each must behave exactly as
# natively, and emt must neither crash, hang nor grow without bound.

# Peak resident size allowed to emt (kB), sanitizers included.
HOSTILE_HWM=$((64 * 1024))

t_huge_map() {
	need_victim huge_map
	run_native "$VICTIMS/huge_map"
	grep -q '^no 1 TiB mapping' native.out && skip "$(cat native.out)"
	victim_case -m "$HOSTILE_HWM" -c --only-announced -c --exit-code=0 huge_map
}

t_mprotect_storm() {
	victim_case -m "$HOSTILE_HWM" -c --only-announced mprotect_storm 300
}

# The same with every syscall stopping in emt: the RW mprotects are seen.
t_mprotect_storm_no_seccomp() {
	victim_case -m "$HOSTILE_HWM" -e --no-seccomp -c --only-announced mprotect_storm 100
}

t_fork_storm() {
	victim_case -m "$HOSTILE_HWM" -c --only-announced -c --exit-code=0 fork_storm
}

t_killself() {
	KILLED_OK=1 victim_case -m "$HOSTILE_HWM" -c --only-announced -c --exit-signal=SIGKILL killself
	[ "$(cat native.rc)" = 137 ] || fail "natively the victim exited $(cat native.rc), not 137"
	# 128 + SIGKILL: emt itself died of the signal, as the program did.
	[ "$(cat emt.rc)" = 137 ] || fail "emt exited $(cat emt.rc), not 137 (SIGKILL)"
}

# PTRACE_TRACEME fails under emt (EPERM: already traced) where it succeeds
# natively; the victim's output does not depend on it.
t_ptrace_self() {
	victim_case -m "$HOSTILE_HWM" -c --only-announced -c --exit-code=0 ptrace_self
}

t_clone_untraced() {
	victim_case -m "$HOSTILE_HWM" -c --only-announced -c --exit-code=0 clone_untraced
}

# Four threads running code nonstop: emt must serve their faults in turn,
# not leave one stopped while the others keep it busy. Each page gets at
# least a tenth of the captures of the busiest.
t_busy_fair() {
	victim_case -m "$HOSTILE_HWM" -c --only-announced -c --fair=10 busy_mt -t 2
}

register "1 TiB RWX MAP_NORESERVE mapping, code across it" t_huge_map
register "8 threads flipping RW<->RWX (300 rounds each)" t_mprotect_storm
register "--no-seccomp: 8 threads flipping RW<->RWX" t_mprotect_storm_no_seccomp
register "200 forked children run inherited RWX code" t_fork_storm
register "4 threads running code nonstop: none starved" t_busy_fair
register "SIGKILL right after running generated code" t_killself
register "PTRACE_TRACEME, PTRACE_ATTACH on self and parent" t_ptrace_self
register "clone(CLONE_UNTRACED): children still traced" t_clone_untraced
