# SPDX-License-Identifier: MIT
# One victim each: same behaviour natively and under emt, and the events
# say exactly what the victim announced it generated.

t_single() {
	victim_case -c --only-announced -c --exit-code=0 single
}

t_cycles() {
	victim_case -c --only-announced cycles 25
}

t_exitcode() {
	victim_case -c --only-announced -c --exit-code=7 exitcode
	[ "$(cat emt.rc)" = 7 ] || fail "emt exited $(cat emt.rc), not 7"
}

t_crash() {
	victim_case -c --only-announced -c --exit-signal=SIGSEGV crash
	# 128 + SIGSEGV: emt itself died of the signal, as the shell sees it.
	[ "$(cat emt.rc)" = 139 ] || fail "emt exited $(cat emt.rc), not 139 (SIGSEGV)"
}

# Victims whose announcements say everything emt must report.
t_announced() {
	victim_case -c --only-announced "$@"
}

register "single capture" t_single
register "25 rewrite cycles of one page" t_cycles
register "several regions (mmap, mprotect, -WX)" t_announced regions
register "exit status 7 passed through" t_exitcode
register "null dereference: dies of SIGSEGV" t_crash
register "program's own 50 SIGSEGVs delivered unchanged" t_announced own_segv
register "odd lengths, MAP_FIXED, partial munmap, mremap" t_announced odd_maps
register "instruction straddling two pages" t_announced straddle
register "same-page self-modifying code (2000 runs)" t_announced smc
register "multi-threaded JIT in one page" t_announced mt_jit
register "threads writing and running one page in turn" t_announced mark_and_run
register "generated code starting with a syscall (getpid, mprotect)" t_announced syscall_first
register "generated code starting with int3: SIGTRAP handled" t_announced trap_first
register "generated code starting with a blocking poll" t_announced blocking_first
register "500 signals to a thread emt keeps stepping" t_announced signal_flood rt
register "300 sent SIGBUS to a thread emt keeps stepping" t_announced signal_flood bus
register "code writing its own file page through another view" t_announced alias_smc
register "read() into a page that already ran" t_announced read_into_code
register "RW then R-X flips (W^X-compliant JIT)" t_announced flip
