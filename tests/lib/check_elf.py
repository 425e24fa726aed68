#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks the ELF files of emt --elf (doc/events.md) against events.jsonl.

usage: check_elf.py OUTDIR

Every exec event with a capture must name an ELF file under OUTDIR/elf/
whose one loadable segment and .text section hold the capture's bytes at
the capture's address, whose entry point and symbol emt_fault are at the
faulting instruction (rip, or the capture's start for an instruction that
straddles into it), and which objdump -d disassembles at those addresses.
Exit 0 when all hold, 1 with the problems listed otherwise.
"""
import json
import os
import shutil
import struct
import subprocess
import sys

problems = []


def problem(msg):
    problems.append(msg)


def sections(data):
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shnum, shstrndx = struct.unpack_from("<HH", data, 0x3C)
    raw = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + 64 * i) for i in range(shnum)]
    names_off = raw[shstrndx][4]

    def name(off):
        end = data.index(b"\0", names_off + off)
        return data[names_off + off:end].decode()
    return {name(s[0]): s for s in raw}


def symbols(data, secs):
    symtab, strtab = secs[".symtab"], secs[".strtab"]
    out = {}
    for i in range(symtab[5] // 24):
        st_name, _info, _other, _shndx, value, _size = struct.unpack_from(
            "<IBBHQQ", data, symtab[4] + 24 * i)
        if st_name:
            end = data.index(b"\0", strtab[4] + st_name)
            out[data[strtab[4] + st_name:end].decode()] = value
    return out


def check_objdump(path, entry):
    if not shutil.which("objdump"):
        return
    out = subprocess.run(["objdump", "-d", path], capture_output=True, text=True).stdout
    if f"{entry:016x} <emt_fault>:" not in out:
        problem(f"{path}: objdump -d shows no <emt_fault> at {entry:#x}")


def check(outdir, ev):
    addr, length = int(ev["addr"], 16), ev["len"]
    rip = int(ev["regs"]["rip"], 16)
    entry = rip if addr <= rip < addr + length else addr
    rel = ev.get("elf")
    if not rel or not rel.startswith("elf/") or "/" in rel[4:]:
        problem(f"exec at {ev['addr']}: elf {rel!r}")
        return
    path = os.path.join(outdir, rel)
    try:
        data = open(path, "rb").read()
        captured = open(os.path.join(outdir, ev["file"]), "rb").read()
    except OSError as e:
        problem(f"{rel}: {e}")
        return
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        problem(f"{rel}: not a 64-bit little-endian ELF file")
        return
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    e_entry, e_phoff = struct.unpack_from("<QQ", data, 24)
    phnum, = struct.unpack_from("<H", data, 0x38)
    if (e_type, e_machine, phnum) != (2, 62, 1):
        problem(f"{rel}: type {e_type}, machine {e_machine}, {phnum} program headers")
    if e_entry != entry:
        problem(f"{rel}: entry {e_entry:#x}, not {entry:#x}")
    p_type, p_flags, p_off, p_vaddr, _p_paddr, p_filesz, p_memsz, p_align = \
        struct.unpack_from("<IIQQQQQQ", data, e_phoff)
    if (p_type, p_vaddr, p_filesz, p_memsz) != (1, addr, length, length) or \
            p_off % p_align != p_vaddr % p_align:
        problem(f"{rel}: segment at {p_vaddr:#x}, {p_filesz} bytes, offset {p_off:#x}")
    if data[p_off:p_off + p_filesz] != captured:
        problem(f"{rel}: the segment's bytes are not the capture's")
    secs = sections(data)
    text = secs.get(".text")
    if not text or text[3] != addr or text[5] != length or text[4] != p_off:
        problem(f"{rel}: .text {text!r}")
    if symbols(data, secs).get("emt_fault") != entry:
        problem(f"{rel}: emt_fault not at {entry:#x}")
    check_objdump(path, entry)


def main():
    outdir = sys.argv[1]
    n = 0
    with open(os.path.join(outdir, "events.jsonl")) as f:
        for line in f:
            ev = json.loads(line)
            if ev.get("event") == "exec" and "file" in ev:
                check(outdir, ev)
                n += 1
    if n == 0:
        problem("no exec event with a capture")
    for p in problems:
        print(f"# {p}")
    print(f"{n} ELF files checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
