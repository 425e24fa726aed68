# SPDX-License-Identifier: MIT
# What emt adds for the analyst: JIT symbols from the program's perf map,
# YARA matches on every capture (--yara).

YARA_RULES='rule emt_marker : test jit
{
	strings:
		$m = "EMT-MARKER-7f3a"
	condition:
		$m
}
rule never_there
{
	strings:
		$n = "NOT-THERE-x9q"
	condition:
		$n
}'

# The perf maps the victim's runs left (native and traced), removed when
# the test ends whatever happens.
perf_maps_cleanup() {
	local f pid
	for f in native.ann emt.ann; do
		pid=$(fact start pid "$f" 2>/dev/null)
		[ -n "$pid" ] && rm -f "/tmp/perf-$pid.map"
	done
}

# jit_symbols names page A "emt_jit_entry" (its newest line) and puts the
# marker at A+0x40: the exec event of A carries that symbol, and one match
# record names the rule, its tags, the marker's offset and address, and
# the capture's file; the rule that matches nothing gives no record.
check_annotations() {
	local addr=$1
	python3 - "$addr" out/events.jsonl <<'PY' >annot.check || { cat annot.check; fail "annotations wrong"; }
import json, sys
addr = int(sys.argv[1], 16)
events = [json.loads(l) for l in open(sys.argv[2])]
execs = [e for e in events if e["event"] == "exec" and int(e["addr"], 16) == addr]
matches = [e for e in events if e["event"] == "match"]
assert len(execs) == 1, "exec events of the page: %d" % len(execs)
sym = execs[0].get("symbol")
assert sym == {"name": "emt_jit_entry", "addr": hex(addr), "size": 128, "offset": 0}, sym
assert len(matches) == 1, "match records: %d" % len(matches)
m = matches[0]
assert m["rule"] == "emt_marker" and m["tags"] == ["test", "jit"], m
assert m["strings"] == [{"id": "$m", "offset": 64, "addr": hex(addr + 64), "len": 15}], m
assert m["addr"] == hex(addr) and m["seq"] == 1, m
assert m["sha256"] == execs[0]["sha256"] and m["file"] == execs[0]["file"], m
assert m["pid"] == execs[0]["pid"] and m["tid"] == execs[0]["tid"], m
PY
}

# CASE: victim_case (launch) or attach_victim_case.
t_symbols_and_yara() {
	local addr
	trap perf_maps_cleanup EXIT
	printf '%s\n' "$YARA_RULES" >rules.yar
	"$1" -e --yara -e "$TDIR/rules.yar" -c --only-announced jit_symbols
	addr=$(fact code addr emt.ann)
	[ -n "$addr" ] || fail "the victim announced no code"
	check_annotations "$addr"
}

# The log: the symbol on the exec line, a MATCH line with the marker's
# address.
t_annotations_logged() {
	local addr
	need_emt
	need_victim jit_symbols
	trap 'rm -f "/tmp/perf-$(fact start pid log.ann).map"' EXIT
	printf '%s\n' "$YARA_RULES" >rules.yar
	run_capture log "$EMT" --yara rules.yar -- "$VICTIMS/jit_symbols"
	[ "$(cat log.rc)" = 0 ] || { show stderr log.err; fail "emt exited $(cat log.rc)"; }
	addr=$(fact code addr log.ann)
	grep -q "^\[pid [0-9]*\] exec $addr len 4096 seq 1 sha256 [0-9a-f]* origin wx_map symbol emt_jit_entry+0x0\$" log.err ||
		{ show stderr log.err; fail "no exec line naming emt_jit_entry"; }
	grep -qx "\[pid [0-9]*\] MATCH emt_marker \[test,jit\] in exec $addr: \$m at $(printf '%#x' $((addr + 64)))" log.err ||
		{ show stderr log.err; fail "no MATCH line"; }
	! grep -q never_there log.err || fail "a rule that matched nothing was logged"
}

