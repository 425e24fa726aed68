# SPDX-License-Identifier: MIT
# Code made executable without ever asking for W+X: dual mappings, fresh
# exec mappings of written files, RW -> R-X flips. And what must not be
# captured: ordinary libraries and programs that generate nothing.

t_alias_memfd() {
	victim_case -c --only-announced -c --exit-code=0 alias_memfd 12
}

# fresh_case MODE — skipped when the directory refuses exec mappings.
fresh_case() {
	need_victim fresh_exec
	run_native "$VICTIMS/fresh_exec" "$1"
	grep -q '^exec mapping refused' native.out && skip "$(cat native.out) in $TDIR"
	victim_case -c --only-announced -c --exit-code=0 fresh_exec "$1"
}

t_fresh_memfd() {
	fresh_case memfd
}

t_fresh_deleted() {
	fresh_case deleted
}

t_flips() {
	victim_case -c --only-announced flip 30
}

t_dlopen() {
	victim_case -c --no-exec -c --exit-code=0 dlopen_libm
}

# A real program that generates nothing: no exec event at all.
plain_case() {
	need_emt
	run_native "$@"
	[ "$(cat native.rc)" = 0 ] || { show stderr native.err; fail "$1 fails natively"; }
	run_emt -- "$@"
	compare_runs
	check_events --no-exec
}

t_true() {
	plain_case /bin/true
}

t_ls() {
	plain_case ls -a /
}

register "memfd mapped RW and R-X: patched through RW, run 12 times" t_alias_memfd
register "fresh R-X mapping of a memfd written with write(2)" t_fresh_memfd
register "R-X mapping of a written, then deleted file" t_fresh_deleted
register "30 RW -> R-X flips with new code" t_flips
register "dlopen(libm.so.6) and cos(): nothing captured" t_dlopen
register "/bin/true: nothing captured" t_true
register "ls -a /: nothing captured" t_ls
