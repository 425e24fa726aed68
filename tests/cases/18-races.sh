# SPDX-License-Identifier: MIT
# emt holds its ground against the program it traces: forged faults, a
# main thread that exits, execve, fork and clone3 racing emt's view of the
# process tree. Launch and attach mode where both apply.

# traced_by PID — the TracerPids of PID's threads, one a line (its leader
# may have exited: a zombie is traced by nobody).
traced_by() {
	sed -n 's/^TracerPid:[[:space:]]*//p' /proc/"$1"/task/*/status 2>/dev/null
}

# wait_traced PID SECONDS — until something traces a thread of PID.
wait_traced() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		traced_by "$1" | grep -qv '^0$' && return 0
		sleep 0.05
	done
	return 1
}

# live_states PID — the state letters of PID's threads that have not
# exited, one a line.
live_states() {
	local stat
	for stat in /proc/"$1"/task/*/stat; do
		stat=$(cat "$stat" 2>/dev/null) || continue
		stat=${stat##*) }
		stat=${stat%% *}
		[ "$stat" = Z ] || echo "$stat"
	done
}

# process_gone PID — PID has ended (its leader alone may be a zombie
# waiting for its threads, which does not count).
process_gone() {
	[ -z "$(live_states "$1")" ]
}

# wait_gone PID SECONDS — until process_gone, then reaps it into WAIT_RC;
# kills it and returns 1 at the limit.
wait_gone() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		if process_gone "$1"; then
			wait_child "$1" 5
			return
		fi
		sleep 0.05
	done
	timed_out "$1"
}

# start_victim NAME ARGS... — starts a victim in the background, its
# announcements in emt.ann, and waits for its "ready". Sets vpid; the victim
# is killed when the test ends.
start_victim() {
	local v=$1
	shift
	need_emt
	need_victim "$v"
	rm -f emt.ann
	EMT_ANNOUNCE=$TDIR/emt.ann "$VICTIMS/$v" "$@" >victim.out 2>victim.err </dev/null &
	vpid=$!
	trap 'kill -KILL "$vpid" 2>/dev/null' EXIT
	wait_for '^ready ' emt.ann 10 || { show "victim stderr" victim.err; fail "the victim never got ready"; }
}

# attach_emt [EMT OPTIONS] — attaches emt to $vpid into ./out, in the
# background (epid), and waits until the victim is traced.
attach_emt() {
	rm -rf out
	env --default-signal=INT "$EMT" -q -o out "$@" -p "$vpid" >emt.out 2>emt.err </dev/null &
	epid=$!
	wait_traced "$vpid" 10 || { show "emt stderr" emt.err; fail "emt did not attach within 10s"; }
}

# detach_emt — SIGINT to emt: it must detach and exit 0 within 10s, the
# victim neither dead nor stopped.
detach_emt() {
	kill -INT "$epid"
	wait_child "$epid" 10 || fail "emt did not exit within 10s of SIGINT"
	[ "$WAIT_RC" = 0 ] || { show "emt stderr" emt.err; fail "emt exited $WAIT_RC after SIGINT, not 0"; }
	process_gone "$vpid" && { show "victim stderr" victim.err; fail "the program did not survive the detach"; }
	live_states "$vpid" | grep -q '^[tT]$' && fail "the program is left stopped"
	return 0
}

# finish_victim SECONDS WANT — the victim ends within SECONDS, exit 0,
# saying WANT.
finish_victim() {
	wait_gone "$vpid" "$1" || fail "the program did not finish within $1s"
	trap - EXIT
	[ "$WAIT_RC" = 0 ] || {
		show "victim stdout" victim.out
		show "victim stderr" victim.err
		fail "the program exited $WAIT_RC"
	}
	grep -q -- "$2" victim.out || fail "victim said: $(cat victim.out)"
}

# ---- forged faults ----

t_forged_segv() {
	victim_case -c --only-announced -c --exit-code=0 forged_segv
	grep -q '^handler ran 50 times, 0 wrong$' emt.out || fail "under emt: $(head -n 1 emt.out)"
}

