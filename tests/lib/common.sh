# SPDX-License-Identifier: MIT
# Helpers for the test cases (tests/cases/*.sh). Sourced by tests/run.sh to
# register the tests, and by tests/lib/runone.sh to run one of them.
#
# A test is a shell function run in its own bash process, under `timeout`,
# in a fresh directory ($TDIR, also the current directory). It passes by
# returning 0; it fails with `fail MESSAGE`, skips with `skip REASON`.
# Everything it prints becomes diagnostics when it fails.
#
# Set by run.sh: BUILD (the build directory), TESTS (the tests/ directory).

# Some variables set here (WAIT_RC) are only read by the case files.
# shellcheck disable=SC2034
EMT=${EMT:-$BUILD/emt}
VICTIMS=$BUILD/tests/victims
LIB=$TESTS/lib

# Exit status of the last child wait_child waited for; read by the cases.
WAIT_RC=0

# Seconds any single traced run may take before it counts as hung.
RUN_LIMIT=${RUN_LIMIT:-60}

fail() {
	echo "FAIL: $*"
	exit 1
}

skip() {
	echo "$*" >"$TDIR/.skip"
	exit 77
}

need_file() {
	[ -x "$1" ] || fail "$1 is missing (was it built?)"
}

need_emt() {
	need_file "$EMT"
}

need_victim() {
	need_file "$VICTIMS/$1"
}

# Shows a file's content as diagnostics, at most 40 lines.
show() {
	local label=$1 file=$2
	[ -s "$file" ] || return 0
	echo "--- $label:"
	head -n 40 "$file"
}

# run_capture TAG CMD... — runs CMD under timeout with stdout, stderr and
# the exit status in TAG.out, TAG.err, TAG.rc (124: timed out). The
# announcements of a victim go to TAG.ann.
run_capture() {
	local tag=$1 rc
	shift
	rm -f "$tag.ann"
	EMT_ANNOUNCE=$TDIR/$tag.ann timeout -k 3 "$RUN_LIMIT" "$@" \
		>"$tag.out" 2>"$tag.err" </dev/null
	rc=$?
	echo "$rc" >"$tag.rc"
	# 137 is also the status of a program that kills itself with SIGKILL:
	# a test expecting that sets KILLED_OK (a hang still ends in 124).
	if [ "$rc" = 124 ] || { [ "$rc" = 137 ] && [ -z "${KILLED_OK:-}" ]; }; then
		show "$tag stderr" "$tag.err"
		fail "$tag run timed out (${RUN_LIMIT}s) or was killed (exit $rc): $*"
	fi
	return 0
}

# run_native VICTIM ARGS... — the reference run.
run_native() {
	run_capture native "$@"
}

# run_emt [EMT OPTIONS] -- PROG ARGS... — the same under emt, into ./out.
run_emt() {
	rm -rf "$TDIR/out"
	run_capture emt "$EMT" -q -o "$TDIR/out" "$@"
}

# run_emt_watched [EMT OPTIONS] -- PROG ARGS... — run_emt, with emt's peak
# resident size (VmHWM, in kB) polled while it runs and left in emt.hwm.
# The peak only grows, so the last reading before emt exits is close to its
# true peak. Under ASan, freed blocks wait in a quarantine (256 MiB by
# default) and would count as emt's: it is kept small here so that the
# peak measures what emt holds.
run_emt_watched() {
	local pid i hwm peak=0 state
	rm -rf "$TDIR/out" emt.ann
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8" \
		EMT_ANNOUNCE=$TDIR/emt.ann "$EMT" -q -o "$TDIR/out" "$@" >emt.out 2>emt.err </dev/null &
	pid=$!
	for ((i = 0; i < RUN_LIMIT * 50; i++)); do
		hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$pid/status" 2>/dev/null)
		[ -n "$hwm" ] && peak=$hwm
		state=$(proc_state "$pid")
		[ -z "$state" ] || [ "$state" = Z ] && break
		sleep 0.02
	done
	echo "$peak" >emt.hwm
	wait_child "$pid" 1 || {
		show "emt stderr" emt.err
		fail "emt run timed out (${RUN_LIMIT}s): $*"
	}
	echo "$WAIT_RC" >emt.rc
}

