#!/bin/bash
# SPDX-License-Identifier: MIT
# usage: tests/run.sh [BUILD_DIR [PATTERN]]
#
# Runs every test of tests/cases/*.sh (only those whose name contains
# PATTERN, if given) against BUILD_DIR (default: build). Prints one TAP line
# per test, diagnostics of failures as '#' lines, and finally
# "N passed, N failed, N skipped". Exits 1 if a test failed.
#
# Each test runs in its own process under `timeout`, in a fresh directory,
# with a marker in its environment; any process still carrying the marker
# after the test is killed, and makes the test fail if it had passed.
set -u
TESTS=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || {
	echo "usage: tests/run.sh [BUILD_DIR [PATTERN]]: no directory ${1:-build}" >&2
	exit 2
}
FILTER=${2:-}
export TESTS BUILD
TMPROOT=$(mktemp -d "${TMPDIR:-/tmp}/emt-tests.XXXXXX")
n=0 passed=0 failed=0 skipped=0

# PIDs of processes whose environment holds the marker.
marked() {
	grep -lsaz "^EMT_TEST_MARK=$1\$" /proc/[0-9]*/environ | sed 's,^/proc/,,; s,/environ$,,'
}

# Kills what a test left running; says what it was. Traced processes die
# with their tracer, but reaping takes a moment: wait a little first.
reap_leftovers() {
	local mark=$1 i left
	for ((i = 0; i < 20; i++)); do
		left=$(marked "$mark")
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	for p in $left; do
		echo "left behind: pid $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)) state $(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)"
		kill -KILL "$p" 2>/dev/null
	done
	return 1
}

# register NAME FUNCTION ARGS... — called by the case files; runs the test
# now. T_LIMIT (seconds, default 180) bounds the whole test.
register() {
	local name=$1 case_file=$CASE_FILE dir mark rc reason
	shift
	[ -z "$FILTER" ] || [[ $name == *"$FILTER"* ]] || return 0
	n=$((n + 1))
	dir=$TMPROOT/$n
	mkdir -p "$dir"
	mark=emt-test-$$-$n
	(cd "$dir" && TDIR=$dir EMT_TEST_MARK=$mark \
		timeout -k 5 "${T_LIMIT:-180}" bash "$TESTS/lib/runone.sh" \
		"$case_file" "$@" >"$dir/.log" 2>&1 </dev/null)
	rc=$?
	if ! reap_leftovers "$mark" >>"$dir/.log"; then
		[ $rc = 0 ] || [ $rc = 77 ] && rc=1
	fi
	case $rc in
	0)
		echo "ok $n - $name"
		# What a test measured, for the reader (a .note file).
		[ -s "$dir/.note" ] && sed 's/^/# /' "$dir/.note"
		passed=$((passed + 1))
		rm -rf "$dir"
		;;
	77)
		reason=$(cat "$dir/.skip" 2>/dev/null)
		echo "ok $n - $name # SKIP ${reason:-no reason given}"
		skipped=$((skipped + 1))
		rm -rf "$dir"
		;;
	*)
		echo "not ok $n - $name"
		[ $rc = 124 ] && echo "# the test did not finish within ${T_LIMIT:-180}s"
		sed 's/^/# /' "$dir/.log" | head -n 60
		echo "# files kept in $dir"
		failed=$((failed + 1))
		;;
	esac
}

trap 'echo "# interrupted"; exit 130' INT TERM
for CASE_FILE in "$TESTS"/cases/*.sh; do
	# shellcheck disable=SC1090,SC1091
	. "$TESTS/lib/common.sh"
	# shellcheck disable=SC1090
	. "$CASE_FILE"
done

[ $failed = 0 ] && rm -rf "$TMPROOT"
echo "1..$n"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
