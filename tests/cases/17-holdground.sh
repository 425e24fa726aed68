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

# The command prefix of the processes a test starts: see unprivileged.
AS_USER=()
UNPRIV_DIR=

# What a test leaves behind (set as its EXIT trap): its victim, still
# running after a failure; the directory of an unprivileged test, copied
# back into the test's own (kept when the test fails).
cleanup() {
	[ -z "${vpid:-}" ] || kill -KILL "$vpid" 2>/dev/null
	if [ -n "$UNPRIV_DIR" ]; then
		cp -r "$UNPRIV_DIR"/. "$ORIG_TDIR"/ 2>/dev/null
		rm -rf "$UNPRIV_DIR"
	fi
}

# unprivileged — the rest of the test runs its programs (through
# "${AS_USER[@]}") as a user without CAP_SYS_PTRACE, which would allow what
# is tested: nobody when the tests run as root, else the user running them;
# in a directory that user owns ($TDIR is root's and private).
unprivileged() {
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || skip "setpriv not installed"
		AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		"${AS_USER[@]}" true 2>/dev/null || skip "cannot run a program as nobody"
	fi
	ORIG_TDIR=$TDIR
	trap cleanup EXIT
	UNPRIV_DIR=$(mktemp -d /tmp/emt-unpriv.XXXXXX) || fail "mktemp"
	[ "$(id -u)" != 0 ] || chown 65534:65534 "$UNPRIV_DIR" || fail "chown"
	TDIR=$UNPRIV_DIR
	cd "$TDIR" || fail "cd $TDIR"
}

# unpriv_case VICTIM ARGS... — victim_case, with every program run as the
# unprivileged user.
unpriv_case() {
	local v=$1
	shift
	need_emt
	need_victim "$v"
	run_capture native "${AS_USER[@]}" "$VICTIMS/$v" "$@"
	run_capture emt "${AS_USER[@]}" "$EMT" -q -o "$TDIR/out" -- "$VICTIMS/$v" "$@"
	compare_runs
	check_events --only-announced
}

# start_attached MODE — starts `holdground MODE -a` and attaches emt to it,
# with its log on (emt.err); sets vpid and epid.
start_attached() {
	need_emt
	need_victim holdground
	rm -f emt.ann
	EMT_ANNOUNCE=$TDIR/emt.ann "${AS_USER[@]}" "$VICTIMS/holdground" "$1" -a ${2:-} \
		>victim.out 2>victim.err </dev/null &
	vpid=$!
	trap cleanup EXIT
	wait_for '^ready ' emt.ann 10 || fail "the victim never got ready"
	# Background jobs of a script ignore SIGINT; emt must get it.
	# shellcheck disable=SC2086 # EMT_OPTS are words
	"${AS_USER[@]}" env --default-signal=INT,TERM,HUP "$EMT" ${EMT_OPTS:-} -o "$TDIR/out" \
		-p "$vpid" >emt.out 2>emt.err </dev/null &
	epid=$!
}

# end_attached MODE — the victim ran to its end, and emt with it.
end_attached() {
	wait_child "$vpid" 30 || fail "the victim did not finish"
	vpid=
	[ "$WAIT_RC" = 0 ] && [ "$(cat victim.out)" = "$1 done" ] || {
		show "victim stderr" victim.err
		show "emt stderr" emt.err
		fail "the victim exited $WAIT_RC: $(cat victim.out)"
	}
	wait_child "$epid" 10 || fail "emt did not end with the program"
	[ "$WAIT_RC" = 0 ] || { show "emt stderr" emt.err; fail "emt exited $WAIT_RC"; }
	check_events --attached --only-announced
}

# ---- signals to the tracer ----

# SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU from the
# program: ignored, said so; emt neither ends, nor stops, nor passes them on.
t_signals_launch() {
	victim_case -c --only-announced holdground signals
	run_capture loud "$EMT" -o out2 -- "$VICTIMS/holdground" signals
	[ "$(cat loud.rc)" = 0 ] || { show stderr loud.err; fail "emt exited $(cat loud.rc)"; }
	for sig in TERM INT HUP QUIT TSTP TTIN TTOU; do
		grep -q "^emt: ignored SIG$sig from traced process [0-9]*$" loud.err ||
			{ show stderr loud.err; fail "SIG$sig from the program not said ignored"; }
	done
	grep -q "^emt: ignored SIGTERM: its siginfo names no sender$" loud.err ||
		{ show stderr loud.err; fail "SIGTERM through F_SETSIG not said ignored"; }
}

t_signals_attach() {
	local pid
	start_attached signals
	pid=$vpid
	end_attached signals
	grep -q "^emt: ignored SIGTERM from traced process $pid$" emt.err ||
		{ show "emt stderr" emt.err; fail "SIGTERM from the program not said ignored"; }
	! grep -q "detached" emt.err || { show "emt stderr" emt.err; fail "emt detached before the program ended"; }
}

# The same signals from anyone else keep their meaning: SIGTSTP stops emt,
# SIGCONT goes on, SIGINT detaches.
t_signals_user() {
	local epid i
	need_emt
	need_victim attach
	EMT_ANNOUNCE=$TDIR/emt.ann "$VICTIMS/attach" -m -t 30 >victim.out 2>victim.err </dev/null &
	vpid=$!
	trap cleanup EXIT
	wait_for '^ready ' emt.ann 10 || fail "the victim never got ready"
	env --default-signal=INT "$EMT" -q -o out -p "$vpid" >emt.out 2>emt.err </dev/null &
	epid=$!
	sleep 0.5
	kill -TSTP "$epid"
	for ((i = 0; i < 40; i++)); do
		[ "$(proc_state "$epid")" = T ] && break
		sleep 0.05
	done
	[ "$(proc_state "$epid")" = T ] || fail "SIGTSTP from the user did not stop emt"
	kill -CONT "$epid"
	sleep 0.3
	kill -INT "$epid"
	wait_child "$epid" 10 || fail "emt did not exit within 10s of SIGINT"
	[ "$WAIT_RC" = 0 ] || { show "emt stderr" emt.err; fail "emt exited $WAIT_RC after SIGINT"; }
	kill -USR1 "$vpid"
	wait_child "$vpid" 10 || fail "the program did not finish after SIGUSR1"
	vpid=
	[ "$(cat victim.out)" = "attach ok" ] || fail "victim said: $(cat victim.out)"
}

# ---- emt non-dumpable ----

# An unprivileged emt still seizes the child it forks, which is
# non-dumpable like emt until its execve.
t_unprivileged_launch() {
	unprivileged
	unpriv_case single
}

# PTRACE_ATTACH, PTRACE_SEIZE, process_vm_readv/writev, /proc/PID/mem and
# pidfd_getfd aimed at emt: all refused; emt goes on capturing.
t_ptrace_launch() {
	unprivileged
	unpriv_case holdground ptrace
}

t_ptrace_attach() {
	unprivileged
	start_attached ptrace
	end_attached ptrace
}

# ---- resource limits ----

# prlimit64 of RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NOFILE, RLIMIT_AS on emt's
# threads and its waker: refused (EPERM), said so; emt's limits unchanged.
t_rlimit_launch() {
	victim_case -c --only-announced holdground rlimit
	run_capture loud "$EMT" -o out2 -- "$VICTIMS/holdground" rlimit
	[ "$(cat loud.rc)" = 0 ] || { show stderr loud.err; fail "emt exited $(cat loud.rc)"; }
	grep -q "^emt: warning: [0-9]*: prlimit64 aimed at emt (pid [0-9]*) refused (EPERM)$" loud.err ||
		{ show stderr loud.err; fail "the refusal was not said"; }
}

# Stopping at every call, attached: refused as when launched.
t_rlimit_attach() {
	EMT_OPTS=--no-seccomp start_attached rlimit
	end_attached rlimit
	grep -q "prlimit64 aimed at emt (pid [0-9]*) refused (EPERM)" emt.err ||
		{ show "emt stderr" emt.err; fail "the refusal was not said"; }
}

