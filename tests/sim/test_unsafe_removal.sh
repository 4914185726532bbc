#!/usr/bin/env bash
# test_unsafe_removal.sh HBSIM SCENARIO: proves the checker catches a broken
# core. With --unsafe-skip-removal-wait the core removes a host without
# waiting for its fence bound; hbsim must exit non-zero and name the
# removal invariant. The same scenario with the real core must pass.
set -uo pipefail
hbsim=$1
scenario=$2
out=$("$hbsim" --scenario "$scenario" --unsafe-skip-removal-wait 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
	echo "FAIL: hbsim exited 0 on a core that removes hosts without waiting"
	echo "$out"
	exit 1
fi
if ! grep -q 'VIOLATION removal-means-fenced' <<<"$out"; then
	echo "FAIL: hbsim exited $rc but did not report the removal invariant"
	echo "$out"
	exit 1
fi
grep 'VIOLATION' <<<"$out" | head -1
if ! "$hbsim" --scenario "$scenario" >/dev/null 2>&1; then
	echo "FAIL: the same scenario fails with the safe core"
	"$hbsim" --scenario "$scenario" | tail -20
	exit 1
fi
echo "ok: the checker caught the unsafe core, and the safe core passes"