# check_hwm KB — emt's peak resident size (from run_emt_watched) is below KB.
check_hwm() {
	local peak
	peak=$(cat emt.hwm)
	[ "$peak" -gt 0 ] || fail "emt's peak memory was never read"
	[ "$peak" -lt "$1" ] || fail "emt's peak resident size was $peak kB, limit $1 kB"
}

# Native and traced runs must be indistinguishable from inside: same
# stdout byte for byte, same stderr, same exit status.
compare_runs() {
	local bad=0
	if ! cmp -s native.out emt.out; then
		echo "stdout differs (native < > under emt):"
		diff native.out emt.out | head -n 20
		bad=1
	fi
	if ! cmp -s native.err emt.err; then
		echo "stderr differs (native < > under emt):"
		diff native.err emt.err | head -n 20
		bad=1
	fi
	if [ "$(cat native.rc)" != "$(cat emt.rc)" ]; then
		echo "exit status: native $(cat native.rc), under emt $(cat emt.rc)"
		bad=1
	fi
	[ $bad = 0 ] || fail "the program behaved differently under emt"
}

# check_events [check_events.py OPTIONS] — the events of the traced run
# against its announcements.
check_events() {
	local report
	[ -d out ] || fail "emt wrote no output directory"
	if ! report=$(python3 "$LIB/check_events.py" out emt.ann "$@" 2>&1); then
		echo "$report" | head -n 30
		show "emt stderr" emt.err
		fail "events do not match what the program did"
	fi
	[ -z "$report" ] || echo "$report"
}

# native_reference VICTIM ARGS... — the native run of a victim, which must
# work (or die as it means to).
native_reference() {
	local v=$1
	shift
	need_emt
	need_victim "$v"
	run_native "$VICTIMS/$v" "$@"
	case $(cat native.rc) in
	0 | 7 | 137 | 139) ;;
	*)
		show "native stderr" native.err
		fail "$v fails natively (exit $(cat native.rc)): the victim is broken"
		;;
	esac
}

# The whole comparison for a victim: run natively, run under emt, compare,
# check the events. Usage: victim_case [-e EMT_OPT]... [-c CHECK_OPT]...
# [-m KB] VICTIM ARGS... With -m, emt's peak resident size must stay
# below KB kB.
victim_case() {
	local emt_opts=() check_opts=() v hwm_limit=
	while [ $# -gt 0 ]; do
		case $1 in
		-e) emt_opts+=("$2"); shift 2 ;;
		-c) check_opts+=("$2"); shift 2 ;;
		-m) hwm_limit=$2; shift 2 ;;
		*) break ;;
		esac
	done
	v=$1
	shift
	native_reference "$v" "$@"
	if [ -n "$hwm_limit" ]; then
		run_emt_watched "${emt_opts[@]}" -- "$VICTIMS/$v" "$@"
		check_hwm "$hwm_limit"
	else
		run_emt "${emt_opts[@]}" -- "$VICTIMS/$v" "$@"
	fi
	grep -q '^start ' emt.ann 2>/dev/null || {
		show "emt stderr" emt.err
		fail "the victim announced nothing under emt: did it run?"
	}
	compare_runs
	check_events "${check_opts[@]}"
}

