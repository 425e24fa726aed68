#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# emt benchmarks: bench/run.sh [BUILD_DIR]   (make bench)
#
# Every case runs natively and under emt, BENCH_RUNS times (default 5), once
# with the whole command pinned to CPU 0 (tracer and tracee share it) and
# once unpinned; tables show medians. The mechanism floor (bench/floor.c: the
# least a ptrace tracer can do per event) is measured in the same run, since
# absolute times differ several-fold between machines and from one hour to
# the next on a shared host. Every command runs under a time limit
# (BENCH_TIMEOUT seconds, default 60); a variant that overruns is reported
# and not run again, a failure or an output differing from native is
# reported.
#
# Iteration counts: BENCH_GETPID_N, BENCH_PREAD_N, BENCH_NOSECCOMP_N,
# BENCH_FLOOR_N, BENCH_CYCLE_N, BENCH_JIT_N, BENCH_JAVA_N, BENCH_NODE_N,
# BENCH_PY_N, BENCH_OPEN_N. The defaults keep a full run to a few minutes on a 2-CPU VM.
set -u

here=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-build}" && pwd) || exit 2
RUNS=${BENCH_RUNS:-5}
LIMIT=${BENCH_TIMEOUT:-60}
N_GETPID=${BENCH_GETPID_N:-500000}
N_PREAD=${BENCH_PREAD_N:-200000}
N_SLOW=${BENCH_NOSECCOMP_N:-10000}
N_FLOOR=${BENCH_FLOOR_N:-5000}
N_CYCLE=${BENCH_CYCLE_N:-2000}
N_JIT=${BENCH_JIT_N:-3000}
N_JAVA=${BENCH_JAVA_N:-50000000}
N_NODE=${BENCH_NODE_N:-50000000}
N_PY=${BENCH_PY_N:-2000}
# Real programs attached (-p) this long after their start: past start-up.
ATTACH_AFTER=${BENCH_ATTACH_AFTER:-0.2}
N_OPEN=${BENCH_OPEN_N:-20000}

EMT=$BUILD/emt
B=$BUILD/bench
RUNNER=$B/runner
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

for f in "$EMT" "$B/runner" "$B/floor" "$B/syscalls" "$B/cycle" "$B/jit"; do
	[ -x "$f" ] || { echo "bench: $f missing; run make benches" >&2; exit 2; }
done

TMP=$(mktemp -d /tmp/emt-bench.XXXXXX) || exit 2
OUT_ROUND=0
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# A file in /tmp for the read loop (page cache: this measures syscalls).
head -c 1048576 /dev/urandom >"$TMP/data" || exit 2

# Real programs: each one present or skipped with the reason.
declare -A REAL_CMD SKIP
setup_real() {
	if command -v java >/dev/null && command -v javac >/dev/null; then
		mkdir -p "$TMP/java"
		if timeout 120 javac -d "$TMP/java" "$here/Hot.java" 2>"$TMP/javac.err"; then
			REAL_CMD[java]="java -Xmx64m -cp $TMP/java Hot $N_JAVA"
		else
			SKIP[java]="javac failed: $(head -c 200 "$TMP/javac.err")"
		fi
	else
		SKIP[java]="java or javac not installed"
	fi
	if command -v node >/dev/null; then
		REAL_CMD[node]="node $here/hot.js $N_NODE"
	else
		SKIP[node]="node not installed"
	fi
	# The real interpreter, not a wrapper script (pyenv shims are shell
	# scripts that would run bash under emt too).
	local py
	if py=$(timeout 30 python3 -c 'import ctypes, mmap, sys; print(sys.executable)' 2>/dev/null) &&
		[ -x "$py" ]; then
		REAL_CMD[python]="$py $here/ctypes_jit.py $N_PY"
	else
		SKIP[python]="python3 with ctypes and mmap not available"
	fi
}

