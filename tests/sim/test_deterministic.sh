#!/usr/bin/env bash
# test_deterministic.sh HBSIM: the same seed gives the same output, byte for
# byte, and the same exit status, whatever the number of worker processes
# (the throughput line, which measures wall time, aside).
set -uo pipefail
hbsim=$1
# shellcheck source=../lib/lib.sh
source "$(dirname "$0")/../lib/lib.sh"
make_tmp .deterministic "${TMPDIR:-/tmp}"
run() { # name jobs
	"$hbsim" --random --runs 60 --seed 77 --verbose --jobs "$2" >"$tmp/$1.raw" 2>&1
	echo "exit $?" >>"$tmp/$1.raw"
	grep -v '^hbsim: throughput' "$tmp/$1.raw" >"$tmp/$1"
}
run a 2
run b 2
run c 1
cmp "$tmp/a" "$tmp/b" || fail "two runs with --jobs 2 differ"
cmp "$tmp/a" "$tmp/c" || fail "--jobs 2 and --jobs 1 differ"
grep -q '^hbsim: runs=60 ' "$tmp/a" || fail "no summary line"
grep -q '^hbsim: throughput ' "$tmp/a.raw" || fail "no throughput line"
if [ "$fails" -ne 0 ]; then
	diff "$tmp/a" "$tmp/c" | head -20
	exit 1
fi
pass "deterministic: $(wc -l <"$tmp/a") identical lines ($(tail -1 "$tmp/a"))"
