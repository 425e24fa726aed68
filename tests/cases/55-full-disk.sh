# SPDX-License-Identifier: MIT
# The output directory fills up: emt stops with one line naming the cause
# and a non-zero status, and leaves no process behind (run.sh also checks
# the last for every test).

t_full_disk() {
	local vpid i
	need_emt
	need_victim cycles
	mkdir disk
	mount -t tmpfs -o size=64k,mode=700 tmpfs "$TDIR/disk" 2>mount.err ||
		skip "cannot mount a tmpfs: $(head -n 1 mount.err)"
	trap 'umount "$TDIR/disk" 2>/dev/null' EXIT
	trap 'exit 1' INT TERM
	# 200 distinct 4 KiB captures: more than 64 KiB.
	run_capture full "$EMT" -q -o "$TDIR/disk/out" -- "$VICTIMS/cycles" 200
	[ "$(cat full.rc)" != 0 ] || fail "emt exited 0 with a full disk"
	one_line_error full.err "No space left on device"
	vpid=$(fact start pid full.ann)
	[ -n "$vpid" ] || fail "the program never started"
	for ((i = 0; i < 40; i++)); do
		[ -z "$(proc_state "$vpid")" ] && return 0
		sleep 0.05
	done
	fail "the program (pid $vpid) is still there, state $(proc_state "$vpid")"
}

register "full disk: one line, non-zero exit, nothing left" t_full_disk
