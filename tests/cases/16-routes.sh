# SPDX-License-Identifier: MIT
# Routes to executable code a hostile program may take: each one is
# captured with its bytes, or reported as a blind event; never silence.

# emt's own trampoline, attacked: used as a gadget, its data written,
# unmapped, replaced, protected, emptied. Every run is still captured.
t_tramp() {
	victim_case -c --only-announced -c --exit-code=0 tramp_attack "$1"
}

register "trampoline used as a syscall gadget: call seen, blind" t_tramp gadget
register "trampoline data cannot be written" t_tramp write
register "trampoline unmapped: moved, captures go on" t_tramp unmap
register "trampoline replaced with MAP_FIXED: moved" t_tramp fixed
register "trampoline mprotect: ENOMEM as natively" t_tramp protect
register "trampoline emptied with MADV_DONTNEED: mended" t_tramp discard
