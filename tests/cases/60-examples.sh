# SPDX-License-Identifier: MIT
# The examples that test themselves, when they are built.

t_rwx_cycle_test() {
	local ex=$BUILD/examples/rwx_cycle_test
	[ -x "$ex" ] || skip "$ex not built"
	run_capture example "$ex"
	case $(cat example.rc) in
	0) ;;
	77) skip "rwx_cycle_test: $(tail -n 1 example.err)" ;;
	*)
		show stdout example.out
		show stderr example.err
		fail "rwx_cycle_test exited $(cat example.rc)"
		;;
	esac
}

register "examples/rwx_cycle_test" t_rwx_cycle_test

# rwx_monitor --pid attaches with the public API alone: it must print the
# captures of a running JIT, detach on SIGINT with exit 0, and leave the
# program working with its page rwx again.
t_rwx_monitor() {
	local ex=$BUILD/examples/rwx_monitor vpid mpid
	[ -x "$ex" ] || skip "$ex not built"
	need_victim attach
	EMT_ANNOUNCE=$TDIR/emt.ann "$VICTIMS/attach" -m -t 30 >victim.out 2>victim.err </dev/null &
	vpid=$!
	wait_for '^ready ' emt.ann 10 || fail "the victim never got ready"
	env --default-signal=INT "$ex" --pid "$vpid" >mon.out 2>mon.err </dev/null &
	mpid=$!
	sleep 1
	kill -INT "$mpid"
	wait_child "$mpid" 10 || fail "rwx_monitor did not exit within 10s of SIGINT"
	[ "$WAIT_RC" = 0 ] || { show "rwx_monitor stderr" mon.err; fail "rwx_monitor exited $WAIT_RC"; }
	grep -q "seq" mon.out || { show "rwx_monitor stdout" mon.out; fail "no capture printed"; }
	kill -USR1 "$vpid"
	wait_child "$vpid" 10 || fail "the program did not finish after SIGUSR1"
	[ "$WAIT_RC" = 0 ] && [ "$(cat victim.out)" = "attach ok" ] ||
		fail "the program failed after the detach: $(cat victim.out)"
}

register "examples/rwx_monitor --pid, Ctrl-C detaches" t_rwx_monitor
