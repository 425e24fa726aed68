# SPDX-License-Identifier: MIT
# The output directory follows the rule ssh applies to its files: an
# existing directory must be the user's (or root's) and writable by no one
# else, a new one is private, nothing inside is written through a symbolic
# link, and a planted file never passes for a capture. A refused directory
# costs no program run: one line on stderr, a non-zero exit.

# A command prefix that runs without root's privileges.
AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root to give files to another user"
}

# outdir_refused DIR TEXT — emt -o DIR refuses with one line saying TEXT,
# and the program never ran.
outdir_refused() {
	need_emt
	need_victim single
	run_capture bad "$EMT" -q -o "$1" -- "$VICTIMS/single"
	[ "$(cat bad.rc)" != 0 ] || fail "emt -o $1 exited 0"
	one_line_error bad.err "$2"
	if [ -s bad.ann ] || [ -s bad.out ]; then
		fail "the program ran anyway: $(cat bad.out bad.ann 2>/dev/null)"
	fi
}

# outdir_works DIR — emt -o DIR runs single and writes its capture there.
outdir_works() {
	need_emt
	need_victim single
	run_capture emt "$EMT" -q -o "$1" -- "$VICTIMS/single"
	[ "$(cat emt.rc)" = 0 ] || { show stderr emt.err; fail "emt -o $1 exited $(cat emt.rc)"; }
	grep -q '^start ' emt.ann || fail "the program did not run"
}

# mode_of PATH — octal permission bits, without following a symlink.
mode_of() {
	stat -c %a "$1"
}

# check_captures DIR [TMP_OK] — every file in DIR/captures is a regular
# <sha256>.bin file, mode 600, whose bytes hash to its name. With TMP_OK,
# temporary files (.tmp-*) may be left too.
check_captures() {
	local f name n=0
	for f in "$1"/captures/* "$1"/captures/.[!.]*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		name=${f##*/}
		if [[ $name == .tmp-* ]] && [ -n "${2:-}" ]; then
			continue
		fi
		[[ $name =~ ^[0-9a-f]{64}\.bin$ ]] || fail "unexpected file captures/$name"
		[ -f "$f" ] || fail "captures/$name is not a regular file"
		[ ! -L "$f" ] || fail "captures/$name is a symbolic link"
		[ "$(mode_of "$f")" = 600 ] || fail "captures/$name has mode $(mode_of "$f")"
		[ "$(sha256sum <"$f" | cut -d' ' -f1).bin" = "$name" ] ||
			fail "captures/$name does not hold the bytes of its name"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "no capture in $1/captures"
}

t_outdir_world_writable() {
	mkdir -m 777 out
	outdir_refused "$TDIR/out" "output directory $TDIR/out is writable by other users (mode 0777)"
}

t_outdir_group_writable() {
	mkdir -m 770 out
	outdir_refused "$TDIR/out" "writable by other users (mode 0770)"
}

# Also when the write bit is all: /tmp itself, sticky, is refused.
t_outdir_sticky() {
	mkdir -m 1777 out
	outdir_refused "$TDIR/out" "(mode 1777)"
}

t_outdir_foreign_owner() {
	need_root
	mkdir -m 700 out
	chown 65534 out
	outdir_refused "$TDIR/out" "output directory $TDIR/out is owned by another user (uid 65534)"
}

# Root's directories pass the ownership check for everyone; a user who
# cannot write in one learns that from the creation of events.jsonl.
t_outdir_root_owned() {
	need_root
	mkdir -m 755 out
	outdir_works "$TDIR/out"
	check_events
	command -v setpriv >/dev/null || return 0
	# Relative to the working directory: nobody may not search the
	# directories above it.
	chmod 755 "$TDIR"
	rm -rf out && mkdir -m 755 out
	run_capture bad "${AS_NOBODY[@]}" "$EMT" -q -o out -- "$VICTIMS/single"
	one_line_error bad.err "cannot create out/events.jsonl: Permission denied"
}

# Modes do not depend on the umask: 0700 directories, 0600 files.
t_outdir_created_private() {
	umask 000
	outdir_works "$TDIR/out"
	[ "$(mode_of out)" = 700 ] || fail "out has mode $(mode_of out)"
	[ "$(mode_of out/captures)" = 700 ] || fail "out/captures has mode $(mode_of out/captures)"
	[ "$(mode_of out/events.jsonl)" = 600 ] || fail "events.jsonl has mode $(mode_of out/events.jsonl)"
	check_captures out
}

# The user's own symbolic link for DIR is followed; the checks apply to
# the directory it leads to.
t_outdir_symlink_good() {
	mkdir -m 700 real
	ln -s real out
	outdir_works "$TDIR/out"
	[ -L out ] || fail "the symbolic link was replaced"
	[ -s real/events.jsonl ] || fail "nothing written in the directory the link leads to"
	check_events
	check_captures real
}

t_outdir_symlink_bad() {
	mkdir -m 777 open
	ln -s open out
	outdir_refused "$TDIR/out" "writable by other users (mode 0777)"
	[ -z "$(ls -A open)" ] || fail "emt wrote into $TDIR/open: $(ls -A open)"
}

t_outdir_events_symlink() {
	mkdir -m 700 out
	echo precious >target
	ln -s "$TDIR/target" out/events.jsonl
	outdir_refused "$TDIR/out" "events.jsonl is a symbolic link"
	[ "$(cat target)" = precious ] || fail "emt wrote through the symbolic link"
}

