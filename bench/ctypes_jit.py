# SPDX-License-Identifier: MIT
# The smallest JIT Python can write without a compiler: one RWX page from
# mmap, "mov eax, i; ret" written into it, called through ctypes, N times.
# Under emt every round is one write fault and one exec fault.
import ctypes
import mmap
import struct
import sys

n = int(sys.argv[1])
page = mmap.mmap(-1, mmap.PAGESIZE,
                 prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
fn = ctypes.CFUNCTYPE(ctypes.c_uint32)(
    ctypes.addressof(ctypes.c_char.from_buffer(page)))
total = 0
for i in range(1, n + 1):
    page[0:6] = b"\xb8" + struct.pack("<I", i) + b"\xc3"
    total += fn()
print(total)
