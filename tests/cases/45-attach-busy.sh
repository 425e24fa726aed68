# SPDX-License-Identifier: MIT
# Detach while four threads write and run code without pause: the program
# must go on unharmed, with its pages rwx again, and finish correctly.

# attach_round N — attach to $vpid into outN, detach with SIGINT after a
# second; the program must still be running, not stopped.
attach_round() {
	local epid
	# Background jobs of a script ignore SIGINT; emt must get it.
	env --default-signal=INT "$EMT" -q -o "out$1" -p "$vpid" >"emt$1.out" 2>"emt$1.err" </dev/null &
	epid=$!
	sleep 1
	[ -n "$(proc_state "$epid")" ] || { show "emt stderr" "emt$1.err"; fail "round $1: emt is already gone"; }
	kill -INT "$epid"
	wait_child "$epid" 10 || fail "round $1: emt did not exit within 10s of SIGINT"
	[ "$WAIT_RC" = 0 ] || { show "emt stderr" "emt$1.err"; fail "round $1: emt exited $WAIT_RC after SIGINT, not 0"; }
	case $(proc_state "$vpid") in
	"" | Z) show "victim stderr" victim.err; fail "round $1: the program did not survive the detach" ;;
	t | T) fail "round $1: the program is left stopped" ;;
	esac
}

# Three rounds: each detach is a new chance to catch a thread between a
# fault and its handling.
t_attach_busy() {
	local vpid round
	need_emt
	need_victim busy_mt
	rm -f emt.ann
	EMT_ANNOUNCE=$TDIR/emt.ann "$VICTIMS/busy_mt" -m -t 30 >victim.out 2>victim.err </dev/null &
	vpid=$!
	trap 'kill -KILL "$vpid" 2>/dev/null' EXIT
	wait_for '^ready ' emt.ann 10 || fail "the victim never got ready"
	for round in 1 2 3; do
		attach_round "$round"
		# Let it run untraced a little.
		sleep 0.3
	done
	kill -USR1 "$vpid"
	wait_child "$vpid" 10 || fail "the program did not finish after SIGUSR1"
	trap - EXIT
	[ "$WAIT_RC" = 0 ] || {
		show "victim stdout" victim.out
		show "victim stderr" victim.err
		fail "the program exited $WAIT_RC after emt detached"
	}
	[ "$(cat victim.out)" = "busy ok" ] || fail "victim said: $(cat victim.out)"
	for round in 1 2 3; do
		rm -rf out
		mv "out$round" out
		cp "emt$round.err" emt.err
		check_events --attached --only-announced --page-min=0 --min-exec=1
	done
}

register "detach from 4 threads running code nonstop (3 rounds)" t_attach_busy