# A FIFO would block the open for writing until someone reads it.
t_outdir_events_fifo() {
	mkdir -m 700 out
	mkfifo out/events.jsonl
	outdir_refused "$TDIR/out" "events.jsonl is not a regular file"
}

t_outdir_captures_symlink() {
	mkdir -m 700 out elsewhere
	ln -s ../elsewhere out/captures
	outdir_refused "$TDIR/out" "captures is not a directory (or is a symbolic link)"
	[ -z "$(ls -A elsewhere)" ] || fail "emt wrote into $TDIR/elsewhere: $(ls -A elsewhere)"
}

t_outdir_captures_open() {
	mkdir -m 700 out
	mkdir -m 777 out/captures
	outdir_refused "$TDIR/out" "capture directory $TDIR/out/captures is writable by other users (mode 0777)"
}

t_outdir_captures_foreign() {
	need_root
	mkdir -m 700 out out/captures
	chown 65534 out/captures
	outdir_refused "$TDIR/out" "capture directory $TDIR/out/captures is owned by another user (uid 65534)"
}

# planted_case PLANT — learns the sha256 of single's capture, plants
# something under its name in a fresh directory with PLANT NAME, runs
# again: the name must now hold the capture.
planted_case() {
	local sha
	outdir_works "$TDIR/first"
	sha=$(fact code sha256 emt.ann)
	[ -n "$sha" ] || fail "single announced no capture"
	[ -f "first/captures/$sha.bin" ] || fail "the first run stored no captures/$sha.bin"
	mkdir -m 700 out out/captures
	"$1" "out/captures/$sha.bin"
	outdir_works "$TDIR/out"
	[ -e "out/captures/$sha.bin" ] || fail "captures/$sha.bin is gone"
	check_captures out
	check_events
}

plant_wrong() {
	echo "not the capture" >"$1"
}

plant_link() {
	echo outside >outside
	ln -s "$TDIR/outside" "$1"
}

t_outdir_planted_file() {
	planted_case plant_wrong
}

t_outdir_planted_symlink() {
	planted_case plant_link
	[ "$(cat outside)" = outside ] || fail "emt wrote through the planted link"
}

# A directory under the capture's name cannot be replaced: one line, and
# emt fails like on any write error.
t_outdir_planted_dir() {
	local sha
	outdir_works "$TDIR/first"
	sha=$(fact code sha256 emt.ann)
	[ -n "$sha" ] || fail "single announced no capture"
	mkdir -m 700 out out/captures "out/captures/$sha.bin"
	run_capture bad "$EMT" -q -o "$TDIR/out" -- "$VICTIMS/single"
	[ "$(cat bad.rc)" != 0 ] || fail "emt exited 0"
	one_line_error bad.err "captures/$sha.bin: Is a directory"
	[ -z "$(find out/captures -mindepth 1 ! -name "$sha.bin")" ] ||
		fail "files left in captures/: $(ls -A out/captures)"
}

# Many captures, and nothing but them left behind.
t_outdir_no_temporaries() {
	need_victim cycles
	run_capture emt "$EMT" -q -o "$TDIR/out" -- "$VICTIMS/cycles" 100
	[ "$(cat emt.rc)" = 0 ] || { show stderr emt.err; fail "emt exited $(cat emt.rc)"; }
	[ "$(find out/captures -type f | wc -l)" = 100 ] ||
		fail "$(find out/captures -type f | wc -l) files in captures/, expected 100"
	check_captures out
}

# Killed mid-way, emt may leave a temporary file, never a half-written
# capture under its final name.
t_outdir_killed() {
	local pid i n=0
	need_emt
	need_victim cycles
	"$EMT" -q -o "$TDIR/out" -- "$VICTIMS/cycles" 100000 >emt.out 2>emt.err </dev/null &
	pid=$!
	for ((i = 0; i < RUN_LIMIT * 20 && n < 200; i++)); do
		n=$(find out/captures -type f 2>/dev/null | wc -l)
		sleep 0.05
	done
	kill -KILL "$pid"
	wait_child "$pid" 10 || fail "emt did not die of SIGKILL"
	[ "$n" -ge 200 ] || { show stderr emt.err; fail "only $n captures were written"; }
	check_captures out tmp_ok
}

register "outdir: mode 0777 refused, program not run" t_outdir_world_writable
register "outdir: mode 0770 (group writable) refused" t_outdir_group_writable
register "outdir: mode 1777 (like /tmp) refused" t_outdir_sticky
register "outdir: owned by another user refused" t_outdir_foreign_owner
register "outdir: owned by root, mode 0755, accepted" t_outdir_root_owned
register "outdir: created 0700, captures/ 0700, files 0600" t_outdir_created_private
register "outdir: symlink to a good directory works" t_outdir_symlink_good
register "outdir: symlink to a world-writable directory refused" t_outdir_symlink_bad
register "outdir: events.jsonl planted as a symlink refused" t_outdir_events_symlink
register "outdir: events.jsonl planted as a FIFO refused" t_outdir_events_fifo
register "outdir: captures planted as a symlink refused" t_outdir_captures_symlink
register "outdir: captures/ writable by others refused" t_outdir_captures_open
register "outdir: captures/ owned by another user refused" t_outdir_captures_foreign
register "outdir: planted capture with wrong content replaced" t_outdir_planted_file
register "outdir: planted capture symlink replaced, target untouched" t_outdir_planted_symlink
register "outdir: planted directory under a capture name: one line" t_outdir_planted_dir
register "outdir: no temporary files left" t_outdir_no_temporaries
register "outdir: killed by SIGKILL: no half-written capture" t_outdir_killed
