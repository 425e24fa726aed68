# SPDX-License-Identifier: MIT
"""A JIT in Python with nothing but ctypes: write `mov eax, imm32; ret` into
a page, call it through a CFUNCTYPE pointer, three times with a rewrite in
between. Announces each run like the C victims (see tests/victims/victim.h)
to the file named by $EMT_ANNOUNCE.

usage: ctypes_jit.py [MODE]
  rwx    (default) one RWX mmap through libc
  flip   an RW mmap, made R-X with libc mprotect after each write
  memfd  os.memfd_create mapped twice, MAP_SHARED: written through the RW
         view, run through the R-X view
"""

import ctypes
import hashlib
import os
import sys

PAGE = 4096
PROT_RW, PROT_RX, PROT_RWX = 0x3, 0x5, 0x7
MAP_SHARED = 0x1
MAP_PRIVATE_ANONYMOUS = 0x22


def announce(line):
    path = os.environ.get("EMT_ANNOUNCE")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


def libc_calls():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                          ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.mprotect.restype = ctypes.c_int
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return libc


def checked_mmap(libc, prot, flags, fd=-1):
    addr = libc.mmap(None, PAGE, prot, flags, fd, 0)
    if addr is None or addr == ctypes.c_void_p(-1).value:
        sys.exit("mmap: " + os.strerror(ctypes.get_errno()))
    return addr


def checked_mprotect(libc, addr, prot):
    if libc.mprotect(addr, PAGE, prot) != 0:
        sys.exit("mprotect: " + os.strerror(ctypes.get_errno()))


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "rwx"
    libc = libc_calls()
    pid = os.getpid()
    announce(f"start pid={pid}")
    if mode == "rwx":
        write = run = checked_mmap(libc, PROT_RWX, MAP_PRIVATE_ANONYMOUS)
        announce(f"wx pid={pid} call=mmap addr={run:#x} len={PAGE}")
    elif mode == "flip":
        write = run = checked_mmap(libc, PROT_RW, MAP_PRIVATE_ANONYMOUS)
    elif mode == "memfd":
        fd = os.memfd_create("ctypes-jit")
        os.ftruncate(fd, PAGE)
        write = checked_mmap(libc, PROT_RW, MAP_SHARED, fd)
        run = checked_mmap(libc, PROT_RX, MAP_SHARED, fd)
        os.close(fd)
    else:
        sys.exit(__doc__)
    for seq, value in enumerate((42, 43, 44), 1):
        code = b"\xb8" + value.to_bytes(4, "little") + b"\xc3"
        if mode == "flip":
            checked_mprotect(libc, write, PROT_RW)
        ctypes.memmove(write + 16 * seq, code, len(code))
        digest = hashlib.sha256(ctypes.string_at(run, PAGE)).hexdigest()
        if mode == "flip":
            checked_mprotect(libc, run, PROT_RX)
        origin = {"rwx": "wx_map", "flip": "flip", "memfd": "exec_map"}[mode]
        via = ""
        if mode == "memfd" and seq > 1:
            origin, via = "alias", f" via={write:#x}"
        announce(f"code pid={pid} addr={run:#x} seq={seq} sha256={digest} "
                 f"origin={origin}{via}")
        fn = ctypes.CFUNCTYPE(ctypes.c_int)(run + 16 * seq)
        print("ctypes jit returned", fn())
    announce(f"execs pid={pid} addr={run:#x} n=3")


main()
