# SPDX-License-Identifier: MIT
# emt holds its ground against the program it traces: forged faults, a
# main thread that exits, execve, fork and clone3 racing emt's view of the
# process tree. Launch and attach mode where both apply.

# traced_by PID — the TracerPid of PID ("" when it is gone).
traced_by() {
	sed -n 's/^TracerPid:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null
}

# wait_traced PID SECONDS — until something traces PID.
wait_traced() {
	local i t
	for ((i = 0; i < $2 * 20; i++)); do
		t=$(traced_by "$1")
		[ -n "$t" ] && [ "$t" != 0 ] && return 0
		sleep 0.05
	done
	return 1
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
	case $(proc_state "$vpid") in
	"" | Z) show "victim stderr" victim.err; fail "the program did not survive the detach" ;;
	t | T) fail "the program is left stopped" ;;
	esac
}

# finish_victim SECONDS WANT — the victim ends within SECONDS, exit 0,
# saying WANT.
finish_victim() {
	wait_child "$vpid" "$1" || fail "the program did not finish within $1s"
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
	grep -q '^handler ran 40 times, 0 wrong$' emt.out || fail "under emt: $(head -n 1 emt.out)"
}

# Attached before the forging starts: the same, the pages armed by the
# attach's sweep.
t_forged_segv_attach() {
	start_victim forged_segv -w
	attach_emt
	kill -USR1 "$vpid"
	finish_victim 20 '^handler ran 40 times, 0 wrong$'
	wait_child "$epid" 10 || fail "emt did not exit after the program"
	[ "$WAIT_RC" = 0 ] || { show "emt stderr" emt.err; fail "emt exited $WAIT_RC"; }
	cp victim.out emt.out
	check_events --attached --only-announced
}

register "forged SIGSEGV (SEGV_ACCERR on tracked pages) reaches the program" t_forged_segv
register "attach: forged SIGSEGV reaches the program" t_forged_segv_attach
