# SPDX-License-Identifier: MIT
# --stealth: a program that looks for a tracer the usual ways before it
# unpacks (PTRACE_TRACEME, TracerPid, State, Seccomp, NoNewPrivs, prctl)
# must find nothing under emt --stealth, print what it prints natively and
# have its payload captured; without --stealth it finds emt.

# The victim gave up: it found emt.
found_emt() {
	grep -q '^debugger found' "$1"
}

t_stealth_launch() {
	victim_case -e --stealth -c --only-announced -c --exit-code=0 stealth
	found_emt emt.out && fail "the victim found emt: $(grep '^debugger' emt.out)"
	grep -q '^payload ran: 42$' emt.out || fail "the payload did not run"
}

# Without --stealth the same checks find emt: the test can fail.
t_stealth_off() {
	need_emt
	need_victim stealth
	run_emt -- "$VICTIMS/stealth"
	found_emt emt.out || { show "victim stdout" emt.out; fail "the victim did not find emt"; }
	grep -q '^payload' emt.out && fail "the payload ran although emt was found"
	return 0
}

# TracerPid of a process as the kernel shows it to an untraced reader.
tracer_of() {
	sed -n 's/^TracerPid:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null
}

# attach_run [EMT OPTIONS] — the victim started natively, waiting for a
# go file; emt attached; then go. Leaves the victim's stdout, stderr and
# status in emt.out, emt.err, emt.rc (compare_runs' names) and emt's own
# in tracer.*.
attach_run() {
	local vpid epid i
	need_emt
	need_victim stealth
	rm -rf out go emt.ann
	EMT_ANNOUNCE=$TDIR/emt.ann "$VICTIMS/stealth" -w "$TDIR/go" >emt.out 2>emt.err </dev/null &
	vpid=$!
	trap 'kill -KILL "$vpid" 2>/dev/null' EXIT
	wait_for '^ready ' emt.ann 10 || fail "the victim never got ready"
	"$EMT" "$@" -q -o out -p "$vpid" >tracer.out 2>tracer.err </dev/null &
	epid=$!
	# Traced by emt's tracer thread, whose id is not emt's pid.
	for ((i = 0; i < 200; i++)); do
		[ "$(tracer_of "$vpid")" -gt 0 ] 2>/dev/null && break
		sleep 0.05
	done
	[ "$(tracer_of "$vpid")" -gt 0 ] 2>/dev/null || { show "emt stderr" tracer.err; fail "emt did not attach"; }
	touch go
	wait_child "$vpid" "$RUN_LIMIT" || fail "the victim did not finish"
	trap - EXIT
	echo "$WAIT_RC" >emt.rc
	wait_child "$epid" 10 || fail "emt did not exit after the program"
	[ ! -s tracer.err ] || { show "emt stderr" tracer.err; fail "emt wrote on stderr"; }
}

t_stealth_attach() {
	need_victim stealth
	touch go.native
	run_native "$VICTIMS/stealth" -w "$TDIR/go.native"
	attach_run --stealth
	compare_runs
	found_emt emt.out && fail "the victim found emt: $(grep '^debugger' emt.out)"
	check_events --attached --only-announced --exit-code=0
}

t_stealth_attach_off() {
	attach_run
	found_emt emt.out || { show "victim stdout" emt.out; fail "the victim did not find emt"; }
}

# Unprivileged, emt sets no_new_privs to install its filter; the program
# must not see it, and a filter it installs without setting no_new_privs
# itself is refused as it would be.
t_stealth_unprivileged() {
	local dir
	[ "$(id -u)" = 0 ] || skip "needs root to run as an unprivileged user"
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	need_emt
	need_victim stealth
	dir=$(mktemp -d "${TMPDIR:-/tmp}/emt-stealth.XXXXXX") || fail "mktemp"
	trap 'rm -rf "$dir"' EXIT
	chown 65534:65534 "$dir"
	local as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	"${as[@]}" test -w "$dir" -a -x "$VICTIMS/stealth" -a -x "$EMT" ||
		skip "the build or temporary directory is out of an unprivileged user's reach"
	run_capture native env EMT_ANNOUNCE="$dir/native.ann" "${as[@]}" "$VICTIMS/stealth"
	grep -q '^own filter: Permission denied' native.out ||
		skip "an unprivileged seccomp filter was not refused natively"
	run_capture emt env EMT_ANNOUNCE="$dir/emt.ann" "${as[@]}" \
		"$EMT" --stealth -q -o "$dir/out" -- "$VICTIMS/stealth"
	compare_runs
	cp -a "$dir/out" out
	cp "$dir/emt.ann" emt.ann
	check_events --only-announced --exit-code=0
}

register "--stealth: TRACEME, TracerPid, State, Seccomp, NoNewPrivs as natively" t_stealth_launch
register "without --stealth the same checks find emt" t_stealth_off
register "--stealth, attach mode: the checks find nothing" t_stealth_attach
register "attach mode without --stealth: the checks find emt" t_stealth_attach_off
register "--stealth unprivileged: emt's no_new_privs hidden, own filter EACCES" t_stealth_unprivileged