# attach_victim_case [-c CHECK_OPT | -e EMT_OPT]... VICTIM ARGS... — victim_case in
# attach mode: the victim waits at its start (EMT_VICTIM_WAIT, victim.h)
# until emt has attached with -p, then does what it does natively; emt
# follows it to its end. Its output and status must be the native ones.
# Origins are not compared: memory made before the attach is found by
# emt's look at the mappings, not by the call that made it.
attach_victim_case() {
	local check_opts=() emt_opts=() v vpid epid i
	while [ $# -gt 0 ] && { [ "$1" = -c ] || [ "$1" = -e ]; }; do
		if [ "$1" = -c ]; then
			check_opts+=("$2")
		else
			emt_opts+=("$2")
		fi
		shift 2
	done
	v=$1
	shift
	native_reference "$v" "$@"
	rm -rf out emt.ann
	EMT_VICTIM_WAIT=1 EMT_ANNOUNCE=$TDIR/emt.ann "$VICTIMS/$v" "$@" \
		>emt.out 2>emt.err </dev/null &
	vpid=$!
	wait_for '^ready ' emt.ann 10 || { kill -KILL "$vpid"; fail "the victim never got ready"; }
	"$EMT" -q "${emt_opts[@]}" -o out -p "$vpid" >emt-cli.out 2>emt-cli.err </dev/null &
	epid=$!
	for ((i = 0; i < 200; i++)); do
		grep -qs '"change":"start"' out/events.jsonl && break
		sleep 0.05
	done
	[ "$i" -lt 200 ] || { kill -KILL "$vpid" "$epid"; show "emt stderr" emt-cli.err; fail "emt did not attach"; }
	kill -USR2 "$vpid"
	wait_child "$vpid" "$RUN_LIMIT" || { kill -KILL "$epid"; fail "the victim did not finish"; }
	echo "$WAIT_RC" >emt.rc
	wait_child "$epid" 20 || fail "emt did not end after the program"
	[ "$WAIT_RC" = 0 ] || { show "emt stderr" emt-cli.err; fail "emt exited $WAIT_RC"; }
	compare_runs
	check_events --attached --loose-origin "${check_opts[@]}"
}

# wait_for PATTERN FILE SECONDS — until a line of FILE matches.
wait_for() {
	local pattern=$1 file=$2 i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -q -- "$pattern" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# proc_state PID — the state letter in /proc/PID/stat ("" when gone).
proc_state() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	echo "${stat%% *}"
}

# wait_child PID SECONDS — waits for a background child of this shell and
# sets WAIT_RC to its exit status; kills it and returns 1 at the limit.
wait_child() {
	local pid=$1 i state
	for ((i = 0; i < $2 * 20; i++)); do
		state=$(proc_state "$pid")
		if [ -z "$state" ] || [ "$state" = Z ]; then
			wait "$pid"
			WAIT_RC=$?
			return 0
		fi
		sleep 0.05
	done
	timed_out "$pid"
}

# timed_out PID — a child that did not end in time: killed and reaped,
# WAIT_RC 124, returns 1.
timed_out() {
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	WAIT_RC=124
	return 1
}

# finish_after_detach — the victim ($vpid) survived emt's detach and is not
# left stopped; SIGUSR1 lets it finish, its exit status in WAIT_RC.
finish_after_detach() {
	case $(proc_state "$vpid") in
	"" | Z) show "victim stderr" victim.err; fail "the program did not survive the detach" ;;
	t | T) fail "the program is left stopped" ;;
	esac
	kill -USR1 "$vpid"
	wait_child "$vpid" 10 || fail "the program did not finish after SIGUSR1"
}

# fact KIND FIELD FILE — FIELD of the first KIND line of an announcement.
fact() {
	sed -n "s/^$1 .*\\b$2=\\([^ ]*\\).*/\\1/p" "$3" | head -n 1
}

# Exactly one line on stderr, containing TEXT if given.
one_line_error() {
	local lines
	lines=$(wc -l <"$1")
	[ "$lines" = 1 ] || { show stderr "$1"; fail "$lines lines on stderr, expected one"; }
	[ -z "${2:-}" ] || grep -q -- "$2" "$1" ||
		fail "stderr '$(cat "$1")' does not say '$2'"
}
