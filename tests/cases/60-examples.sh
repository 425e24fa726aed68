# SPDX-License-Identifier: MIT
# The examples that test themselves, when they are built.

t_rwx_cycle_test() {
	local ex=$BUILD/examples/rwx_cycle_test
	[ -x "$ex" ] || skip "$ex not built"
	run_capture example "$ex"
	case $(cat example.rc) in
	0) ;;
	77) skip "rwx_cycle_test: $(tail -n 1 example.err)" ;;
	*)
		show stdout example.out
		show stderr example.err
		fail "rwx_cycle_test exited $(cat example.rc)"
		;;
	esac
}

register "examples/rwx_cycle_test" t_rwx_cycle_test
