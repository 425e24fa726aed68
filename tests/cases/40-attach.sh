# SPDX-License-Identifier: MIT
# Attach mode: emt -p PID, then a signal to emt detaches it.

# attach_case SIGNAL — attach to a running JIT, let it run about a second,
# stop emt with SIGNAL: emt exits 0, the program goes on, and when it ends
# its page is rwx again and still works (it checks that itself).
attach_case() {
	local sig=$1 vpid epid
	need_emt
	need_victim attach
	rm -f emt.ann
	EMT_ANNOUNCE=$TDIR/emt.ann "$VICTIMS/attach" -m -t 30 >victim.out 2>victim.err </dev/null &
	vpid=$!
	wait_for '^ready ' emt.ann 10 || fail "the victim never got ready"
	# Background jobs of a script ignore SIGINT; emt must get it.
	env --default-signal=INT,TERM,HUP "$EMT" -q -o out -p "$vpid" >emt.out 2>emt.err </dev/null &
	epid=$!
	sleep 1
	[ -n "$(proc_state "$epid")" ] || { show "emt stderr" emt.err; fail "emt is already gone"; }
	kill -"$sig" "$epid"
	wait_child "$epid" 10 || fail "emt did not exit within 10s of SIG$sig"
	[ "$WAIT_RC" = 0 ] || { show "emt stderr" emt.err; fail "emt exited $WAIT_RC after SIG$sig, not 0"; }
	finish_after_detach
	[ "$WAIT_RC" = 0 ] || {
		show "victim stdout" victim.out
		show "victim stderr" victim.err
		fail "the program exited $WAIT_RC after emt detached"
	}
	[ "$(cat victim.out)" = "attach ok" ] || fail "victim said: $(cat victim.out)"
	check_events --attached --only-announced --page-min=2
}

t_attach_sigint() {
	attach_case INT
}

t_attach_sigterm() {
	attach_case TERM
}

t_attach_sighup() {
	attach_case HUP
}

register "attach, SIGINT detaches, protections restored" t_attach_sigint
register "attach, SIGTERM detaches, protections restored" t_attach_sigterm
register "attach, SIGHUP detaches, protections restored" t_attach_sighup