# Rules that do not compile, or no file: one line naming the cause (the
# compiler's own lines before it), exit 1, the program never run.
t_yara_bad_rules() {
	need_emt
	need_victim single
	printf 'rule broken { condition: $undefined }\n' >bad.yar
	run_capture bad "$EMT" -q --yara bad.yar -- "$VICTIMS/single"
	[ "$(cat bad.rc)" = 1 ] || fail "bad rules: exit $(cat bad.rc), not 1"
	grep -q "bad.yar:1: error: " bad.err || { show stderr bad.err; fail "the rule's error is not said"; }
	tail -n 1 bad.err | grep -q "cannot use YARA rules bad.yar: they do not compile" ||
		{ show stderr bad.err; fail "no line saying the rules do not compile"; }
	[ ! -s bad.ann ] || fail "the program ran with rules that do not compile"
	run_capture none "$EMT" -q --yara missing.yar -- "$VICTIMS/single"
	[ "$(cat none.rc)" = 1 ] || fail "missing rules: exit $(cat none.rc), not 1"
	one_line_error none.err "cannot open YARA rules missing.yar: No such file or directory"
	[ ! -s none.ann ] || fail "the program ran without its rules"
}

# A perf map emt must not block on: the program made it a FIFO. The event
# carries no symbol and emt does not hang.
t_perf_map_fifo() {
	local pid epid
	need_emt
	need_victim single
	rm -rf out
	EMT_ANNOUNCE=$TDIR/emt.ann EMT_VICTIM_WAIT=1 "$VICTIMS/single" >emt.out 2>emt.err </dev/null &
	pid=$!
	# Expanded now: pid is local, gone when the trap runs.
	trap "kill -KILL $pid 2>/dev/null; rm -f /tmp/perf-$pid.map" EXIT
	wait_for '^ready ' emt.ann 10 || fail "the victim never got ready"
	mkfifo "/tmp/perf-$pid.map"
	timeout -k 3 30 "$EMT" -q -o out -p "$pid" >cli.out 2>cli.err </dev/null &
	epid=$!
	wait_for '"change":"start"' out/events.jsonl 10 || fail "emt did not attach"
	kill -USR2 "$pid"
	wait_child "$pid" 20 || fail "the victim did not finish"
	wait_child "$epid" 30 || fail "emt did not end"
	[ "$WAIT_RC" = 0 ] || { show stderr cli.err; fail "emt exited $WAIT_RC with a FIFO for a perf map"; }
	grep -q '"event":"exec"' out/events.jsonl || fail "no capture"
	! grep -q '"symbol"' out/events.jsonl || fail "a symbol from a FIFO"
}

register "perf-map symbols and YARA matches in events.jsonl" t_symbols_and_yara victim_case
register "perf-map symbols and YARA matches, attached" t_symbols_and_yara attach_victim_case
register "perf-map symbols and YARA matches in the log" t_annotations_logged
register "--yara: rules that do not compile, or no file" t_yara_bad_rules
register "a FIFO for a perf map: not read, no hang" t_perf_map_fifo

# --region: each capture of cross_pages' function holds its whole
# four-page region (the bytes the victim hashed), or with a limit the
# faulting page and the next ones first.
check_region_captures() {
	local want_len=$1 want_starts=$2 region
	region=$(sed -n 's/^region sha256 //p' emt.out)
	python3 - "$want_len" "$want_starts" "$region" out/events.jsonl <<'PY' >region.check ||
import json, sys
want_len, starts, region = int(sys.argv[1]), sys.argv[2].split(","), sys.argv[3]
execs = [json.loads(l) for l in open(sys.argv[4])]
execs = [e for e in execs if e["event"] == "exec"]
assert len(execs) == 3, "%d captures, not 3" % len(execs)
base = int(execs[0]["fault_addr"], 16) & ~0xfff
for e, start in zip(execs, starts):
    assert e["len"] == want_len, "len %d, not %d" % (e["len"], want_len)
    assert int(e["addr"], 16) == base + int(start) * 4096, "capture at %s, page %s expected" % (e["addr"], start)
    if want_len == 16384:
        assert e["sha256"] == region, "capture is not the whole region"
PY
		{ cat region.check; fail "whole-region captures wrong"; }
}

t_region() {
	victim_case -e --region -c --region=65536 -c --only-announced cross_pages
	check_region_captures 16384 0,0,0
}

