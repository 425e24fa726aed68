# SPDX-License-Identifier: MIT
# Real programs that generate code: identical output and status natively
# and under emt, and at least one capture. Skipped when not installed.

# program_case CMD... — native run, traced run, comparison, events.
# EXPECT_RC: the program's exit status natively (default 0).
program_case() {
	need_emt
	run_native "$@"
	[ "$(cat native.rc)" = "${EXPECT_RC:-0}" ] ||
		{ show stderr native.err; fail "$1 exits $(cat native.rc) natively, not ${EXPECT_RC:-0}"; }
	run_emt -- "$@"
	compare_runs
	check_events --min-exec=1
}

# program_attach_case SECONDS [-e EMT_OPT]... CMD... — native run, then a
# run that emt attaches to SECONDS in (its JIT at work) and follows to its
# end: the same output and status, code captured.
program_attach_case() {
	local after=$1 emt_opts=() vpid epid
	shift
	while [ "$1" = -e ]; do
		emt_opts+=("$2")
		shift 2
	done
	need_emt
	run_native "$@"
	[ "$(cat native.rc)" = 0 ] || { show stderr native.err; fail "$1 exits $(cat native.rc) natively"; }
	rm -rf out
	"$@" >emt.out 2>emt.err </dev/null &
	vpid=$!
	trap 'kill -KILL "$vpid" 2>/dev/null' EXIT
	sleep "$after"
	[ -n "$(proc_state "$vpid")" ] || fail "$1 ended within ${after}s: nothing to attach to"
	"$EMT" -q "${emt_opts[@]}" -o out -p "$vpid" >emt-cli.out 2>emt-cli.err </dev/null &
	epid=$!
	wait_child "$vpid" "$RUN_LIMIT" || { kill -KILL "$epid"; fail "the program did not finish"; }
	trap - EXIT
	echo "$WAIT_RC" >emt.rc
	wait_child "$epid" 20 || fail "emt did not end after the program"
	[ "$WAIT_RC" = 0 ] || { show "emt stderr" emt-cli.err; fail "emt exited $WAIT_RC"; }
	compare_runs
	check_events --attached --loose-origin --min-exec=1 --blind-route=window
}

# Attached mid-run, with the call watcher and stopping at every call.
t_attach_java() {
	command -v java >/dev/null || skip "java not installed"
	command -v javac >/dev/null || skip "javac not installed"
	mkdir classes
	timeout 120 javac -d classes "$TESTS/programs/ThreadsGc.java" || fail "javac failed"
	# 80000 rounds: about 3 s natively, well past the attach at 0.8 s.
	program_attach_case 0.8 "$@" java -Xmx64m -cp "$TDIR/classes" ThreadsGc 80000
}

t_attach_node() {
	command -v node >/dev/null || skip "node not installed"
	program_attach_case 0.4 "$@" node "$TESTS/../bench/hot.js" 150000000
}

# Its JIT starts after a pause in which emt attaches: 3000 functions.
t_attach_python() {
	command -v python3 >/dev/null || skip "python3 not installed"
	program_attach_case 0.2 "$@" python3 -c 'import runpy, sys, time
time.sleep(0.6)
sys.argv = [sys.argv[1], "3000"]
runpy.run_path(sys.argv[0], run_name="__main__")' "$TESTS/../bench/ctypes_jit.py"
}

t_python_ctypes() {
	command -v python3 >/dev/null || skip "python3 not installed"
	program_case python3 "$TESTS/programs/ctypes_jit.py" "$@"
}

t_luajit() {
	command -v luajit >/dev/null || skip "luajit not installed"
	program_case luajit "$TESTS/programs/hot.lua"
}

