# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Helpers for bench/run.sh: run one measured command, keep its figures,
# compare its output with the native run, print the tables.
#
# Figures are kept in associative arrays keyed "PLACEMENT/CASE/VARIANT":
#   VALS  space-separated values, one per run (ns per operation, or wall
#         milliseconds for real programs)
#   PEAK  highest VmHWM of the measured process over the runs, KiB
#   DEAD  set once a variant timed out: its later runs are skipped, so a
#         hang costs one time limit, not one per run (a failure is noted
#         and the variant runs again)
declare -A VALS PEAK DEAD REF
NOTES=()

note() {
	NOTES+=("$*")
	printf '  ! %s\n' "$*" >&2
}

# measure PLACEMENT CASE VARIANT KIND LIMIT_S CMD...
# KIND "inner": CMD prints "VALUE CHECK", VALUE timed by the program itself.
# KIND "wall":  the value is the wall time in ms, the check all of stdout.
# The first run of a case (native comes first) sets the expected check; a
# later run printing something else is an emt bug worth reporting.
measure() {
	local place=$1 name=$2 variant=$3 kind=$4 limit=$5
	local key="$place/$name/$variant" wall kb rc value check
	shift 5
	[ -n "${DEAD[$key]:-}" ] && return 1
	"$RUNNER" "$limit" "$TMP/res" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	if ! read -r wall kb rc <"$TMP/res"; then
		DEAD[$key]=1
		note "$key: runner failed: $*"
		return 1
	fi
	if [ "$rc" = 124 ]; then
		DEAD[$key]=1
		note "$key: timed out after ${limit}s: $*"
		return 1
	elif [ "$rc" != 0 ]; then
		note "$key: exit status $rc: $* ($(head -c 300 "$TMP/err" | tr '\n' ' '))"
		return 1
	fi
	if [ "$kind" = inner ]; then
		read -r value check <"$TMP/out"
	else
		value=$((wall / 1000))
		check=$(cksum <"$TMP/out")
	fi
	if [ -z "${REF[$name]:-}" ]; then
		REF[$name]=$check
	elif [ "${REF[$name]}" != "$check" ]; then
		note "$key: output differs from the first run of $name: $*"
	fi
	# emt -q prints nothing of its own; anything on stderr is news.
	case $variant in
	emt*) [ -s "$TMP/err" ] && note "$key: stderr: $(head -c 200 "$TMP/err" | tr '\n' ' ')" ;;
	esac
	VALS[$key]="${VALS[$key]:-} $value"
	if [ "${PEAK[$key]:-0}" -lt "$kb" ]; then PEAK[$key]=$kb; fi
	return 0
}

# median KEY: median of the values kept for KEY, empty if none.
median() {
	local v
	# shellcheck disable=SC2086
	v=$(printf '%s\n' ${VALS[$1]:-} | sort -g | awk '{a[NR]=$1} END {
		if (NR == 0) exit
		if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
	printf '%s' "$v"
}

# fmt_time NS: human unit for a per-operation time in nanoseconds.
fmt_time() {
	[ -z "$1" ] && { printf -- '-'; return; }
	awk -v t="$1" 'BEGIN {
		if (t >= 1e6) printf "%.2f ms", t / 1e6
		else if (t >= 1e3) printf "%.1f us", t / 1e3
		else printf "%.0f ns", t }'
}

fmt_ms() {
	[ -z "$1" ] && { printf -- '-'; return; }
	awk -v t="$1" 'BEGIN { printf "%.2f s", t / 1e3 }'
}

# ratio A B: A/B with one decimal place (two below 10), "-" if unknown.
ratio() {
	if [ -z "$1" ] || [ -z "$2" ]; then printf -- '-'; return; fi
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (b <= 0) { printf "-"; exit }
		r = a / b; if (r < 10) printf "%.2fx", r; else printf "%.1fx", r }'
}

fmt_kb() {
	[ -z "$1" ] || [ "$1" -le 0 ] 2>/dev/null && { printf -- '-'; return; }
	awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'
}

# row FMT_FN PLACEMENT CASE VARIANT LABEL [FLOOR_VALUE]: one table line:
# native and emt medians, their ratio, the ratio to the floor, emt's RSS.
row() {
	local fmt=$1 place=$2 name=$3 variant=$4 label=$5 floor=${6:-}
	local nat emt fr='-'
	nat=$(median "$place/$name/native")
	emt=$(median "$place/$name/$variant")
	[ -n "$floor" ] && fr=$(ratio "$emt" "$floor")
	printf '%-9s %-24s %11s %11s %10s %10s %10s\n' "$place" "$label" \
		"$($fmt "$nat")" "$($fmt "$emt")" "$(ratio "$emt" "$nat")" "$fr" \
		"$(fmt_kb "${PEAK[$place/$name/$variant]:-}")"
}

header() {
	printf '\n== %s ==\n' "$1"
	printf '%-9s %-24s %11s %11s %10s %10s %10s\n' placement variant native emt \
		emt/native emt/floor 'emt RSS'
}
