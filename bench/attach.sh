#!/bin/bash
# SPDX-License-Identifier: MIT
# attach.sh EMT DELAY PROG ARGS... — PROG with `EMT -q -p` attached DELAY
# seconds after its start, followed to its end: what attach mode costs a
# running program. PROG's output and status are this script's. A PROG that
# waits for its tracer (syscalls -w) is measured from the attach on.
emt=$1 delay=$2
shift 2
"$@" &
pid=$!
sleep "$delay"
"$emt" -q -p "$pid" </dev/null &
epid=$!
wait "$pid"
rc=$?
wait "$epid" || { echo "attach.sh: emt -p failed" >&2; exit 1; }
exit "$rc"
