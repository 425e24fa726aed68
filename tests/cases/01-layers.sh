# SPDX-License-Identifier: MIT
# The library's layers (README, "Layout"): each part of src/ includes only
# the headers of the parts below it, and only the ptrace primitives call
# ptrace(2) and waitpid(2) or name a /proc path.
#
#   arch, sysent.h   the x86_64 specifics, the syscall table
#   ptrace           ptrace requests, waits, /proc reads
#   model            processes, threads, address spaces, regions, views
#   events           events built and queued for the consumer
#   act              remote calls, trampoline, single-steps, captures
#   decide           what a call, a fault, a kernel write means for emt
#   loop             the wait loop: launch, attach, stops, detach

SRC_DIR=$(cd "$TESTS/../src" && pwd)

# The headers a part may include: its own and those of the parts below.
layer_allows() {
	local base="arch.h sysent.h emt/emt.h"
	case $1 in
	arch) echo "$base" ;;
	ptrace) echo "$base ptrace/" ;;
	model) echo "$base monitor.h model/" ;;
	events) echo "$base monitor.h model/ events/" ;;
	act) echo "$base monitor.h model/ events/ ptrace/ act/" ;;
	decide) echo "$base monitor.h model/ events/ ptrace/ act/ decide/" ;;
	loop) echo "$base monitor.h model/ events/ ptrace/ act/ decide/ loop/" ;;
	esac
}

# Upward includes allowed, each for a reason (README, "Layout"): none. What
# a part needs of one above it is given to it as a function when the
# monitor is made (struct upcalls, monitor.h).
LAYER_EXCEPTIONS=""

t_layer_includes() {
	local f rel layer inc allowed ok bad=0 a
	for f in "$SRC_DIR"/*/*.[ch] "$SRC_DIR"/*/*/*.[ch]; do
		[ -e "$f" ] || continue
		rel=${f#"$SRC_DIR"/}
		layer=${rel%%/*}
		allowed=$(layer_allows "$layer")
		[ -n "$allowed" ] || { echo "$rel: in no layer"; bad=1; continue; }
		while read -r inc; do
			ok=0
			for a in $allowed; do
				case $inc in "$a"*) ok=1 ;; esac
			done
			case " $LAYER_EXCEPTIONS " in *" $rel:$inc "*) ok=1 ;; esac
			if [ $ok = 0 ]; then
				echo "$rel includes $inc"
				bad=1
			fi
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
	done > layers.out
	if [ $bad = 1 ] || [ -s layers.out ]; then
		show "includes across layers" layers.out
		fail "a part includes a header of a part above it"
	fi
	[ -n "$(ls "$SRC_DIR"/decide/*.c 2>/dev/null)" ] || fail "no sources under $SRC_DIR"
}

# Code only: comment lines (starting with /*, * or //) are left out.
code_lines() {
	grep -nE "$1" "$2" | grep -vE '^[0-9]+:[[:space:]]*(/\*|\*|//)'
}

t_layer_primitives() {
	local f rel
	: > primitives.out
	for f in "$SRC_DIR"/*/*.[ch] "$SRC_DIR"/*/*/*.[ch]; do
		rel=${f#"$SRC_DIR"/}
		case $rel in ptrace/*) continue ;; esac
		code_lines '(^|[^_[:alnum:]])(ptrace|waitpid|wait4|waitid)[[:space:]]*\(' "$f" |
			sed "s|^|$rel:|" >> primitives.out
		code_lines '"/proc' "$f" | sed "s|^|$rel:|" >> primitives.out
	done
	if [ -s primitives.out ]; then
		show "ptrace, waits and /proc outside src/ptrace" primitives.out
		fail "only src/ptrace calls ptrace or waitpid or names /proc"
	fi
}

register "layers: each part includes only the parts below it" t_layer_includes
register "layers: ptrace, waitpid and /proc only in src/ptrace" t_layer_primitives
