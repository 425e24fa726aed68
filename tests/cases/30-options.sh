# SPDX-License-Identifier: MIT
# The CLI options that change how emt traces.

# Without the seccomp filter emt stops at every syscall: same results.
t_no_seccomp_cycles() {
	victim_case -e --no-seccomp -c --only-announced cycles 10
}

t_no_seccomp_regions() {
	victim_case -e --no-seccomp -c --only-announced regions
}

t_no_seccomp_fork() {
	victim_case -e --no-seccomp -c --only-announced fork
}

# A stepped syscall instruction is never reported at syscall entry: emt
# must not step it when it relies on syscall stops.
t_no_seccomp_syscall_first() {
	victim_case -e --no-seccomp -c --only-announced syscall_first
}

# --only-wx: RW -> R-X flips are no longer tracked, W+X requests still are.
t_only_wx_flip() {
	victim_case -e --only-wx -c --no-exec flip
}

t_only_wx_single() {
	victim_case -e --only-wx -c --only-announced single
}

# Without -q: the W+X mmap decoded as strace shows it, with what emt
# granted, and the capture disassembled up to its ret.
t_human_log() {
	local addr
	need_emt
	need_victim single
	run_capture log "$EMT" -- "$VICTIMS/single"
	[ "$(cat log.rc)" = 0 ] || { show stderr log.err; fail "emt exited $(cat log.rc)"; }
	addr=$(fact wx addr log.ann)
	[ -n "$addr" ] || fail "the victim announced no W+X mapping"
	grep -q "^\[pid [0-9]*\] mmap(NULL, 4096, PROT_READ|PROT_WRITE|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $addr (granted PROT_READ|PROT_WRITE)\$" log.err ||
		{ show stderr log.err; fail "no strace-like line for the W+X mmap at $addr"; }
	grep -q "^\[pid [0-9]*\] exec $addr len 4096 seq 1 sha256 [0-9a-f]* origin wx_map\$" log.err ||
		{ show stderr log.err; fail "no exec line for $addr"; }
	grep -A2 "exec $addr " log.err | sed -n 2,3p | tr -s ' ' >disasm
	printf '%s\n' " $addr: mov eax, 0x2a" " $(printf '%#x' $((addr + 5))): ret" >want
	cmp -s want disasm || { echo "want:"; cat want; echo "got:"; cat disasm; fail "disassembly differs"; }
	[ "$(grep -A3 "exec $addr " log.err | grep -c '^    0x')" = 2 ] ||
		fail "the disassembly goes on past the ret"
}

# --elf: every capture also an ELF file at the address it ran at, which
# objdump disassembles there (tests/lib/check_elf.py); a rewritten page is
# a new file, an instruction straddling into a page enters at its start.
t_elf() {
	victim_case -e --elf -c --only-announced "$@"
	python3 "$TESTS/lib/check_elf.py" "$TDIR/out" >elf.check ||
		{ show "ELF files" elf.check; fail "the ELF files do not hold the captures"; }
}

# Without --elf there are none; --elf without -o is a usage error.
t_elf_only_asked() {
	victim_case -c --only-announced single
	[ ! -e out/elf ] || fail "out/elf/ exists without --elf"
	! grep -q '"elf"' out/events.jsonl || fail "events name ELF files without --elf"
	run_capture noout "$EMT" -q --elf -- "$VICTIMS/single"
	[ "$(cat noout.rc)" = 2 ] || fail "--elf without -o exited $(cat noout.rc), not 2"
	grep -q -- '--elf needs -o DIR' noout.err || { show stderr noout.err; fail "no usage line"; }
}

register "human log: strace-like mmap, capture disassembled" t_human_log
register "--elf: captures as ELF files at their runtime address" t_elf cycles 10
register "--elf: an instruction straddling two pages" t_elf straddle
register "--elf: only when asked, and only with -o" t_elf_only_asked
register "--no-seccomp: cycles" t_no_seccomp_cycles
register "--no-seccomp: several regions" t_no_seccomp_regions
register "--no-seccomp: fork" t_no_seccomp_fork
register "--no-seccomp: generated code starting with a syscall" t_no_seccomp_syscall_first
register "--only-wx: flips not tracked" t_only_wx_flip
register "--only-wx: W+X still tracked" t_only_wx_single