t_region_limited() {
	victim_case -e --region=8K -c --region=8192 -c --only-announced cross_pages
	check_region_captures 8192 0,1,2
}

t_region_attached() {
	attach_victim_case -e --region=64K -c --region=65536 -c --only-announced cross_pages
	check_region_captures 16384 0,0,0
}

t_region_bad_size() {
	need_emt
	run_capture bad "$EMT" -q --region=1G -- /bin/true
	[ "$(cat bad.rc)" = 2 ] || fail "--region=1G exited $(cat bad.rc), not 2"
	grep -q -- "--region=SIZE needs a size from 4K to 64M" bad.err || { show stderr bad.err; fail "no usage line"; }
}

register "--region: a function across pages captured with its whole region" t_region
register "--region=8K: the faulting page and the next" t_region_limited
register "--region, attached" t_region_attached
register "--region=1G: usage error" t_region_bad_size

# -k: at A's capture the caller is B's capture, at B+0x10; at B's, main
# of the victim's file, then libc's start.
check_backtraces() {
	local a b
	a=$(sed -n 's/^code .*addr=\([^ ]*\).*/\1/p' emt.ann | sed -n 2p)
	b=$(sed -n 's/^code .*addr=\([^ ]*\).*/\1/p' emt.ann | sed -n 1p)
	python3 - "$a" "$b" "$VICTIMS/nested_calls" out/events.jsonl <<'PY' >bt.check ||
import json, sys
a, b, victim = int(sys.argv[1], 16), int(sys.argv[2], 16), sys.argv[3]
execs = {int(e["addr"], 16): e for e in map(json.loads, open(sys.argv[4])) if e["event"] == "exec"}
ea, eb = execs[a], execs[b]
ta, tb = ea.get("backtrace"), eb.get("backtrace")
assert ta and tb, "no backtrace"
assert tb[0] == {"pc": hex(b), "capture": eb["file"], "capture_addr": hex(b)}, tb[0]
assert tb[1].get("symbol") == "main" and tb[1].get("module") == victim, tb[1]
assert any("__libc_start" in f.get("symbol", "") for f in tb[2:]), tb
assert ta[0] == {"pc": hex(a), "capture": ea["file"], "capture_addr": hex(a)}, ta[0]
assert ta[1] == {"pc": hex(b + 0x10), "capture": eb["file"], "capture_addr": hex(b)}, ta[1]
PY
		{ cat bt.check; fail "backtraces wrong"; }
}

t_backtrace() {
	victim_case -e -k -c --only-announced nested_calls
	check_backtraces
}

t_backtrace_attached() {
	attach_victim_case -e -k -c --only-announced nested_calls
	check_backtraces
}

# The log, as strace -k writes it.
t_backtrace_logged() {
	local a b
	need_emt
	need_victim nested_calls
	run_capture log "$EMT" -k -- "$VICTIMS/nested_calls"
	[ "$(cat log.rc)" = 0 ] || { show stderr log.err; fail "emt exited $(cat log.rc)"; }
	a=$(sed -n 's/^code .*addr=\([^ ]*\).*/\1/p' log.ann | sed -n 2p)
	b=$(sed -n 's/^code .*addr=\([^ ]*\).*/\1/p' log.ann | sed -n 1p)
	grep -A4 "exec $a " log.err | grep -q "^ > capture [0-9a-f]\{16\} \[$(printf '%#x' $((b + 16)))\]\$" ||
		{ show stderr log.err; fail "no frame line for B in A's capture"; }
	grep -A8 "exec $b " log.err | grep -q "^ > $VICTIMS/nested_calls(main+0x[0-9a-f]*) \[0x[0-9a-f]*\]\$" ||
		{ show stderr log.err; fail "no frame line for main in B's capture"; }
}

register "-k: backtraces through generated code" t_backtrace
register "-k: backtraces, attached" t_backtrace_attached
register "-k: backtraces in the log" t_backtrace_logged

