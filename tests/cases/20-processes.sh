# SPDX-License-Identifier: MIT
# Processes: fork, vfork, execve, job control.

t_fork() {
	victim_case -c --only-announced fork
}

# Not followed, the child must get back the protection it asked for
# before it runs (it rewrites the inherited page), and have no events.
t_fork_no_follow() {
	victim_case -e --no-follow -c --no-follow -c --only-announced fork
}

t_vfork_exec() {
	victim_case -c --only-announced vfork_exec
}

t_exec_sh() {
	victim_case -c --only-announced exec_sh
	grep -qx hi emt.out || fail "the shell did not print hi"
}

t_stop_self() {
	victim_case -c --only-announced stopcont
}

# kill -STOP / -CONT from outside while emt traces the program: it must
# really stop (not have the stop swallowed), then go on and end normally.
t_stop_external() {
	local epid vpid i state seen_stopped=0 running=0
	need_emt
	need_victim attach
	rm -f emt.ann
	EMT_ANNOUNCE=$TDIR/emt.ann "$EMT" -q -o out -- "$VICTIMS/attach" -t 20 \
		>emt.out 2>emt.err </dev/null &
	epid=$!
	wait_for '^ready ' emt.ann 20 || { show "emt stderr" emt.err; fail "the victim never got ready under emt"; }
	vpid=$(fact start pid emt.ann)
	sleep 0.3
	kill -STOP "$vpid"
	sleep 0.3
	for ((i = 0; i < 10; i++)); do
		state=$(proc_state "$vpid")
		case $state in
		T | t) seen_stopped=$((seen_stopped + 1)) ;;
		*) echo "state $state while it should be stopped" ;;
		esac
		sleep 0.05
	done
	kill -CONT "$vpid"
	for ((i = 0; i < 40 && running == 0; i++)); do
		case $(proc_state "$vpid") in
		R | S | D) running=1 ;;
		esac
		sleep 0.05
	done
	kill -USR1 "$vpid"
	wait_child "$epid" 30 || fail "emt did not finish after the victim was told to"
	[ "$seen_stopped" = 10 ] || fail "SIGSTOP did not keep the program stopped ($seen_stopped/10 samples)"
	[ "$running" = 1 ] || fail "SIGCONT did not resume the program"
	[ "$WAIT_RC" = 0 ] || { show "emt stderr" emt.err; fail "emt exited $WAIT_RC"; }
	[ "$(cat emt.out)" = "attach ok" ] || fail "victim said: $(cat emt.out)"
	check_events --only-announced
}

# A signal to emt in launch mode goes to the program, which handles it
# (trap) and exits 7: emt must exit 7, not die of the signal itself.
forward_case() {
	local sig=$1 epid
	need_emt
	# Background jobs of a script ignore SIGINT, and a shell cannot trap
	# a signal ignored at its start: give both the default back.
	env --default-signal=INT,TERM "$EMT" -q -o out -- sh -c \
		"trap 'echo got $sig; exit 7' $sig; echo ready; while :; do sleep 0.05; done" \
		>emt.out 2>emt.err </dev/null &
	epid=$!
	wait_for '^ready$' emt.out 20 || { show "emt stderr" emt.err; fail "the shell never started"; }
	kill -"$sig" "$epid"
	wait_child "$epid" 10 || fail "emt did not exit within 10s of SIG$sig"
	[ "$WAIT_RC" = 7 ] || { show "emt stderr" emt.err; fail "emt exited $WAIT_RC, not 7: SIG$sig did not reach the program's handler"; }
	grep -qx "got $sig" emt.out || fail "the program did not say it got SIG$sig"
}

t_forward_term() {
	forward_case TERM
}

t_forward_int() {
	forward_case INT
}

register "fork: parent and child capture" t_fork
register "fork with --no-follow: child unhindered" t_fork_no_follow
register "vfork + exec /bin/true" t_vfork_exec
register "exec of /bin/sh -c 'echo hi'" t_exec_sh
register "raise(SIGSTOP), SIGCONT from a child" t_stop_self
register "kill -STOP/-CONT from outside" t_stop_external
register "SIGTERM to emt reaches the program" t_forward_term
register "SIGINT to emt reaches the program" t_forward_int
