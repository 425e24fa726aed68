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

# Seconds per page of the two runs of the buffer, from the victim's
# "times" announcement.
per_page() {
	awk '/^times /{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%.9f\n", (v["run"] + v["rerun"]) / v["pages"] }' "$1"
}

# 1 GiB of RWX memory, every other page run twice (131072 states in emt's
# map), then 50 forks: emt's time per page must not grow with the size
# (a change of the map must not cost in proportion to the map), and its
# peak memory stays bounded.
t_bounded() {
	local small large
	need_victim bounded
	victim_case -m "$HOSTILE_HWM" bounded 256
	small=$(per_page emt.ann)
	victim_case -m "$HOSTILE_HWM" bounded 1024
	large=$(per_page emt.ann)
	echo "per page: $small s at 256 MiB, $large s at 1 GiB; emt peak $(cat emt.hwm) kB"
	awk -v s="$small" -v l="$large" 'BEGIN { exit !(l <= 3 * s) }' ||
		fail "time per page grew from $small s to $large s with 4 times the pages"
}

register "1 GiB, 131072 page states, 50 forks: linear time, bounded memory" t_bounded

# One run of the victim under emt with the allocations of its page map
# that SPEC names failing (EMT_TEST_FAIL_REGIONS, src/testhooks.c): it
# must be the native run, with the captures right until a page is let go,
# and each page let go reported unenforceable. ./failed: one did fail.
oom_run() {
	local spec=$1 v=$2
	shift 2
	rm -f failed
	EMT_TEST_FAIL_REGIONS=$spec EMT_TEST_FAILED=$TDIR/failed \
		run_emt -- "$VICTIMS/$v" "$@"
	echo "$v $*: allocations $spec failing" >oom.case
	compare_runs
	check_events --any-blind --blind-excuses
}

# emt runs out of memory while it traces VICTIM ARGS: for good (every
# allocation from the Nth on fails), and for a moment (only the Nth does),
# for each N until the run makes fewer. No page emt has stripped may stay
# where its fault would reach the program.
oom_sweep() {
	local n
	native_reference "$@"
	oom_run 0+ "$@"
	[ -e failed ] || fail "$*: no allocation of the map failed"
	grep -q '"route":"unenforceable"' out/events.jsonl ||
		fail "$*: emt had no memory for its map, and said nothing"
	for n in 1+ 2+ 4+ 8+ 16+; do
		oom_run "$n" "$@"
	done
	for ((n = 0; n < 4096; n += n < 32 ? 1 : n)); do
		oom_run "$n" "$@"
		[ -e failed ] || break
	done
	echo "$*: $n allocations"
}

t_oom() {
	oom_sweep single
	oom_sweep smc
	oom_sweep odd_maps
	oom_sweep read_into_code
	oom_sweep read_implies_exec
	oom_sweep stack_growsdown
	for mode in protect mremap fork; do
		oom_sweep alias_views "$mode"
	done
}

register "memory runs out for emt's map: nothing left stripped" t_oom
