# SPDX-License-Identifier: MIT
# emt holds its ground against the program it traces, which usually runs as
# the same user and can act on emt itself; and a program emt cannot trace
# (another tracer has it) is an error, never a hang.

# ASAN_OPTIONS for a sanitized emt that runs traced: the leak check at exit
# stops the world with ptrace, which a traced process cannot do.
traced_san_env() {
	echo "ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0"
}

need_cmd() {
	command -v "$1" >/dev/null || skip "$1 not installed"
}

# ---- a child that cannot be traced ----

# strace -f follows emt's fork: the child has a tracer when emt comes to
# seize it.
t_under_strace() {
	need_emt
	need_victim single
	need_cmd strace
	run_capture bad env "$(traced_san_env)" strace -f -o strace.log \
		"$EMT" -q -- "$VICTIMS/single"
	[ "$(cat bad.rc)" != 0 ] || fail "emt under strace -f exited 0"
	one_line_error bad.err "cannot trace '$VICTIMS/single': it is already traced by process [0-9]* (strace)"
	[ ! -s bad.out ] || fail "the program ran untraced: $(cat bad.out)"
}

# The outer emt follows the inner one's fork the same way.
t_under_emt() {
	need_emt
	need_victim single
	run_capture bad "$EMT" -q -- env "$(traced_san_env)" "$EMT" -q -- "$VICTIMS/single"
	[ "$(cat bad.rc)" != 0 ] || fail "emt under emt exited 0"
	one_line_error bad.err "cannot trace '$VICTIMS/single': it is already traced by process [0-9]* (emt)"
	[ ! -s bad.out ] || fail "the program ran untraced: $(cat bad.out)"
}

# A process another tracer holds cannot be attached either.
t_attach_traced() {
	local vpid spid
	need_emt
	need_victim attach
	need_cmd strace
	EMT_ANNOUNCE=$TDIR/emt.ann "$VICTIMS/attach" -t 30 >victim.out 2>victim.err </dev/null &
	vpid=$!
	trap 'kill -KILL "$vpid" 2>/dev/null' EXIT
	wait_for '^ready ' emt.ann 10 || fail "the victim never got ready"
	strace -o strace.log -p "$vpid" 2>strace.err &
	spid=$!
	wait_for "attached" strace.err 10 || fail "strace did not attach"
	run_capture bad "$EMT" -q -p "$vpid"
	kill -INT "$spid"
	wait_child "$spid" 10 || fail "strace did not exit"
	[ "$(cat bad.rc)" != 0 ] || fail "emt -p of a traced process exited 0"
	one_line_error bad.err "cannot attach to pid $vpid: it is already traced by process $spid (strace)"
	kill -USR1 "$vpid"
	wait_child "$vpid" 10 || fail "the victim did not finish after SIGUSR1"
	trap - EXIT
	[ "$(cat victim.out)" = "attach ok" ] || fail "victim said: $(cat victim.out)"
}

# A library host run under emt: its own emt_monitor_start fails with EBUSY,
# and it says so as it does under strace -f.
t_library_under_emt() {
	local ex=$BUILD/examples/rwx_cycle_test
	need_emt
	[ -x "$ex" ] || skip "$ex not built"
	run_capture emt "$EMT" -q -- env "$(traced_san_env)" "$ex"
	[ "$(cat emt.rc)" = 77 ] || { show stderr emt.err; fail "rwx_cycle_test under emt exited $(cat emt.rc), not 77"; }
	one_line_error emt.err "already traced"
	command -v strace >/dev/null || return 0
	run_capture ref env "$(traced_san_env)" strace -f -o /dev/null "$ex"
	cmp -s ref.err emt.err || fail "under strace -f: '$(cat ref.err)', under emt: '$(cat emt.err)'"
}

# tracer_case CMD... — a tracer run under emt: its ptrace calls fail as
# they do under strace -f (EPERM), and it ends the same way.
tracer_case() {
	need_emt
	need_cmd strace
	run_capture ref strace -f -o /dev/null "$@"
	run_capture emt "$EMT" -q -- "$@"
	grep -q "Operation not permitted" emt.err || { show stderr emt.err; fail "no EPERM reported"; }
	cmp -s ref.out emt.out || { diff ref.out emt.out | head; fail "stdout differs from strace -f's"; }
	cmp -s ref.err emt.err || { diff ref.err emt.err | head; fail "stderr differs from strace -f's"; }
	[ "$(cat ref.rc)" = "$(cat emt.rc)" ] || fail "exit $(cat emt.rc) under emt, $(cat ref.rc) under strace -f"
}

t_gdb_under_emt() {
	need_cmd gdb
	tracer_case gdb -nx -batch -ex run --args /bin/true
}

t_strace_under_emt() {
	need_cmd strace
	tracer_case strace -o /dev/null /bin/true
}

register "strace -f emt: one-line error, nothing hangs" t_under_strace
register "emt -- emt -- prog: one-line error, nothing hangs" t_under_emt
register "emt -p of a process strace traces: one-line error" t_attach_traced
register "rwx_cycle_test under emt: EBUSY, as under strace -f" t_library_under_emt
register "gdb under emt: EPERM as under strace -f" t_gdb_under_emt
register "strace under emt: EPERM as under strace -f" t_strace_under_emt