# One round of every case in one placement. Native and emt alternate within
# a round so that a slow spell on the host does not hit only one of them.
round() {
	local place=$1 P=() out=$TMP/outdir n r
	[ "$place" = pinned ] && P=(taskset -c 0)

	measure "$place" getpid native inner "$LIMIT" "${P[@]}" "$B/syscalls" getpid "$N_GETPID"
	measure "$place" getpid emt inner "$LIMIT" "${P[@]}" "$EMT" -q -- "$B/syscalls" getpid "$N_GETPID"
	measure "$place" getpid emt-nosec inner "$LIMIT" "${P[@]}" "$EMT" -q --no-seccomp -- \
		"$B/syscalls" getpid "$N_SLOW"
	# Attached (-p): the call watcher stops only memory calls.
	measure "$place" getpid emt-attach inner "$LIMIT" "${P[@]}" "$here/attach.sh" "$EMT" 0 \
		"$B/syscalls" -w getpid "$N_GETPID"
	measure "$place" pread native inner "$LIMIT" "${P[@]}" "$B/syscalls" pread "$N_PREAD" "$TMP/data"
	measure "$place" pread emt-attach inner "$LIMIT" "${P[@]}" "$here/attach.sh" "$EMT" 0 \
		"$B/syscalls" -w pread "$N_PREAD" "$TMP/data"
	measure "$place" pread emt inner "$LIMIT" "${P[@]}" "$EMT" -q -- \
		"$B/syscalls" pread "$N_PREAD" "$TMP/data"
	measure "$place" pread emt-nosec inner "$LIMIT" "${P[@]}" "$EMT" -q --no-seccomp -- \
		"$B/syscalls" pread "$N_SLOW" "$TMP/data"

	# --stealth: a stop at every open; the status file's reads answered
	# by emt.
	measure "$place" open native inner "$LIMIT" "${P[@]}" "$B/syscalls" open "$N_OPEN" "$TMP/data"
	measure "$place" open emt inner "$LIMIT" "${P[@]}" "$EMT" -q -- \
		"$B/syscalls" open "$N_OPEN" "$TMP/data"
	measure "$place" open emt-stealth inner "$LIMIT" "${P[@]}" "$EMT" -q --stealth -- \
		"$B/syscalls" open "$N_OPEN" "$TMP/data"
	measure "$place" status native inner "$LIMIT" "${P[@]}" "$B/syscalls" open "$N_SLOW" \
		/proc/self/status
	measure "$place" status emt-stealth inner "$LIMIT" "${P[@]}" "$EMT" -q --stealth -- \
		"$B/syscalls" open "$N_SLOW" /proc/self/status

	measure "$place" floor-watch-getpid native inner "$LIMIT" "${P[@]}" "$B/tpfloor" \
		"$B/syscalls" getpid "$N_GETPID"
	measure "$place" floor-watch-pread native inner "$LIMIT" "${P[@]}" "$B/tpfloor" \
		"$B/syscalls" pread "$N_PREAD" "$TMP/data"
	measure "$place" floor-seccomp-getpid native inner "$LIMIT" "${P[@]}" "$B/syscalls" -s getpid "$N_GETPID"
	measure "$place" floor-seccomp-pread native inner "$LIMIT" "${P[@]}" "$B/syscalls" -s pread "$N_PREAD" "$TMP/data"
	measure "$place" floor-fault native inner "$LIMIT" "${P[@]}" "$B/floor" fault "$N_FLOOR"
	measure "$place" floor-int3 native inner "$LIMIT" "${P[@]}" "$B/floor" int3 "$N_FLOOR"
	measure "$place" floor-syscall native inner "$LIMIT" "${P[@]}" "$B/floor" syscall "$N_FLOOR"

	measure "$place" cycle native inner "$LIMIT" "${P[@]}" "$B/cycle" wx "$N_CYCLE"
	measure "$place" cycle-mprotect native inner "$LIMIT" "${P[@]}" "$B/cycle" mprotect "$N_CYCLE"
	measure "$place" cycle emt inner "$LIMIT" "${P[@]}" "$EMT" -q -- "$B/cycle" wx "$N_CYCLE"
	# A fresh directory each round, removed only at the end: ext4 is slow
	# to hand out inodes of files deleted a moment ago, which would charge
	# emt for the previous round's clean-up.
	out=$TMP/out.$place.$((++OUT_ROUND))
	mkdir "$out.files"
	measure "$place" file-create native inner "$LIMIT" "${P[@]}" "$B/syscalls" create "$N_CYCLE" "$out.files"
	if measure "$place" cycle emt-o inner "$LIMIT" "${P[@]}" "$EMT" -q -o "$out" -- \
		"$B/cycle" wx "$N_CYCLE"; then
		# Every round runs new code: as many captures as cycles.
		n=$(grep -c '"event":"exec"' "$out/events.jsonl" 2>/dev/null)
		[ "${n:-0}" = "$N_CYCLE" ] ||
			note "$place/cycle/emt-o: ${n:-0} exec events for $N_CYCLE cycles"
	fi

	measure "$place" jit native inner "$LIMIT" "${P[@]}" "$B/jit" "$N_JIT"
	measure "$place" jit emt inner "$LIMIT" "${P[@]}" "$EMT" -q -- "$B/jit" "$N_JIT"

	for r in java node python; do
		[ -n "${REAL_CMD[$r]:-}" ] || continue
		# shellcheck disable=SC2086
		measure "$place" "$r" native wall "$((LIMIT * 2))" "${P[@]}" ${REAL_CMD[$r]}
		# shellcheck disable=SC2086
		measure "$place" "$r" emt wall "$((LIMIT * 2))" "${P[@]}" "$EMT" -q -- ${REAL_CMD[$r]}
		# Attached: python's run is over before start-up would be.
		[ "$r" = python ] && continue
		# shellcheck disable=SC2086
		measure "$place" "$r" emt-attach wall "$((LIMIT * 2))" "${P[@]}" "$here/attach.sh" \
			"$EMT" "$ATTACH_AFTER" ${REAL_CMD[$r]}
	done
}

