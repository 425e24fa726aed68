#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what is missing, build normally and with ASan+UBSan, run the
# whole test suite on both builds.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh --test
status=0
make -s tests O=build
tests/run.sh build || status=1
make -s tests O=build-san SAN=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	tests/run.sh build-san || status=1
exit $status
