# SPDX-License-Identifier: MIT
# Real programs that generate code: identical output and status natively
# and under emt, and at least one capture. Skipped when not installed.

# program_case CMD... — native run, traced run, comparison, events.
program_case() {
	need_emt
	run_native "$@"
	[ "$(cat native.rc)" = 0 ] || { show stderr native.err; fail "$1 fails natively"; }
	run_emt -- "$@"
	compare_runs
	check_events --min-exec=1
}

t_python_ctypes() {
	command -v python3 >/dev/null || skip "python3 not installed"
	program_case python3 "$TESTS/programs/ctypes_jit.py"
}

t_java() {
	command -v java >/dev/null || skip "java not installed"
	command -v javac >/dev/null || skip "javac not installed"
	mkdir classes
	timeout 120 javac -d classes "$TESTS/programs/HotLoop.java" || fail "javac failed"
	program_case java -cp "$TDIR/classes" HotLoop
}

t_node() {
	command -v node >/dev/null || skip "node not installed"
	program_case node "$TESTS/programs/hot.js"
}

# Lines for a regular expression to chew on; the same in every run.
make_haystack() {
	awk 'BEGIN { for (i = 0; i < 20000; i++)
		printf "line %d %s%d-%x\n", i, (i % 7 ? "abcx" : "abbbcd"), i * 31 % 1000, i }' >haystack
}

t_pcre2grep() {
	command -v pcre2grep >/dev/null || skip "pcre2grep not installed"
	make_haystack
	program_case pcre2grep -n '^line \d+ ab+cd(\d{2,3})-[0-9a-f]*7\b' haystack
}

t_grep_p() {
	echo x | grep -qP 'x' 2>/dev/null || skip "grep has no -P"
	make_haystack
	program_case grep -cP '(?:ab+cd|abcx)\d+-[0-9a-f]*(?<!0)$' haystack
}

register "python3 ctypes JIT" t_python_ctypes
T_LIMIT=300 register "java hot loop" t_java
T_LIMIT=300 register "node hot loop and wasm" t_node
register "pcre2grep with JIT" t_pcre2grep
register "grep -P with JIT" t_grep_p