# Attached before the forging starts: the same, the pages armed by the
# attach's sweep.
t_forged_segv_attach() {
	start_victim forged_segv -w
	attach_emt
	kill -USR1 "$vpid"
	finish_victim 20 '^handler ran 50 times, 0 wrong$'
	wait_child "$epid" 10 || fail "emt did not exit after the program"
	[ "$WAIT_RC" = 0 ] || { show "emt stderr" emt.err; fail "emt exited $WAIT_RC"; }
	cp victim.out emt.out
	check_events --attached --only-announced
}

register "forged SIGSEGV (SEGV_ACCERR on tracked pages) reaches the program" t_forged_segv
register "attach: forged SIGSEGV reaches the program" t_forged_segv_attach

# ---- a main thread that exits ----

# wait_leader_gone — until the victim's main thread has exited (a zombie).
wait_leader_gone() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(proc_state "$vpid")" = Z ] && return 0
		sleep 0.05
	done
	fail "the main thread did not exit"
}

# Attached after the main thread exited: captures arrive, the detach
# restores every page, the program finishes correctly.
t_leader_gone_attach() {
	start_victim leader_exit -e -m -t 30
	wait_leader_gone
	attach_emt
	sleep 1
	detach_emt
	kill -USR1 "$vpid"
	finish_victim 10 '^leader_exit ok$'
	check_events --attached --only-announced --page-min=1
}

# The main thread exits while emt is attached; the detach must not wait
# for it.
t_leader_exits_attached() {
	start_victim leader_exit -x -m -t 30
	attach_emt
	sleep 0.5
	kill -USR2 "$vpid"
	wait_leader_gone
	sleep 0.5
	detach_emt
	kill -USR1 "$vpid"
	finish_victim 10 '^leader_exit ok$'
	check_events --attached --only-announced --page-min=1
}

# The same in launch mode: emt goes on through the other threads.
t_leader_exits_launch() {
	victim_case -c --only-announced -c --page-min=1 -c --exit-code=0 leader_exit -e -t 1
}

# A process that exits while emt attaches to it (many threads to seize, a
# short life): emt either attaches and sees it end, or says in one line
# that it could not; it never hangs.
t_attach_exiting() {
	local round rc
	need_emt
	need_victim leader_exit
	for ((round = 1; round <= 20; round++)); do
		"$VICTIMS/leader_exit" -n 48 -t 0.05 >victim.out 2>victim.err </dev/null &
		vpid=$!
		trap 'kill -KILL "$vpid" 2>/dev/null' EXIT
		sleep "0.0$((RANDOM % 9))"
		rm -rf out
		"$EMT" -q -o out -p "$vpid" >emt.out 2>emt.err </dev/null &
		epid=$!
		wait_child "$epid" 10 || fail "round $round: emt hung attaching to an exiting process"
		rc=$WAIT_RC
		wait_gone "$vpid" 10 || fail "round $round: the program did not finish"
		[ "$WAIT_RC" = 0 ] || { show "victim stderr" victim.err; fail "round $round: the program exited $WAIT_RC"; }
		[ "$rc" = 0 ] && continue
		one_line_error emt.err "cannot attach to pid $vpid"
	done
	trap - EXIT
}

register "attach to a process whose main thread has exited" t_leader_gone_attach
register "attach: the main thread exits, then emt detaches" t_leader_exits_attached
register "the main thread exits, the others run code on" t_leader_exits_launch
register "attach to a process exiting meanwhile (20 rounds): no hang" t_attach_exiting

# ---- races in the process tree ----

