# SPDX-License-Identifier: MIT
# The unit tests (tests/unit/*.c, built to BUILD/tests/unit/NAME): one test
# per program, which passes when the program exits 0 and reports no
# failed TAP line.

t_unit() {
	local prog=$BUILD/tests/unit/$1
	need_file "$prog"
	run_capture unit "$prog"
	if [ "$(cat unit.rc)" != 0 ] || grep -q '^not ok' unit.out; then
		grep -v '^ok ' unit.out | head -n 40
		show stderr unit.err
		fail "$1 exited $(cat unit.rc)"
	fi
	# A TAP program that stopped before its plan was done.
	local plan
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' unit.out | head -n 1)
	if [ -n "$plan" ] && [ "$(grep -c '^ok ' unit.out)" != "$plan" ]; then
		fail "$1 planned $plan tests, reported $(grep -c '^ok ' unit.out)"
	fi
}

for _unit_src in "$TESTS"/unit/*.c; do
	[ -e "$_unit_src" ] || continue
	_unit=$(basename "$_unit_src" .c)
	register "unit: $_unit" t_unit "$_unit"
done
unset _unit_src _unit
