# SPDX-License-Identifier: MIT
"""Check the output directory of `emt -o DIR` against what a victim announced.

usage: check_events.py OUTDIR [ANNOUNCE] [options]

OUTDIR is checked against doc/events.md whatever was announced: file modes,
every line a JSON object with the documented fields, every capture file
present with the hash its events name, no syscall event that granted W+X.
ANNOUNCE is the file the victim wrote its facts to (see
tests/victims/victim.h); each fact becomes an assertion on the events.

Prints one line per problem and exits 1 if there was any.
"""

import argparse
import hashlib
import json
import os
import re
import stat
import sys

PAGE = 4096
REGION_MAX = 0  # --region
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
HEX_RE = re.compile(r"^0x[0-9a-f]+$")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
ORIGINS = {"wx_map", "wx_protect", "flip", "alias", "exec_map", "exec_image",
           "kernel_write"}
ROUTES = {"trampoline", "foreign_abi", "unseen_exec", "unenforceable", "io_uring",
          "shared_outside", "userfaultfd", "seccomp_notify", "window"}
REGS = ("rax rbx rcx rdx rsi rdi rbp rsp r8 r9 r10 r11 r12 r13 r14 r15 "
        "rip eflags cs ss fs_base gs_base orig_rax").split()
PROT_RE = re.compile(r"^(PROT_NONE|PROT_[A-Z_]+(\|PROT_[A-Z_]+)*|0x[0-9a-f]+)$")

problems = []


def problem(msg):
    problems.append(msg)


def num(text):
    """An address or a result as emt writes them: "0x7f..." or "-12"."""
    return int(text, 0)


def is_hex(value):
    return isinstance(value, str) and HEX_RE.match(value) is not None


def prot_set(text):
    return set(text.split("|")) if isinstance(text, str) else set()


class Fact:
    def __init__(self, line, kind, fields):
        self.line = line
        self.kind = kind
        self.f = fields

    def pid(self):
        return int(self.f["pid"])

    def key(self):
        return (int(self.f["pid"]), int(self.f["addr"], 16))


def read_facts(path):
    facts = []
    if not path:
        return facts
    # A program that announces nothing (a real program) has no file.
    if not os.path.exists(path):
        return facts
    with open(path) as f:
        lines = f.read().splitlines()
    for line in lines:
        words = line.split()
        if not words:
            continue
        fields = {}
        for w in words[1:]:
            k, _, v = w.partition("=")
            fields[k] = v
        facts.append(Fact(line, words[0], fields))
    return facts


def check_modes(outdir):
    path = os.path.join(outdir, "events.jsonl")
    try:
        st = os.lstat(path)
    except OSError as e:
        problem(f"events.jsonl: {e.strerror}")
        return False
    if not stat.S_ISREG(st.st_mode):
        problem("events.jsonl is not a regular file")
        return False
    if st.st_mode & 0o077:
        problem(f"events.jsonl has mode {st.st_mode & 0o777:o}, not 600")
    caps = os.path.join(outdir, "captures")
    if os.path.isdir(caps):
        mode = os.stat(caps).st_mode & 0o777
        if mode & 0o077:
            problem(f"captures/ has mode {mode:o}, not 700")
        for name in os.listdir(caps):
            m = os.lstat(os.path.join(caps, name)).st_mode
            if not stat.S_ISREG(m) or m & 0o077:
                problem(f"captures/{name}: mode {m & 0o777:o} or not a regular file")
    return True


