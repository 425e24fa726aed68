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

# The window of the call watcher (README, "Attach mode"): emt sees a call
# after the kernel made it, holding only the caller. A sibling thread runs
# each round's new code as soon as it is executable; a round whose code ran
# before emt armed the page is not captured. The count is said, and each
# such round must be covered by a `window` blind event on the page; the
# program must run as natively. Stopping at every call there is no window.
window_case() {
	local vpid epid rounds=2000 page captured unseen
	need_emt
	need_victim window
	rm -rf out emt.ann
	EMT_VICTIM_WAIT=1 EMT_ANNOUNCE=$TDIR/emt.ann "$VICTIMS/window" "$rounds" \
		>victim.out 2>victim.err </dev/null &
	vpid=$!
	trap 'kill -KILL "$vpid" 2>/dev/null' EXIT
	wait_for '^ready ' emt.ann 10 || fail "the victim never got ready"
	"$EMT" -q "$@" -o out -p "$vpid" >emt.out 2>emt.err </dev/null &
	epid=$!
	wait_for '"change":"start"' out/events.jsonl 10 || { show "emt stderr" emt.err; fail "emt did not attach"; }
	kill -USR2 "$vpid"
	wait_child "$vpid" 120 || fail "the victim did not finish"
	trap - EXIT
	[ "$WAIT_RC" = 0 ] && grep -q "^window: $rounds rounds, each ran once$" victim.out || {
		show "victim stderr" victim.err
		fail "the victim exited $WAIT_RC: $(cat victim.out)"
	}
	wait_child "$epid" 20 || fail "emt did not end after the program"
	[ "$WAIT_RC" = 0 ] || { show "emt stderr" emt.err; fail "emt exited $WAIT_RC"; }
	page=$(sed -n 's/^window pid=[0-9]* addr=\(0x[0-9a-f]*\) .*/\1/p' emt.ann)
	read -r captured windows < <(python3 - "$page" out/events.jsonl <<'PY'
import json, sys
page = int(sys.argv[1], 16)
shas, windows = set(), 0
for line in open(sys.argv[2]):
    e = json.loads(line)
    if e.get("event") == "exec" and int(e["addr"], 16) == page:
        shas.add(e["sha256"])
    if e.get("event") == "blind" and e.get("route") == "window" and \
            int(e["addr"], 16) <= page < int(e["addr"], 16) + e["len"]:
        windows += 1
print(len(shas), windows)
PY
)
	unseen=$((rounds - captured))
	echo "window: $unseen of $rounds rounds ran before emt armed the page," \
		"$windows window events (emt -p $*)" >.note
	[ "$unseen" -le "$windows" ] ||
		fail "$unseen rounds ran uncaptured, only $windows window events said it could happen"
	if [ "$*" = --no-seccomp ] || grep -q "stopping at every syscall" emt.err; then
		[ "$unseen" = 0 ] || fail "stopping at every call, $unseen rounds ran uncaptured"
	fi
	return 0
}

t_window_watcher() {
	window_case
}

t_window_every_call() {
	window_case --no-seccomp
}

register "attach, call watcher: the window measured (2000 rounds)" t_window_watcher
register "attach, every call stops: no window (2000 rounds)" t_window_every_call

# The call watcher's program and maps belong to emt's fds: gone when emt
# detaches, and when it is killed (the kernel closes them).
watcher_ids() {
	bpftool prog show 2>/dev/null |
		sed -n "s/^\([0-9]*\): .* name ${WATCHER_PROG:-emt_callwatch} .*/\1/p" | sort
}

watcher_gone_case() {
	local sig=$1 epid before during i
	need_emt
	need_victim attach
	command -v bpftool >/dev/null || skip "bpftool not installed"
	before=$(watcher_ids)
	rm -f emt.ann
	EMT_ANNOUNCE=$TDIR/emt.ann "$VICTIMS/attach" -m -t 30 >victim.out 2>victim.err </dev/null &
	vpid=$!
	trap 'kill -KILL "$vpid" 2>/dev/null' EXIT
	wait_for '^ready ' emt.ann 10 || fail "the victim never got ready"
	env --default-signal=INT "$EMT" -q -o out -p "$vpid" >emt.out 2>emt.err </dev/null &
	epid=$!
	wait_for '"change":"start"' out/events.jsonl 10 || { show "emt stderr" emt.err; fail "emt did not attach"; }
	if grep -q "stopping at every syscall" emt.err; then
		kill -INT "$epid"
		wait_child "$epid" 10
		skip "no call watcher: $(sed -n 's/.*stopping at every syscall: //p' emt.err | head -n 1)"
	fi
	during=$(comm -13 <(echo "$before") <(watcher_ids))
	[ -n "$during" ] || fail "no emt_callwatch program loaded while emt is attached"
	kill -"$sig" "$epid"
	wait_child "$epid" 10 || fail "emt did not exit within 10s of SIG$sig"
	for ((i = 0; i < 40; i++)); do
		[ -z "$(comm -12 <(echo "$during") <(watcher_ids))" ] && break
		sleep 0.05
	done
	[ "$i" -lt 40 ] || fail "program $during still loaded 2s after emt's SIG$sig"
	kill -KILL "$vpid" 2>/dev/null
	wait "$vpid" 2>/dev/null
	trap - EXIT
}

t_watcher_gone_detach() {
	watcher_gone_case INT
}

t_watcher_gone_kill() {
	watcher_gone_case KILL
}

# Kernels that cannot attach a BTF program to sys_exit get the raw
# tracepoint one (a test hook forces it here): the same, and the routes
# of 16-routes.sh that need it most.
t_watcher_raw() {
	export EMT_TEST_CALLWATCH_RAW=1
	WATCHER_PROG=emt_callwatch_r watcher_gone_case INT
}

t_watcher_raw_routes() {
	export EMT_TEST_CALLWATCH_RAW=1
	attach_victim_case -c --only-announced -c --exit-code=0 mem_write vm_self
	attach_victim_case -c --only-announced -c --exit-code=0 abi_i386 mmap2
}

register "attach: the call watcher gone after detach" t_watcher_gone_detach
register "attach: the call watcher gone after emt's SIGKILL" t_watcher_gone_kill
register "attach: the raw tracepoint call watcher, gone after detach" t_watcher_raw
register "attach: the raw tracepoint call watcher: process_vm_writev, i386 mmap2" t_watcher_raw_routes