# twice KEY: twice the median of KEY (a W->X->W cycle is two faults).
twice() {
	local m
	m=$(median "$1")
	[ -n "$m" ] && awk -v m="$m" 'BEGIN { print 2 * m }'
}

sum_of() {
	[ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { print a + b }'
}

ref_line() {
	printf '%-9s %-24s %11s %11s\n' "$1" "$2" '' "$(fmt_time "$3")"
}

# ref_ratio_line PLACEMENT LABEL VALUE CASE/VARIANT: a reference time and
# the ratio of CASE/VARIANT's median to it.
ref_ratio_line() {
	printf '%-9s %-24s %11s %11s %10s %10s\n' "$1" "$2" '' "$(fmt_time "$3")" '' \
		"$(ratio "$(median "$1/$4")" "$3")"
}

# syscall_report CASE TITLE: a syscall loop beside its floors: any seccomp
# filter for launch mode, an empty sys_exit eBPF program for attach mode,
# PTRACE_SYSCALL for --no-seccomp.
syscall_report() {
	local place fsys fsec fwatch

	header "$2"
	for place in "${PLACES[@]}"; do
		fsys=$(median "$place/floor-syscall/native")
		fsec=$(median "$place/floor-seccomp-$1/native")
		fwatch=$(median "$place/floor-watch-$1/native")
		row fmt_time "$place" "$1" emt "emt -q" "$fsec"
		row fmt_time "$place" "$1" emt-attach "emt -q -p (attached)" "$fwatch"
		row fmt_time "$place" "$1" emt-nosec "emt -q --no-seccomp" "$fsys"
		ref_line "$place" "floor: allow-all seccomp" "$fsec"
		ref_line "$place" "floor: empty sys_exit bpf" "$fwatch"
		ref_line "$place" "floor: PTRACE_SYSCALL" "$fsys"
	done
}

report() {
	local place f2 mp fc fsys

	syscall_report getpid "getpid: syscall(SYS_getpid) loop, time per call ($N_GETPID calls; $N_SLOW with --no-seccomp)"
	syscall_report pread "pread: 4 KiB pread loop on a /tmp file, time per call ($N_PREAD calls; $N_SLOW with --no-seccomp)"

	header "open: open, read 4 KiB, close, time per file ($N_OPEN files; $N_SLOW of /proc/self/status)"
	for place in "${PLACES[@]}"; do
		fsys=$(median "$place/floor-syscall/native")
		row fmt_time "$place" open emt "emt -q"
		row fmt_time "$place" open emt-stealth "emt -q --stealth" "$fsys"
		row fmt_time "$place" status emt-stealth "status: emt -q --stealth" "$fsys"
		ref_line "$place" "floor: PTRACE_SYSCALL" "$fsys"
	done

	header "cycle: W->X->W on one page (write mov/ret, call), time per cycle ($N_CYCLE cycles)"
	for place in "${PLACES[@]}"; do
		f2=$(twice "$place/floor-fault/native")
		mp=$(median "$place/cycle-mprotect/native")
		fc=$(median "$place/file-create/native")
		row fmt_time "$place" cycle emt "emt -q" "$f2"
		row fmt_time "$place" cycle emt-o "emt -q -o DIR" "$f2"
		ref_line "$place" "floor: 1 fault stop" "$(median "$place/floor-fault/native")"
		ref_line "$place" "floor: 2 fault stops" "$f2"
		ref_line "$place" "ref: int3 stop" "$(median "$place/floor-int3/native")"
		ref_line "$place" "ref: native mprotect cycle" "$mp"
		ref_ratio_line "$place" "ref: 2 faults + mprotects" "$(sum_of "$f2" "$mp")" cycle/emt
		ref_line "$place" "ref: create a 4 KiB file" "$fc"
		ref_ratio_line "$place" "ref: 2 faults + file" "$(sum_of "$f2" "$fc")" cycle/emt-o
	done

	header "jit: 64-byte functions appended to a 128 MiB RWX buffer, each called once, time per function ($N_JIT)"
	for place in "${PLACES[@]}"; do
		row fmt_time "$place" jit emt "emt -q" "$(twice "$place/floor-fault/native")"
	done

	header "real programs: wall time of the whole run"
	for r in java node python; do
		if [ -n "${SKIP[$r]:-}" ]; then
			printf '%-9s %-24s skipped: %s\n' '' "$r" "${SKIP[$r]}"
			continue
		fi
		for place in "${PLACES[@]}"; do
			row fmt_ms "$place" "$r" emt "$r: emt -q"
			[ "$r" = python ] || row fmt_ms "$place" "$r" emt-attach "$r: emt -q -p"
		done
	done
	for r in java node python; do
		[ -n "${REAL_CMD[$r]:-}" ] && printf '  %s: %s\n' "$r" "${REAL_CMD[$r]}"
	done
	printf '  emt -q -p: emt attached %ss after the start (attach.sh)\n' "$ATTACH_AFTER"

	printf '\nemt/floor: emt time over the mechanism floor measured in the same run:\n'
	printf '  PTRACE_SYSCALL getpid (2 stops per call) for --no-seccomp; two fault stops\n'
	printf '  (SIGSEGV, GETREGS, rip += 3, SETREGS, CONT) for a cycle or a JIT function.\n'
	printf '  "2 faults + mprotects" adds what two native mprotect calls cost here, which\n'
	printf '  emt cannot avoid either; "2 faults + file" what storing each capture as a\n'
	printf '  file costs on the file system of the output directory (%s). The allow-all\n' \
		"$(df -PT "$TMP" | awk 'NR == 2 { print $2 " on " $NF }')"
	printf '  seccomp filter is the floor of launch mode for calls emt lets through; an\n'
	printf '  empty eBPF program on sys_exit that of attach mode'"'"'s call watcher.\n'
	printf '  emt RSS: peak VmHWM of the emt process itself.\n'
	printf 'medians of %s runs; %s CPUs (%s); %s\n' "$RUNS" "$(nproc)" \
		"$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" "$(uname -sr)"
	if [ "${#NOTES[@]}" -gt 0 ]; then
		printf '\nproblems seen:\n'
		printf '  %s\n' "${NOTES[@]}"
	fi
}

PLACES=(pinned unpinned)
if ! command -v taskset >/dev/null; then
	note "taskset not installed (util-linux): pinned figures skipped"
	PLACES=(unpinned)
elif [ "$(nproc)" -lt 2 ]; then
	echo "bench: one CPU only: pinned and unpinned are the same placement" >&2
	PLACES=(pinned)
fi
setup_real
start=$SECONDS
for place in "${PLACES[@]}"; do
	for ((i = 1; i <= RUNS; i++)); do
		printf 'bench: %s round %d/%d (%ds)\n' "$place" "$i" "$RUNS" $((SECONDS - start)) >&2
		round "$place"
	done
done
printf 'bench: done in %ds\n' $((SECONDS - start)) >&2
report
