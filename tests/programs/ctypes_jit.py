# SPDX-License-Identifier: MIT
"""A JIT in Python with nothing but ctypes: mmap an RWX page through libc,
write `mov eax, imm32; ret` into it, call it through a CFUNCTYPE pointer,
three times with a rewrite in between. Announces each run like the C victims
(see tests/victims/victim.h) to the file named by $EMT_ANNOUNCE."""

import ctypes
import hashlib
import os
import sys

PAGE = 4096
PROT_RWX = 0x7
MAP_PRIVATE_ANONYMOUS = 0x22


def announce(line):
    path = os.environ.get("EMT_ANNOUNCE")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                          ctypes.c_int, ctypes.c_int, ctypes.c_long]
    addr = libc.mmap(None, PAGE, PROT_RWX, MAP_PRIVATE_ANONYMOUS, -1, 0)
    if addr is None or addr == ctypes.c_void_p(-1).value:
        sys.exit("mmap: " + os.strerror(ctypes.get_errno()))
    pid = os.getpid()
    announce(f"start pid={pid}")
    announce(f"wx pid={pid} call=mmap addr={addr:#x} len={PAGE}")
    fn = ctypes.CFUNCTYPE(ctypes.c_int)(addr)
    for seq, value in enumerate((42, 43, 44), 1):
        code = b"\xb8" + value.to_bytes(4, "little") + b"\xc3"
        ctypes.memmove(addr + 16 * seq, code, len(code))
        digest = hashlib.sha256(ctypes.string_at(addr, PAGE)).hexdigest()
        announce(f"code pid={pid} addr={addr:#x} seq={seq} sha256={digest} origin=wx_map")
        fn = ctypes.CFUNCTYPE(ctypes.c_int)(addr + 16 * seq)
        print("ctypes jit returned", fn())
    announce(f"execs pid={pid} addr={addr:#x} n=3")


main()
