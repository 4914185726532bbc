#!/usr/bin/env bash
# test_deterministic.sh HBSIM: the same seed gives the same output, byte for
# byte, and the same exit status, whatever the number of worker processes
# (the throughput line, which measures wall time, aside).
set -uo pipefail
hbsim=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { # name jobs
	"$hbsim" --random --runs 60 --seed 77 --verbose --jobs "$2" >"$tmp/$1.raw" 2>&1
	echo "exit $?" >>"$tmp/$1.raw"
	grep -v '^hbsim: throughput' "$tmp/$1.raw" >"$tmp/$1"
}
run a 2
run b 2
run c 1
fail=0
cmp "$tmp/a" "$tmp/b" || fail=1
cmp "$tmp/a" "$tmp/c" || fail=1
grep -q '^hbsim: runs=60 ' "$tmp/a" || { echo "no summary line"; fail=1; }
grep -q '^hbsim: throughput ' "$tmp/a.raw" || { echo "no throughput line"; fail=1; }
if [ $fail -ne 0 ]; then
	diff "$tmp/a" "$tmp/c" | head -20
	exit 1
fi
echo "deterministic: $(wc -l <"$tmp/a") identical lines ($(tail -1 "$tmp/a"))"