# lli, or the newest lli-N (not lli-child-target-N).
find_lli() {
	local f best="" n=-1
	command -v lli 2>/dev/null && return 0
	for f in /usr/bin/lli-[0-9]*; do
		[ -x "$f" ] && [ "${f##*-}" -gt "$n" ] && best=$f n=${f##*-}
	done
	[ -n "$best" ] && echo "$best"
}

t_lli() {
	local lli version
	lli=$(find_lli) || skip "lli not installed"
	version=$("$lli" --version | sed -n 's/.*LLVM version \([0-9]*\).*/\1/p')
	# Typed pointers until LLVM 14, opaque ones from 15 (only, from 17).
	if [ "${version:-0}" -ge 15 ]; then
		cat >hello.ll <<-'EOF'
		@.str = private unnamed_addr constant [13 x i8] c"hello, lli!\0A\00"
		declare i32 @printf(ptr, ...)
		define i32 @main() {
		  %r = call i32 (ptr, ...) @printf(ptr @.str)
		  ret i32 0
		}
		EOF
	else
		cat >hello.ll <<-'EOF'
		@.str = private unnamed_addr constant [13 x i8] c"hello, lli!\0A\00"
		declare i32 @printf(i8*, ...)
		define i32 @main() {
		  %p = getelementptr inbounds [13 x i8], [13 x i8]* @.str, i64 0, i64 0
		  %r = call i32 (i8*, ...) @printf(i8* %p)
		  ret i32 0
		}
		EOF
	fi
	program_case "$lli" hello.ll
	grep -qx 'hello, lli!' emt.out || fail "lli printed: $(head -c 200 emt.out)"
}

t_ruby_yjit() {
	command -v ruby >/dev/null || skip "ruby not installed"
	ruby --yjit -e 'exit(defined?(RubyVM::YJIT) && RubyVM::YJIT.enabled? ? 0 : 1)' \
		>/dev/null 2>&1 || skip "ruby has no YJIT"
	program_case ruby --yjit "$TESTS/programs/hot.rb"
}

# The script says whether the JIT compiled it; captures are expected only
# then. file_update_protection=0: a script changed in the last 2 seconds
# is otherwise kept out of the cache, and out of the JIT.
t_php_jit() {
	command -v php >/dev/null || skip "php not installed"
	local php=(php -d opcache.enable_cli=1 -d opcache.jit_buffer_size=16M
		-d opcache.jit=tracing -d opcache.file_update_protection=0)
	"${php[@]}" -r 'exit(function_exists("opcache_get_status") ? 0 : 1);' \
		>/dev/null 2>&1 || skip "php has no opcache"
	need_emt
	run_native "${php[@]}" "$TESTS/programs/hot.php"
	[ "$(cat native.rc)" = 0 ] || { show stderr native.err; fail "php fails natively"; }
	run_emt -- "${php[@]}" "$TESTS/programs/hot.php"
	compare_runs
	if grep -qx 'jit active' native.out; then
		check_events --min-exec=1
	else
		echo "the JIT is not active: only the output is compared"
		check_events
	fi
}

UPX_DIR=$TESTS/../../shared/fixtures/upx

# upx_case PROGRAM ARGS... — a UPX-packed program from $UPX_DIR.
upx_case() {
	local prog=$UPX_DIR/$1
	shift
	[ -d "$UPX_DIR" ] || skip "no $UPX_DIR"
	[ -x "$prog" ] || skip "no $prog"
	program_case "$prog" "$@"
}

# /usr rather than /: the listing shows times, and /tmp changes.
t_upx_ls() {
	upx_case ls.upx -la /usr
}

t_upx_hello() {
	upx_case hello-dyn.upx
	grep -qx 'hello from packed binary, s=155001072592992384' emt.out ||
		fail "hello-dyn.upx printed: $(head -c 200 emt.out)"
}

# --elf rebuilds the program UPX unpacked: one image record, an ELF file
# whose executable segment holds, byte for byte, the executable segment of
# the program that was packed (what `upx -d` gives back): /bin/ls of
# Debian 12 for ls.upx, when this machine's /bin/ls is that build.
upx_image_case() {
	local prog=$UPX_DIR/$1 original=$2
	shift 2
	[ -x "$prog" ] || skip "no $prog"
	need_emt
	# The unpacked program's strings are in its image, in no capture.
	printf 'rule ls_usage { strings: $u = "Usage: %%s [OPTION]... [FILE]..." condition: $u }\n' >ls.yar
	run_native "$prog" "$@"
	run_emt --elf --yara "$TDIR/ls.yar" -- "$prog" "$@"
	compare_runs
	check_events --min-exec=1
	python3 - out "$original" <<'PY' >image.check || { cat image.check; fail "the unpacked image is wrong"; }
import json, os, struct, sys
out, original = sys.argv[1], sys.argv[2]
images = [e for e in map(json.loads, open(os.path.join(out, "events.jsonl"))) if e["event"] == "image"]
assert len(images) == 1, "%d image records" % len(images)
im = images[0]
elf = open(os.path.join(out, im["elf"]), "rb").read()

def loads(b):
    phoff, = struct.unpack("<Q", b[32:40])
    n, = struct.unpack("<H", b[56:58])
    for i in range(n):
        t, fl, off, va, _, fs, ms, _ = struct.unpack("<IIQQQQQQ", b[phoff + i * 56:phoff + i * 56 + 56])
        if t == 1:
            yield fl, off, va, fs, ms

entry, = struct.unpack("<Q", elf[24:32])
text = [l for l in loads(elf) if l[0] & 1]
assert len(text) == 1 and text[0][2] <= entry < text[0][2] + text[0][4], "entry outside the code"
assert hex(entry) == im["entry"], (hex(entry), im["entry"])
matches = [e for e in map(json.loads, open(os.path.join(out, "events.jsonl"))) if e["event"] == "match"]
if original.endswith("/ls"):
    assert [(m["rule"], m.get("image")) for m in matches] == [("ls_usage", im["base"])], matches
if original:
    orig = open(original, "rb").read()
    otext = [l for l in loads(orig) if l[0] & 1][0]
    if otext[3] != text[0][3]:
        print("note: %s is another build; bytes not compared" % original)
    else:
        a = elf[text[0][1]:text[0][1] + otext[3]]
        b = orig[otext[1]:otext[1] + otext[3]]
        assert a == b, "the code segment differs from %s's" % original
        print("code segment identical to %s's (%d bytes)" % (original, len(a)))
PY
	sed -n 's/^note: //p; s/^code segment/code segment/p' image.check >"$TDIR/.note"
	objdump -d out/elf/image-*.elf | grep -q "<emt_entry>:" || fail "objdump shows no emt_entry"
}

t_upx_ls_image() {
	upx_image_case ls.upx /bin/ls -la /usr
}

t_upx_hello_image() {
	upx_image_case hello-dyn.upx ""
}

# tcc makes a malloc'ed heap page W+X with mprotect and runs the program
# there; the program exits 3.
t_tcc_run() {
	command -v tcc >/dev/null || skip "tcc not installed"
	EXPECT_RC=3 program_case tcc -run "$TESTS/programs/fib.c" one two
	grep -qx 'fib(24) = 46368, 3 arguments, last two' emt.out ||
		fail "tcc -run printed: $(head -c 200 emt.out)"
	grep -q '"origin":"wx_protect"' out/events.jsonl || fail "no wx_protect capture"
}

# valgrind translates every basic block of the guest into its own code
# cache: thousands of captures in one short run.
t_valgrind() {
	command -v valgrind >/dev/null || skip "valgrind not installed"
	program_case valgrind -q /bin/echo "hello under valgrind"
	grep -qx 'hello under valgrind' emt.out || fail "valgrind printed: $(head -c 200 emt.out)"
	[ "$(grep -c '"event":"exec"' out/events.jsonl)" -ge 100 ] ||
		fail "fewer than 100 captures from valgrind"
}

# Guile 3 compiles hot procedures to native code; without auto-compile
# the script is interpreted first, then JIT-compiled.
t_guile() {
	command -v guile >/dev/null || skip "guile not installed"
	program_case guile --no-auto-compile "$TESTS/programs/hot.scm"
}

# gjs: SpiderMonkey's baseline and Ion JITs.
t_gjs() {
	command -v gjs >/dev/null || skip "gjs not installed"
	program_case gjs "$TESTS/programs/hot_gjs.js"
}

t_java() {
	command -v java >/dev/null || skip "java not installed"
	command -v javac >/dev/null || skip "javac not installed"
	mkdir classes
	timeout 120 javac -d classes "$TESTS/programs/HotLoop.java" || fail "javac failed"
	program_case java -cp "$TDIR/classes" HotLoop
}

# Four threads allocating hard: the GC runs, compiled code is installed
# and patched at safepoints while other threads run.
t_java_threads() {
	command -v java >/dev/null || skip "java not installed"
	command -v javac >/dev/null || skip "javac not installed"
	mkdir classes
	timeout 120 javac -d classes "$TESTS/programs/ThreadsGc.java" || fail "javac failed"
	program_case java -Xmx64m -cp "$TDIR/classes" ThreadsGc
	grep -qx 'gc runs: some' emt.out || fail "the GC never ran: $(tail -n 1 emt.out)"
}

t_node() {
	command -v node >/dev/null || skip "node not installed"
	program_case node "$TESTS/programs/hot.js"
}

# V8 names its code in a perf map (--perf-basic-prof): captures of the
# hot function carry its name; with -k their callers include node's own
# builtins, by symbol; with --region some capture holds several pages of
# V8's code space.
t_node_analyst() {
	command -v node >/dev/null || skip "node not installed"
	need_emt
	trap 'for p in $(cat pids 2>/dev/null); do rm -f "/tmp/perf-$p.map"; done' EXIT
	# shellcheck disable=SC2016
	set -- sh -c 'echo $$ >>pids; exec node --perf-basic-prof "$0"' "$TESTS/programs/hot.js"
	run_native "$@"
	run_emt -k --region -- "$@"
	compare_runs
	check_events --min-exec=1 --region=262144
	grep -q '"symbol":{"name":"JS:[*^~]*mix [^"]*hot.js:' out/events.jsonl ||
		{ grep -o '"symbol":{[^}]*}' out/events.jsonl | head; fail "no capture named after mix()"; }
	python3 - out/events.jsonl <<'PY' >node.check || { cat node.check; fail "backtraces or regions wrong"; }
import json, sys
execs = [e for e in map(json.loads, open(sys.argv[1])) if e["event"] == "exec"]
frames = [f for e in execs for f in e.get("backtrace", [])]
assert all(e.get("backtrace") for e in execs), "a capture without a backtrace"
assert any(f.get("module", "").endswith("/node") and f.get("symbol", "").startswith("Builtins_")
           for f in frames), "no frame in node's builtins"
assert any(f.get("capture") for f in frames), "no frame named by its capture"
assert any(e["len"] > 4096 for e in execs), "no capture of more than a page"
PY
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
register "python3 ctypes: RW mmap, mprotect R-X" t_python_ctypes flip
register "python3 ctypes: memfd mapped RW and R-X" t_python_ctypes memfd
register "luajit hot loop" t_luajit
register "lli running LLVM IR hello" t_lli
register "ruby --yjit hot loop" t_ruby_yjit
register "php tracing JIT hot loop" t_php_jit
register "tcc -run a C file" t_tcc_run
register "valgrind /bin/echo" t_valgrind
register "guile hot loop" t_guile
register "gjs (SpiderMonkey) hot loop" t_gjs
register "UPX-packed ls -la /usr" t_upx_ls
register "UPX-packed dynamic hello" t_upx_hello
register "UPX-packed ls --elf: the unpacked image rebuilt" t_upx_ls_image
register "UPX-packed dynamic hello --elf: the unpacked image rebuilt" t_upx_hello_image
T_LIMIT=300 register "java hot loop" t_java
T_LIMIT=300 register "java: 4 threads with GC" t_java_threads
T_LIMIT=300 register "node hot loop and wasm" t_node
T_LIMIT=300 register "node --perf-basic-prof, -k, --region: symbols, callers, whole regions" t_node_analyst
T_LIMIT=300 register "java, 4 threads with GC, attached mid-run" t_attach_java
T_LIMIT=300 register "java, attached mid-run, every call stops" t_attach_java -e --no-seccomp
register "node hot loop, attached mid-run" t_attach_node
register "node hot loop, attached mid-run, every call stops" t_attach_node -e --no-seccomp
register "python3 ctypes JIT, attached mid-run" t_attach_python
register "python3 ctypes JIT, attached mid-run, every call stops" t_attach_python -e --no-seccomp
register "pcre2grep with JIT" t_pcre2grep
register "grep -P with JIT" t_grep_p
