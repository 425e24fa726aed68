#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the Debian packages emt needs, only those missing.
#   scripts/deps.sh          build dependencies
#   scripts/deps.sh --test   build and test dependencies
set -eu

BUILD_PKGS="gcc make pkg-config libc6-dev libcapstone-dev libseccomp-dev libssl-dev
	libbpf-dev clang bpftool libyara-dev libdw-dev"
# Small programs the test suite runs under emt; larger ones (java, node)
# are used when present and skipped otherwise.
TEST_PKGS="python3 procps pcre2-utils luajit ruby php-cli tcc"

pkgs=$BUILD_PKGS
[ "${1:-}" = "--test" ] && pkgs="$pkgs $TEST_PKGS"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "emt: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "emt: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