# attach_until_exit VICTIM ARGS LIMIT DONE_REGEX: the victim (started with
# -w) runs under emt attached from the start of its work until it exits;
# emt exits after it, with the announced events.
attach_until_exit() {
	local victim=$1 args=$2 limit=$3 done_re=$4
	shift 4
	# shellcheck disable=SC2086 # ARGS are words
	start_victim "$victim" -w $args
	attach_emt "$@"
	kill -USR1 "$vpid"
	finish_victim "$limit" "$done_re"
	wait_child "$epid" 10 || fail "emt did not exit after the program"
	cp victim.out emt.out
	# shellcheck disable=SC2086 # options are words
	check_events --attached --only-announced ${ATTACH_CHECK:-}
}

# A thread execs while emt steps the main thread through a flip: 50
# rounds, each exec'd image runs.
t_exec_race() {
	victim_case -c --only-announced -c --exit-code=0 exec_race 50
}

t_exec_race_attach() {
	attach_until_exit exec_race 30 60 '^exec_race: 30 of 30 children'
}

register "execve by a thread while emt steps another (50 rounds)" t_exec_race
register "attach: execve by a thread while emt steps another (30 rounds)" t_exec_race_attach

# Parents SIGKILLed while they fork: a child whose parent's fork event
# never comes runs on, its inherited code captured.
t_fork_kill() {
	victim_case -c --only-announced -c --exit-code=0 fork_kill 20
}

t_fork_kill_attach() {
	attach_until_exit fork_kill 20 60 '^fork_kill: every child ran its code$'
}

# --stealth keeps state per process (the status fd each parent reads),
# which an orphan inherits from its dead parent.
t_fork_kill_stealth() {
	victim_case -e --stealth -c --only-announced -c --exit-code=0 fork_kill -s 20
}

register "parents killed while forking (20 rounds): children adopted" t_fork_kill
register "--stealth: parents killed while forking (20 rounds)" t_fork_kill_stealth
register "attach: parents killed while forking (20 rounds)" t_fork_kill_attach

# A sibling rewrites clone3's flags (CLONE_UNTRACED, CLONE_THREAD,
# CLONE_VM) while the call is made: every child is traced, its code
# captured, and clone3's registers are the program's on both sides.
t_clone3_race() {
	victim_case -c --only-announced -c --exit-code=0 clone3_race 200
}

# Attached with the call watcher, emt sees clone3 only after the kernel
# made the child: a child made with CLONE_UNTRACED runs untraced until emt
# takes it (README, "Attach mode"). Its code, in a page emt armed, may
# fault before, failing the program: that must never be silent. A blind
# event names every such child; the process stops at its every call from
# then on. Without the watcher, the test is the one below.
t_clone3_race_attach() {
	start_victim clone3_race -w 200
	attach_emt
	kill -USR1 "$vpid"
	wait_gone "$vpid" 60 || fail "the program did not finish within 60s"
	trap - EXIT
	wait_child "$epid" 10 || fail "emt did not exit after the program"
	cp victim.out emt.out
	if ! grep -q "stopping at every syscall" emt.err &&
	   { [ "$WAIT_RC" != 0 ] || ! grep -q '^clone3_race: every child ran its code$' victim.out; }; then
		grep -q '"route":"unseen_exec".*CLONE_UNTRACED' out/events.jsonl ||
			fail "the program failed (exit $WAIT_RC) with no blind event for a child made with CLONE_UNTRACED"
		return 0 # the untraced child's fault, said
	fi
	[ "$WAIT_RC" = 0 ] || { show "victim stderr" victim.err; fail "the program exited $WAIT_RC"; }
	grep -q '^clone3_race: every child ran its code$' victim.out ||
		fail "victim said: $(cat victim.out)"
	check_events --attached --only-announced --blind-route=unseen_exec
}

# Stopping at every call, the flag is dropped before the kernel sees it.
t_clone3_race_attach_every() {
	attach_until_exit clone3_race 200 60 '^clone3_race: every child ran its code$' --no-seccomp
}

register "clone3 flags rewritten by a sibling (200 rounds)" t_clone3_race
register "attach: clone3 flags rewritten by a sibling (200 rounds)" t_clone3_race_attach
register "attach, every call stops: clone3 flags rewritten (200 rounds)" t_clone3_race_attach_every