# With the call watcher emt sees the call after the kernel made it: the
# limits it set on emt are undone before the program runs on, said so, and
# emt is neither killed nor left with them (the victim reads them).
t_rlimit_attach_watcher() {
	start_attached rlimit -l
	end_attached rlimit
	if grep -q "stopping at every syscall" emt.err; then
		skip "no call watcher: $(sed -n 's/.*stopping at every syscall: //p' emt.err | head -n 1)"
	fi
	grep -q "prlimit64 aimed at emt (pid [0-9]*) undone" emt.err ||
		{ show "emt stderr" emt.err; fail "the undoing was not said"; }
}

# A child emt does not follow (--no-follow) is not free to act on emt
# either.
t_rlimit_unfollowed() {
	need_emt
	need_victim holdground
	run_native sh -c "\"\$0\" rlimit" "$VICTIMS/holdground"
	run_emt --no-follow -- sh -c "\"\$0\" rlimit" "$VICTIMS/holdground"
	compare_runs
}

# ---- the waker ----

# The program stops and kills emt's waker, then blocks in pause(), where
# nothing stops in emt: a Ctrl-C must still detach emt at once, its pages
# given back.
t_waker_attach() {
	start_attached waker
	wait_for '^attacked ' emt.ann 20 || { show "victim stderr" victim.err; fail "the victim never got to attack"; }
	grep -q "waker [0-9]* was killed by signal 9" emt.err ||
		{ show "emt stderr" emt.err; fail "the victim's SIGKILL did not reach emt's waker"; }
	sleep 0.3
	kill -INT "$epid"
	wait_child "$epid" 5 || fail "emt did not detach within 5s of SIGINT"
	[ "$WAIT_RC" = 0 ] || { show "emt stderr" emt.err; fail "emt exited $WAIT_RC after SIGINT, not 0"; }
	finish_after_detach
	vpid=
	[ "$WAIT_RC" = 0 ] && [ "$(cat victim.out)" = "waker done" ] || {
		show "victim stderr" victim.err
		fail "the program exited $WAIT_RC after the detach: $(cat victim.out)"
	}
	check_events --attached --only-announced
}

# The same launched: emt goes on and ends with the program.
t_waker_launch() {
	victim_case -c --only-announced holdground waker
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
	local spid
	need_emt
	need_victim attach
	need_cmd strace
	EMT_ANNOUNCE=$TDIR/emt.ann "$VICTIMS/attach" -t 30 >victim.out 2>victim.err </dev/null &
	vpid=$!
	trap cleanup EXIT
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
	vpid=
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

register "signals from the program to emt, launched: ignored" t_signals_launch
register "signals from the program to emt, attached: ignored" t_signals_attach
register "SIGTSTP, SIGCONT, SIGINT from the user still act" t_signals_user
register "unprivileged emt: a launched program still traced" t_unprivileged_launch
register "ptrace, memory and fds of emt refused, launched (unprivileged)" t_ptrace_launch
register "ptrace, memory and fds of emt refused, attached (unprivileged)" t_ptrace_attach
register "prlimit64 on emt, launched: refused" t_rlimit_launch
register "prlimit64 on emt, attached, every call stops: refused" t_rlimit_attach
register "prlimit64 on emt, attached with the call watcher: undone" t_rlimit_attach_watcher
register "prlimit64 on emt from an unfollowed child: refused" t_rlimit_unfollowed
register "waker stopped and killed, attached: Ctrl-C still detaches" t_waker_attach
register "waker stopped and killed, launched: emt goes on" t_waker_launch
register "strace -f emt: one-line error, nothing hangs" t_under_strace
register "emt -- emt -- prog: one-line error, nothing hangs" t_under_emt
register "emt -p of a process strace traces: one-line error" t_attach_traced
register "rwx_cycle_test under emt: EBUSY, as under strace -f" t_library_under_emt
register "gdb under emt: EPERM as under strace -f" t_gdb_under_emt
register "strace under emt: EPERM as under strace -f" t_strace_under_emt
