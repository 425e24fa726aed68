#!/bin/bash
# SPDX-License-Identifier: MIT
# usage: runone.sh CASE_FILE FUNCTION ARGS... — runs one test function of a
# case file (see tests/lib/common.sh). Started by tests/run.sh under timeout,
# in the test's fresh directory.
set -u
ulimit -c 0
# The case files register their tests when run.sh sources them; here only
# the functions are wanted.
register() { :; }
# shellcheck disable=SC1090,SC1091
. "$TESTS/lib/common.sh"
# shellcheck disable=SC1090
. "$1"
shift
"$@"
