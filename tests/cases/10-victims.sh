# SPDX-License-Identifier: MIT
# One victim each: same behaviour natively and under emt, and the events
# say exactly what the victim announced it generated.

t_single() {
	victim_case -c --only-announced -c --exit-code=0 single
}

t_cycles() {
	victim_case -c --only-announced cycles 25
}

t_regions() {
	victim_case -c --only-announced regions
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

t_own_segv() {
	victim_case -c --only-announced own_segv
}

t_odd_maps() {
	victim_case -c --only-announced odd_maps
}

t_straddle() {
	victim_case -c --only-announced straddle
}

t_smc() {
	victim_case -c --only-announced smc
}

t_mt_jit() {
	victim_case -c --only-announced mt_jit
}

t_read_into_code() {
	victim_case -c --only-announced read_into_code
}

t_flip() {
	victim_case -c --only-announced flip
}

register "single capture" t_single
register "25 rewrite cycles of one page" t_cycles
register "several regions (mmap, mprotect, -WX)" t_regions
register "exit status 7 passed through" t_exitcode
register "null dereference: dies of SIGSEGV" t_crash
register "program's own 50 SIGSEGVs delivered unchanged" t_own_segv
register "odd lengths, MAP_FIXED, partial munmap, mremap" t_odd_maps
register "instruction straddling two pages" t_straddle
register "same-page self-modifying code (2000 runs)" t_smc
register "multi-threaded JIT in one page" t_mt_jit
register "read() into a page that already ran" t_read_into_code
register "RW then R-X flips (W^X-compliant JIT)" t_flip
