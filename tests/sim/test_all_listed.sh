#!/usr/bin/env bash
# test_all_listed.sh SCENARIO_DIR FILE...: every tests/scenarios/*.sc is
# listed in tests/sim/meson.build (so that make check runs it), and every
# listed file exists.
set -uo pipefail
dir=$1
shift
fail=0
for f in "$dir"/*.sc; do
	name=$(basename "$f")
	# a here-string, not a pipe: grep -q leaves early, and under pipefail
	# printf's SIGPIPE would fail the check now and then
	if ! grep -qx -- "$name" <<<"$(printf '%s\n' "$@")"; then
		echo "not listed in tests/sim/meson.build: $name"
		fail=1
	fi
done
for name in "$@"; do
	[ -f "$dir/$name" ] || { echo "listed but missing: $name"; fail=1; }
done
[ $fail -eq 0 ] && echo "all $# scenario files are listed"
exit $fail
