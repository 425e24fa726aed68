# SPDX-License-Identifier: MIT
# Bad input: one line on stderr, a non-zero exit, nothing left running
# (run.sh checks the last for every test).

# emt_fails ARGS... — runs emt, expects a non-zero exit.
emt_fails() {
	need_emt
	run_capture bad "$EMT" "$@"
	[ "$(cat bad.rc)" != 0 ] || fail "emt $* exited 0"
}

t_missing_program() {
	emt_fails -q -- /nonexistent/program
	one_line_error bad.err "No such file"
}

t_not_executable() {
	printf '#!/bin/sh\necho should not run\n' >notexec
	chmod 644 notexec
	emt_fails -q -- "$TDIR/notexec"
	one_line_error bad.err "Permission denied"
	[ ! -s bad.out ] || fail "the file ran: $(cat bad.out)"
}

t_dead_pid() {
	local pid
	true &
	pid=$!
	wait "$pid"
	emt_fails -q -o out -p "$pid"
	one_line_error bad.err
}

t_pid_garbage() {
	emt_fails -q -p 12abc
	grep -q . bad.err || fail "nothing on stderr"
}

t_no_program() {
	emt_fails -q
	grep -q . bad.err || fail "nothing on stderr"
}

# An executable file the kernel cannot run: the exec fails in the child,
# and the parent names the errno.
t_exec_format() {
	printf '\177ELF not really\n' >junk
	chmod 755 junk
	emt_fails -q -- "$TDIR/junk"
	one_line_error bad.err "Exec format error"
}

# A command prefix that runs without root's privileges.
AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

need_nobody() {
	[ "$(id -u)" = 0 ] || skip "needs root to run emt as another user"
	command -v setpriv >/dev/null || skip "setpriv not installed"
}

# A process of another user: ptrace refused. The victim must go on as if
# nothing happened: not stopped, not traced, its RWX page still rwx.
t_foreign_pid() {
	local vpid
	need_nobody
	need_emt
	need_victim attach
	EMT_ANNOUNCE=$TDIR/emt.ann "$VICTIMS/attach" -m -t 30 >victim.out 2>victim.err </dev/null &
	vpid=$!
	wait_for '^ready ' emt.ann 10 || fail "the victim never got ready"
	chmod 755 "$TDIR"
	run_capture bad "${AS_NOBODY[@]}" "$EMT" -q -p "$vpid"
	[ "$(cat bad.rc)" != 0 ] || fail "emt -p of a root process exited 0 as nobody"
	one_line_error bad.err "Operation not permitted"
	case $(proc_state "$vpid") in
	"" | Z) fail "the victim died" ;;
	t | T) fail "the victim is left stopped" ;;
	esac
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$vpid/status" || fail "the victim is still traced"
	kill -USR1 "$vpid"
	wait_child "$vpid" 10 || fail "the victim did not finish after SIGUSR1"
	[ "$WAIT_RC" = 0 ] && [ "$(cat victim.out)" = "attach ok" ] ||
		fail "the victim exited $WAIT_RC: $(cat victim.out)"
}

# An output directory the user may not write: refused before the program
# runs.
t_out_forbidden() {
	need_nobody
	need_victim single
	mkdir -m 700 private
	chmod 755 "$TDIR"
	run_capture bad "${AS_NOBODY[@]}" "$EMT" -q -o "$TDIR/private/out" -- "$VICTIMS/single"
	[ "$(cat bad.rc)" != 0 ] || fail "emt exited 0"
	one_line_error bad.err "Permission denied"
	[ ! -s bad.out ] || fail "the program ran anyway: $(cat bad.out)"
}

# The output directory cannot be made: refuse before running anything.
unwritable_case() {
	need_victim single
	emt_fails -q -o "$1" -- "$VICTIMS/single"
	one_line_error bad.err
	[ ! -s bad.out ] || fail "the program ran anyway: $(cat bad.out)"
}

t_out_under_file() {
	: >plainfile
	unwritable_case "$TDIR/plainfile/out"
}

t_out_in_proc() {
	unwritable_case /proc/nonexistent/x
}

# doc/events.md: an events.jsonl that is a symbolic link is an error.
t_out_symlink() {
	need_victim single
	mkdir -m 700 out
	ln -s "$TDIR/target" out/events.jsonl
	emt_fails -q -o out -- "$VICTIMS/single"
	[ ! -e target ] || fail "emt wrote through the symbolic link"
	grep -q . bad.err || fail "nothing on stderr"
}

register "missing program: No such file" t_missing_program
register "non-executable file: Permission denied" t_not_executable
register "exec format error in the child" t_exec_format
register "dead pid" t_dead_pid
register "pid of another user: Operation not permitted" t_foreign_pid
register "output dir without write permission" t_out_forbidden
register "-p with garbage" t_pid_garbage
register "no program and no pid" t_no_program
register "output dir under a regular file" t_out_under_file
register "output dir in /proc" t_out_in_proc
register "events.jsonl is a symlink" t_out_symlink