# --elf: an ELF image mapped from memory is reported once, whole: its
# bytes are what the victim hashed, its ELF file has the segment at the
# runtime address, the entry point, emt_entry, and objdump shows the code
# there.
check_memory_image() {
	local page want
	page=$(fact code addr emt.ann)
	want=$(sed -n 's/^image sha256 //p' emt.out)
	python3 - "$page" "$want" out <<'PY' >image.check ||
import json, os, struct, sys
page, want, out = int(sys.argv[1], 16), sys.argv[2], sys.argv[3]
base = page - 0x1000
images = [e for e in map(json.loads, open(os.path.join(out, "events.jsonl"))) if e["event"] == "image"]
assert len(images) == 1, "%d image records" % len(images)
im = images[0]
assert im["base"] == hex(base) and im["addr"] == hex(base) and im["len"] == 8192, im
assert im["entry"] == hex(page) and im["first_run"] == hex(page), im
assert im["sha256"] == want, "image bytes differ from the victim's"
assert im["segments"] == [{"addr": hex(base), "len": 8192, "prot": "PROT_READ|PROT_EXEC"}], im
elf = open(os.path.join(out, im["elf"]), "rb").read()
entry, = struct.unpack("<Q", elf[24:32])
phoff, = struct.unpack("<Q", elf[32:40])
_, flags, off, vaddr, _, filesz, _, _ = struct.unpack("<IIQQQQQQ", elf[phoff:phoff + 56])
assert entry == page and vaddr == base and filesz == 8192 and flags == 5, (hex(entry), hex(vaddr))
import hashlib
assert hashlib.sha256(elf[off:off + 8192]).hexdigest() == want, "ELF segment bytes differ"
PY
		{ cat image.check; fail "image wrong"; }
	objdump -d out/elf/image-*.elf | grep -A1 "<emt_entry>:" | grep -q "$(printf '%x' "$page"):.*mov *\$0x63,%eax" ||
		{ objdump -d out/elf/image-*.elf | head -20; fail "objdump does not show the entry at its address"; }
}

t_memory_image() {
	victim_case -e --elf -c --only-announced elf_in_memory "$@"
	[ "${1:-}" != exec ] || [ "$(fact code addr emt.ann)" = 0x200001000 ] ||
		fail "the ET_EXEC image is not at its link address"
	check_memory_image
}

t_memory_image_attached() {
	attach_victim_case -e --elf -c --only-announced elf_in_memory
	check_memory_image
}

# Generated code that is no image gives no image record.
t_no_image() {
	victim_case -e --elf -c --only-announced cycles 5
	! grep -q '"event":"image"' out/events.jsonl || fail "an image record for plain generated code"
}

register "--elf: an ELF image mapped from memory, whole, once" t_memory_image
register "--elf: an ET_EXEC image at its link address, whole" t_memory_image exec
register "--elf: an ELF image mapped from memory, attached" t_memory_image_attached
register "--elf: no image for code that is in none" t_no_image

# -k against a stack that traps unwinders (uffd_stack): the frames above
# the return address lie on a page registered with a userfaultfd nobody
# answers. emt reads the thread's memory so that it never waits for such a
# page: the run ends, the backtrace names call_on_stack and stops there.
# CASE: victim_case or attach_victim_case.
t_backtrace_uffd_stack() {
	"$1" -e -k -c --only-announced uffd_stack
	grep -qx 'uffd: unavailable' emt.out && skip "userfaultfd refused here"
	python3 - "$VICTIMS/uffd_stack" out/events.jsonl <<'PY' >uffd.check ||
import json, sys
execs = [e for e in map(json.loads, open(sys.argv[2])) if e["event"] == "exec"]
assert len(execs) == 1, "%d captures" % len(execs)
bt = execs[0].get("backtrace")
assert bt and len(bt) >= 2, bt
assert bt[1].get("symbol") == "call_on_stack" and bt[1].get("module") == sys.argv[1], bt[1]
PY
		{ cat uffd.check; fail "backtrace over the trapped stack wrong"; }
}

register "-k: a stack over an unanswered userfaultfd does not hang emt" t_backtrace_uffd_stack victim_case
register "-k: a stack over an unanswered userfaultfd, attached" t_backtrace_uffd_stack attach_victim_case