def load_events(outdir):
    events = []
    with open(os.path.join(outdir, "events.jsonl"), "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        problem("events.jsonl does not end with a newline (truncated?)")
    for n, raw in enumerate(data.splitlines(), 1):
        try:
            ev = json.loads(raw)
        except ValueError as e:
            problem(f"events.jsonl:{n}: not JSON ({e}): {raw[:120]!r}")
            continue
        if not isinstance(ev, dict):
            problem(f"events.jsonl:{n}: not an object")
            continue
        ev["_line"] = n
        events.append(ev)
    return events


def check_common(ev):
    n = ev["_line"]
    if ev.get("event") not in ("exec", "syscall", "flip", "process", "blind", "match", "image"):
        problem(f"line {n}: unknown event {ev.get('event')!r}")
        return False
    if not isinstance(ev.get("pid"), int) or ev["pid"] <= 0:
        problem(f"line {n}: bad pid {ev.get('pid')!r}")
        return False
    if not isinstance(ev.get("time"), str) or not TIME_RE.match(ev["time"]):
        problem(f"line {n}: bad time {ev.get('time')!r}")
    return True


def check_images(events, outdir):
    """An image record names a span of whole pages holding its base, and,
    with --elf, an ELF file that exists."""
    for ev in events:
        if ev["event"] != "image":
            continue
        n = ev["_line"]
        if not all(is_hex(ev.get(k)) for k in ("base", "addr", "first_run")):
            problem(f"line {n}: image without hex base, addr, first_run")
            continue
        addr, length, base = num(ev["addr"]), ev.get("len"), num(ev["base"])
        if addr % PAGE or not isinstance(length, int) or length % PAGE or \
           not addr <= base < addr + length:
            problem(f"line {n}: image span {ev['addr']}+{length!r} does not hold {ev['base']}")
        if "elf" in ev and not os.path.isfile(os.path.join(outdir, ev["elf"])):
            problem(f"line {n}: image ELF file {ev['elf']} missing")


def check_matches(events):
    """A match record follows the exec record of the capture it hit (or
    another match of it), and names that capture."""
    last_exec = None
    for ev in events:
        if ev["event"] in ("exec", "image"):
            last_exec = ev
        elif ev["event"] != "match":
            last_exec = None
        elif last_exec is None:
            problem(f"line {ev['_line']}: match record not after an exec record")
        else:
            keys = ("pid", "tid", "addr", "seq", "sha256", "file")
            if last_exec["event"] == "image":
                keys = ("pid", "tid", "addr", "sha256", "elf")
            for k in keys:
                if ev.get(k) != last_exec.get(k):
                    problem(f"line {ev['_line']}: match {k} {ev.get(k)!r} is not its "
                            f"capture's {last_exec.get(k)!r}")


def check_exec(ev, outdir):
    n = ev["_line"]
    ok = True
    for k in ("addr", "fault_addr"):
        if not is_hex(ev.get(k)):
            problem(f"line {n}: exec {k} {ev.get(k)!r} is not a hex string")
            return False
    if not isinstance(ev.get("tid"), int) or ev["tid"] <= 0:
        problem(f"line {n}: exec without a valid tid: {ev.get('tid')!r}")
        ok = False
    addr, fault = num(ev["addr"]), num(ev["fault_addr"])
    length = ev.get("len")
    if addr % PAGE:
        problem(f"line {n}: exec addr {ev['addr']} not page aligned")
        ok = False
    if REGION_MAX and (not isinstance(length, int) or length % PAGE or
                       not PAGE <= length <= REGION_MAX):
        problem(f"line {n}: exec len {length!r}, not pages up to {REGION_MAX}")
        ok = False
        length = PAGE
    elif not REGION_MAX and length != PAGE:
        problem(f"line {n}: exec len {length!r}, not {PAGE}")
        ok = False
        length = PAGE
    if not addr <= fault < addr + length:
        problem(f"line {n}: fault_addr {ev['fault_addr']} outside the captured page")
        ok = False
    if not isinstance(ev.get("seq"), int) or ev["seq"] < 1:
        problem(f"line {n}: bad seq {ev.get('seq')!r}")
        ok = False
    if ev.get("origin") not in ORIGINS:
        problem(f"line {n}: bad origin {ev.get('origin')!r}")
        ok = False
    if "written_via" in ev:
        via = ev["written_via"]
        if not is_hex(via) or num(via) % PAGE:
            problem(f"line {n}: written_via {via!r} is not a page address")
            ok = False
        if ev.get("origin") != "alias":
            problem(f"line {n}: written_via with origin {ev.get('origin')!r}, not alias")
            ok = False
    if "written_by" in ev and (ev.get("origin") != "kernel_write" or
                               not isinstance(ev["written_by"], str)):
        problem(f"line {n}: written_by {ev['written_by']!r} with origin "
                f"{ev.get('origin')!r}, not kernel_write")
        ok = False
    if ev.get("arch") != "x86_64":
        problem(f"line {n}: arch {ev.get('arch')!r}, not x86_64")
        ok = False
    regs = ev.get("regs")
    if not isinstance(regs, dict) or any(not is_hex(regs.get(r)) for r in REGS):
        problem(f"line {n}: regs missing or not hex strings: {regs!r}")
        return False
    rip = num(regs["rip"])
    # The fetch faulted at RIP, or, for an instruction that straddles into
    # the faulting page from the previous one, at the first byte of that
    # page (the capture's first, but with --region).
    page = fault - fault % PAGE
    straddles = fault == page and page - 15 <= rip < page
    if not (addr <= rip < addr + length or straddles):
        problem(f"line {n}: tid {ev.get('tid')}: rip {regs['rip']} not in the page "
                f"{ev['addr']} (fault_addr {ev['fault_addr']})")
        ok = False
    elif fault != rip and not straddles:
        problem(f"line {n}: tid {ev.get('tid')}: fault_addr {ev['fault_addr']} is "
                f"not rip {regs['rip']}: not an instruction fetch")
        ok = False
    if "error" in ev:
        if "sha256" in ev or "file" in ev:
            problem(f"line {n}: exec with error also names sha256/file")
        return ok
    sha = ev.get("sha256")
    if not isinstance(sha, str) or not SHA_RE.match(sha):
        problem(f"line {n}: bad sha256 {sha!r}")
        return False
    if ev.get("file") != f"captures/{sha}.bin":
        problem(f"line {n}: file {ev.get('file')!r}, expected captures/{sha}.bin")
        return False
    try:
        with open(os.path.join(outdir, ev["file"]), "rb") as f:
            blob = f.read()
    except OSError as e:
        problem(f"line {n}: {ev['file']}: {e.strerror}")
        return False
    if len(blob) != length:
        problem(f"line {n}: {ev['file']} has {len(blob)} bytes, not {length}")
        ok = False
    if hashlib.sha256(blob).hexdigest() != sha:
        problem(f"line {n}: {ev['file']} does not hash to its name")
        ok = False
    if ok and length > PAGE:
        as_page(ev, blob)
    return ok


def as_page(ev, blob):
    """A capture of several pages (--region) checked as the capture of the
    page that faulted, which the victim announced: that page's bytes are
    in it at their place."""
    fault = num(ev["fault_addr"])
    page = fault - fault % PAGE
    at = page - num(ev["addr"])
    ev["region"] = (ev["addr"], ev["len"], ev["sha256"])
    ev["addr"] = hex(page)
    ev["len"] = PAGE
    ev["sha256"] = hashlib.sha256(blob[at:at + PAGE]).hexdigest()


def check_syscall(ev, excused):
    """excused: pages left emt's watch (--blind-excuses), so a call may
    have been given what it asked."""
    n = ev["_line"]
    args = ev.get("args")
    if not isinstance(ev.get("name"), str):
        problem(f"line {n}: syscall without a name")
        return False
    if not isinstance(args, list) or len(args) != 6 or not all(is_hex(a) for a in args):
        problem(f"line {n}: syscall args {args!r} are not 6 hex strings")
        return False
    for k in ("prot", "granted"):
        if k in ev and (not isinstance(ev[k], str) or not PROT_RE.match(ev[k])):
            problem(f"line {n}: bad {k} {ev[k]!r}")
    if not isinstance(ev.get("ret"), str):
        problem(f"line {n}: syscall ret {ev.get('ret')!r} is not a string")
        return False
    granted = prot_set(ev.get("granted"))
    if {"PROT_WRITE", "PROT_EXEC"} <= granted and not excused:
        problem(f"line {n}: {ev['name']} granted W+X: {ev['granted']}")
    return True


def check_blind_event(ev):
    n = ev["_line"]
    if ev.get("route") not in ROUTES:
        problem(f"line {n}: blind event with route {ev.get('route')!r}")
        return False
    if not is_hex(ev.get("addr")) or not isinstance(ev.get("len"), int):
        problem(f"line {n}: blind event without addr/len: {ev}")
        return False
    if not isinstance(ev.get("what"), str) or not ev["what"]:
        problem(f"line {n}: blind event without what")
        return False
    return True


def blind_matches(fact, ev):
    if ev.get("pid") != fact.pid() or ev.get("route") != fact.f["route"]:
        return False
    if "addr" not in fact.f:
        return True
    addr, start = int(fact.f["addr"], 16), num(ev["addr"])
    return start <= addr < start + max(ev["len"], 1)


def check_blinds(facts, blinds, opts):
    """Every announced blind spot is reported; nothing else is, unless the
    test allows it: a blind event is a claim that emt could not see."""
    wanted = [f for f in facts if f.kind == "blind"]
    for f in wanted:
        if not any(blind_matches(f, e) for e in blinds):
            problem(f"no blind event for: {f.line}")
    if opts.any_blind:
        return
    for e in blinds:
        if e.get("route") in opts.blind_route:
            continue
        if not any(blind_matches(f, e) for f in wanted):
            problem(f"line {e['_line']}: unexpected blind event: {e.get('route')} "
                    f"{e.get('addr')} {e.get('what')}")


def pages_let_go(blinds):
    """Whether a blind event says pages left emt's watch: the page of any
    key may be one of them, moved since (mremap), or another view of one
    in another process."""
    return any(e.get("route") == "unenforceable" for e in blinds)


def check_excused_page(where, evs, codes, open_ended):
    """A page that may have left emt's watch for a while: what it captured
    is what ran, in the order it ran, but some runs may be missing.
    open_ended: runs beyond the announced ones are allowed."""
    at = 0
    for ev in evs:
        shas = [f.f["sha256"] for f in codes[at:]]
        if ev.get("sha256") not in shas and open_ended:
            continue
        if ev.get("sha256") not in shas:
            problem(f"{where}: capture (seq {ev.get('seq')}, line {ev['_line']}) "
                    f"is none of the announced runs left")
            return
        at += shas.index(ev["sha256"]) + 1


def check_page(key, evs, facts, opts, excused=False):
    """excused: pages of the process left emt's watch, as a blind event
    says (check_excused_page)."""
    pid, addr = key
    where = f"pid {pid} page {addr:#x}"
    codes = [f for f in facts if f.kind == "code"]
    if excused:
        check_excused_page(where, evs, codes, any(
            f.kind == "execs" and f.f["n"].endswith("+") for f in facts))
        return
    for f in facts:
        if f.kind != "execs" or excused:
            continue
        want = f.f["n"]
        if want.endswith("+"):
            if len(evs) < int(want[:-1]):
                problem(f"{where}: {len(evs)} exec events, expected at least {want[:-1]}")
        elif len(evs) != int(want):
            problem(f"{where}: {len(evs)} exec events, expected {want} "
                    f"(seqs {[e.get('seq') for e in evs]})")
    for i, f in enumerate(codes):
        if i >= len(evs):
            problem(f"{where}: no exec event for announced run #{i + 1} "
                    f"(seq {f.f['seq']}, sha256 {f.f['sha256'][:16]}…)")
            continue
        ev = evs[i]
        if f.f["seq"] != "any" and ev.get("seq") != int(f.f["seq"]):
            problem(f"{where}: run #{i + 1}: seq {ev.get('seq')}, expected {f.f['seq']}")
        if ev.get("sha256") != f.f["sha256"]:
            problem(f"{where}: run #{i + 1} (seq {ev.get('seq')}): sha256 "
                    f"{str(ev.get('sha256'))[:16]}…, expected {f.f['sha256'][:16]}… "
                    f"{ev.get('error', '')}")
        if "origin" in f.f and ev.get("origin") != f.f["origin"] and not opts.loose_origin:
            problem(f"{where}: run #{i + 1}: origin {ev.get('origin')!r}, "
                    f"expected {f.f['origin']}")
        if "via" in f.f and ev.get("written_via") != f.f["via"]:
            problem(f"{where}: run #{i + 1}: written_via {ev.get('written_via')!r}, "
                    f"expected {f.f['via']}")
    # Beyond what was announced, the sequence must go on by one from where
    # it stands (from 1 unless a fact says the start is emt's choice).
    free_start = any(f.f.get("from") == "any" for f in facts) or \
        any(f.f.get("seq") == "any" for f in codes[:1])
    prev = None
    for i, ev in enumerate(evs):
        seq = ev.get("seq")
        if not isinstance(seq, int):
            continue
        if prev is None:
            if not free_start and seq != 1 and i >= len(codes):
                problem(f"{where}: first capture has seq {seq}, not 1")
        elif i >= len(codes) and seq != prev + 1:
            problem(f"{where}: seq {seq} follows {prev}")
        prev = seq
    for f in facts:
        if f.kind == "last":
            if not evs:
                problem(f"{where}: no capture, expected a last one")
            elif evs[-1].get("sha256") != f.f["sha256"]:
                problem(f"{where}: last capture (seq {evs[-1].get('seq')}) is not "
                        f"the finished page")
        if f.kind == "page" and len(evs) < opts.page_min:
            problem(f"{where}: {len(evs)} captures, expected at least {opts.page_min}")
        if f.kind == "straddle":
            for ev in evs:
                if num(ev["fault_addr"]) != addr or num(ev["regs"]["rip"]) >= addr:
                    problem(f"{where}: straddling fetch reported with fault_addr "
                            f"{ev['fault_addr']} rip {ev['regs']['rip']}")


def check_fair(page_facts, by_page, pct):
    """Pages run equally hard by their threads get captures in proportion:
    a page far behind the others belongs to a thread left stopped."""
    pages = [k for k, fs in page_facts.items() if any(f.kind == "page" for f in fs)]
    counts = {k: len(by_page.get(k, [])) for k in pages}
    busiest = max(counts.values(), default=0)
    for (pid, addr), n in sorted(counts.items()):
        if n * 100 < busiest * pct:
            problem(f"pid {pid} page {addr:#x}: {n} captures, the busiest page "
                    f"has {busiest}: its thread was starved "
                    f"(counts: {sorted(counts.values())})")


def check_wx(fact, events):
    pid, call = fact.pid(), fact.f["call"]
    addr, length = int(fact.f["addr"], 16), int(fact.f["len"])
    for ev in events:
        if ev.get("event") != "syscall" or ev.get("pid") != pid or ev.get("name") != call:
            continue
        try:
            if call == "mmap" and num(ev["ret"]) != addr:
                continue
            if call != "mmap" and num(ev["args"][0]) != addr:
                continue
            if num(ev["args"][1]) != length:
                continue
        except (KeyError, ValueError, IndexError, TypeError):
            continue
        asked, granted = prot_set(ev.get("prot")), prot_set(ev.get("granted"))
        if not {"PROT_WRITE", "PROT_EXEC"} <= asked:
            problem(f"{fact.line}: event asked {ev.get('prot')!r}, not W+X")
        if "PROT_EXEC" in granted or "PROT_WRITE" not in granted:
            problem(f"{fact.line}: event granted {ev.get('granted')!r}")
        return
    problem(f"no syscall event for: {fact.line}")


def check_processes(facts, events, opts):
    procs = [e for e in events if e.get("event") == "process"]
    starts = [f for f in facts if f.kind == "start"]
    for f in starts:
        child = "parent" in f.f
        mine = [e for e in procs if e.get("pid") == f.pid()]
        if child and opts.no_follow:
            if any(e.get("event") == "exec" and e.get("pid") == f.pid() for e in events):
                problem(f"unfollowed child {f.pid()} has exec events")
            continue
        st = [e for e in mine if e.get("change") == "start"]
        if not st:
            problem(f"no process start event for pid {f.pid()}")
        elif child and st[0].get("parent") != int(f.f["parent"]):
            problem(f"start of {f.pid()}: parent {st[0].get('parent')!r}, "
                    f"expected {f.f['parent']}")
    for f in facts:
        if f.kind == "execve" and not any(e.get("pid") == f.pid() and
                                          e.get("change") == "execve" for e in procs):
            problem(f"no process execve event for pid {f.pid()}")
    if not starts or (opts.exit_code is None and opts.exit_signal is None):
        return
    main = starts[0].pid()
    ex = [e for e in procs if e.get("pid") == main and e.get("change") == "exit"]
    if not ex:
        problem(f"no process exit event for pid {main}")
    elif opts.exit_code is not None and ex[-1].get("exit_code") != opts.exit_code:
        problem(f"exit event of {main}: {ex[-1]}, expected exit_code {opts.exit_code}")
    elif opts.exit_signal is not None and ex[-1].get("signal") != opts.exit_signal:
        problem(f"exit event of {main}: {ex[-1]}, expected signal {opts.exit_signal}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("announce", nargs="?")
    ap.add_argument("--only-announced", action="store_true",
                    help="every exec event must be on an announced page")
    ap.add_argument("--no-follow", action="store_true",
                    help="children were not followed: none of their events")
    ap.add_argument("--attached", action="store_true",
                    help="attach mode: W+X requests made before attaching are unseen")
    ap.add_argument("--no-exec", action="store_true", help="expect no exec event")
    ap.add_argument("--min-exec", type=int, default=0)
    ap.add_argument("--page-min", type=int, default=1)
    ap.add_argument("--fair", type=int, metavar="PCT",
                    help="each announced page has at least PCT%% of the "
                         "captures of the busiest one")
    ap.add_argument("--exit-code", type=int)
    ap.add_argument("--exit-signal")
    ap.add_argument("--summary", action="store_true", help="print counts")
    ap.add_argument("--region", type=int, default=0, metavar="MAX",
                    help="captures hold up to MAX bytes of whole pages (emt --region)")
    ap.add_argument("--loose-origin", action="store_true",
                    help="do not compare origins (attach mode)")
    ap.add_argument("--any-blind", action="store_true",
                    help="blind events beyond the announced ones are allowed")
    ap.add_argument("--blind-route", action="append", default=[], metavar="ROUTE",
                    help="blind events of ROUTE beyond the announced ones are allowed")
    ap.add_argument("--blind-excuses", action="store_true",
                    help="once pages are reported unenforceable, any page may "
                    "miss runs")
    opts = ap.parse_args()
    global REGION_MAX
    REGION_MAX = opts.region

    facts = read_facts(opts.announce)
    if not check_modes(opts.outdir):
        return report()
    events = [e for e in load_events(opts.outdir) if check_common(e)]
    check_matches(events)
    check_images(events, opts.outdir)
    execs = [e for e in events if e["event"] == "exec" and check_exec(e, opts.outdir)]
    blinds = [e for e in events if e["event"] == "blind" and check_blind_event(e)]
    check_blinds(facts, blinds, opts)
    excused = opts.blind_excuses and pages_let_go(blinds)
    for e in events:
        if e["event"] == "syscall":
            check_syscall(e, excused)

    by_page = {}
    for e in execs:
        by_page.setdefault((e["pid"], num(e["addr"])), []).append(e)
    page_facts = {}
    for f in facts:
        if f.kind in ("code", "execs", "last", "page", "straddle"):
            page_facts.setdefault(f.key(), []).append(f)
    unfollowed = {f.pid() for f in facts if f.kind == "start" and "parent" in f.f} \
        if opts.no_follow else set()

    if opts.no_exec:
        for e in execs:
            problem(f"line {e['_line']}: exec event at {e['addr']}, expected none")
    else:
        for key, fs in page_facts.items():
            if key[0] not in unfollowed:
                check_page(key, by_page.get(key, []), fs, opts, excused)
        if not opts.attached:
            for f in facts:
                if f.kind != "wx" or f.pid() in unfollowed:
                    continue
                if not excused:
                    check_wx(f, events)
    if opts.only_announced:
        for key, evs in by_page.items():
            if key not in page_facts:
                problem(f"unexpected capture: pid {key[0]} page {key[1]:#x} "
                        f"({len(evs)} events, line {evs[0]['_line']})")
    if opts.fair is not None:
        check_fair(page_facts, by_page, opts.fair)
    if len(execs) < opts.min_exec:
        problem(f"{len(execs)} exec events, expected at least {opts.min_exec}")
    check_processes(facts, events, opts)
    rc = report()
    if opts.summary:
        kinds = {}
        for e in events:
            kinds[e["event"]] = kinds.get(e["event"], 0) + 1
        print("events: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    return rc


def report(limit=15):
    for p in problems[:limit]:
        print(p)
    if len(problems) > limit:
        print(f"... and {len(problems) - limit} more problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
