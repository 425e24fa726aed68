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
register "dead pid" t_dead_pid
register "-p with garbage" t_pid_garbage
register "no program and no pid" t_no_program
register "output dir under a regular file" t_out_under_file
register "output dir in /proc" t_out_in_proc
register "events.jsonl is a symlink" t_out_symlink
