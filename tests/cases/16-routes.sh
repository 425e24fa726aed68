# SPDX-License-Identifier: MIT
# Routes to executable code a hostile program may take: each one is
# captured with its bytes, or reported as a blind event; never silence.

# A victim whose announcements say everything emt must report.
t_route() {
	victim_case -c --only-announced -c --exit-code=0 "$@"
}

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

# Calls of the i386 ABI from a 64-bit program: interpreted, or refused
# and reported.
t_i386() {
	victim_case -c --only-announced -c --exit-code=0 abi_i386 "$1"
}

register "i386 mmap2 W+X (int \$0x80): armed, captured" t_i386 mmap2
register "i386 mprotect W+X (int \$0x80): armed, captured" t_i386 mprotect
register "i386 old mmap: refused, blind" t_i386 oldmmap

# Memory executable from execve on, with no call asking for it.
register "executable stack (-z execstack), grown: captured" t_route exec_stack
register "RWX PT_LOAD segment: captured" t_route exec_rwx

# The second stage runs from a copy of the program written while traced;
# its other code pages are captured too, so only the announced one is
# checked exactly.
t_exec_copy() {
	victim_case -c --exit-code=0 exec_memfd "$1"
}

register "fexecve of a memfd copy: its code captured" t_exec_copy memfd
register "execve of a file written while traced: captured" t_exec_copy file
register "code written to a file, mapped R-X private: captured" t_route file_code private
register "code written to a file, mapped R-X shared: captured" t_route file_code shared

# READ_IMPLIES_EXEC turned on at run time: readable memory is executable.
register "personality(READ_IMPLIES_EXEC): mmap, mprotect, heap, child" t_route read_implies_exec

# Dual mappings a monitor keeping only whole, unchanged mappings loses.
register "dual mapping: R-X view partly unmapped" t_route alias_views partial
register "dual mapping: RW view mprotect'ed R-X" t_route alias_views protect
register "dual mapping: R-X view moved with mremap" t_route alias_views mremap
register "dual mapping: shared memory duplicated by mremap(old_size 0)" t_route alias_views dup
register "dual mapping across fork: parent writes, child runs" t_route alias_views fork

# The kernel writing code for the program: no fault in the program.
register "/proc/self/mem pwrite into R-X code: captured" t_route mem_write pwrite
register "/proc/self/mem lseek + write into R-X code: captured" t_route mem_write write
register "/proc/self/mem rewrites the program's own text: captured" t_route mem_write text
register "/proc/PPID/mem: a child rewrites its parent's code" t_route mem_write child
register "process_vm_writev into its own RWX code that ran: written, captured" t_route mem_write vm_self
register "process_vm_writev by a child into its parent's RWX code" t_route mem_write vm_child
register "pwrite into a memfd behind an R-X view: captured" t_route file_write pwrite
register "write into a file behind a private R-X view: captured" t_route file_write write
register "ftruncate and rewrite of a mapped file: captured" t_route file_write truncate
register "copy_file_range into a mapped file: captured" t_route file_write copy
register "a child writes the file its parent runs: captured" t_route file_write fork

# Pages changed without a write, or taken from emt.
register "madvise(DONTNEED) reverts a patched file page: captured" t_route page_calls discard
register "remap_file_pages shows other code: captured" t_route page_calls remap
register "mseal over tracked code: reported" t_route page_calls seal
register "mapping count exhausted: reported, no loop" t_route page_calls mapcount

# SysV shared memory.
register "shmat(SHM_EXEC) writable and executable: captured" t_route shm_exec wx
register "two shmat views, written through one, run through the other" t_route shm_exec views

# The segment is also attached by a process emt does not trace.
t_shm_outside() {
	local key hpid
	need_victim shm_holder
	key=$((0x5e000000 + $$ % 65536))
	EMT_ANNOUNCE=$TDIR/holder.ann "$VICTIMS/shm_holder" "$key" 60 &
	hpid=$!
	wait_for '^ready ' holder.ann 10 || { kill "$hpid"; fail "the holder never attached"; }
	EMT_SHM_KEY=$key victim_case -c --only-announced -c --exit-code=0 shm_exec outside
	kill "$hpid"
	wait_child "$hpid" 10
}

register "shm segment attached outside the trace: reported" t_shm_outside

# Userfaultfd, io_uring, a seccomp filter of the program's own.
t_uffd() {
	need_victim uffd_code
	run_native "$VICTIMS/uffd_code"
	grep -q unavailable native.out && skip "userfaultfd refused here: $(cat native.out)"
	victim_case -c --only-announced -c --exit-code=0 uffd_code
}

t_io_uring() {
	need_victim io_uring_code
	run_native "$VICTIMS/io_uring_code"
	grep -q unavailable native.out && skip "io_uring refused here: $(cat native.out)"
	victim_case -c --only-announced -c --exit-code=0 io_uring_code
}

register "code filled by a userfaultfd handler: captured" t_uffd
register "io_uring beside code, fixed buffer over it: reported" t_io_uring
register "own seccomp filter answers mprotect (USER_NOTIF): still armed" t_route own_notif

# The same routes taken while emt is attached with -p: with the call
# watcher (emt sees a call after the kernel made it), and stopping at
# every call (--no-seccomp).
t_route_attached() {
	attach_victim_case -c --only-announced -c --exit-code=0 "$@"
}

# register_attached NAME CASE ARGS... — both ways.
register_attached() {
	local name=$1
	shift
	register "attached: $name" "$@"
	register "attached, every call stops: $name" "$1" -e --no-seccomp "${@:2}"
}

register_attached "trampoline used as a gadget" t_route_attached tramp_attack gadget
register_attached "trampoline unmapped" t_route_attached tramp_attack unmap
register_attached "trampoline emptied" t_route_attached tramp_attack discard
register_attached "i386 mmap2 W+X" t_route_attached abi_i386 mmap2
register_attached "i386 old mmap refused" t_route_attached abi_i386 oldmmap
register_attached "executable stack from execve" t_route_attached exec_stack
register_attached "RWX PT_LOAD from execve" t_route_attached exec_rwx
register_attached "fexecve of a memfd copy" attach_victim_case -c --exit-code=0 exec_memfd memfd
register_attached "code from a file" t_route_attached file_code private
register_attached "READ_IMPLIES_EXEC" t_route_attached read_implies_exec
register_attached "dual mapping, partial unmap" t_route_attached alias_views partial
register_attached "dual mapping across fork" t_route_attached alias_views fork
register_attached "/proc/self/mem write" t_route_attached mem_write pwrite
register_attached "/proc/PPID/mem write by a child" t_route_attached mem_write child
register_attached "process_vm_writev into RWX code" t_route_attached mem_write vm_self
register_attached "pwrite into a memfd behind R-X" t_route_attached file_write pwrite
register_attached "madvise revert" t_route_attached page_calls discard
register_attached "read() into code that ran: made again once writable" t_route_attached read_into_code
register_attached "shmat(SHM_EXEC)" t_route_attached shm_exec views
register_attached "own seccomp filter with USER_NOTIF" t_route_attached own_notif
# With the call watcher emt sees mseal after the kernel sealed the pages
# with what emt gave them (README, "Attach mode"); stopping at every call,
# it gives them what the program asked first, as when launched.
register "attached, every call stops: mseal" t_route_attached -e --no-seccomp page_calls seal
register "mprotect(PROT_GROWSDOWN) of a stack page: whole stack tracked" t_route stack_growsdown
