#!/usr/bin/env bash
# test_catches.sh HBSIM SCENARIO CHECK FLAG...: proves that one of hbsim's
# checks catches a core broken on purpose. With FLAG... (an --unsafe RULE,
# or --broken-suspend-clock) the scenario must make hbsim exit non-zero and
# report `VIOLATION CHECK`; without them the same scenario must pass.
set -uo pipefail
hbsim=$1
scenario=$2
check=$3
shift 3
out=$("$hbsim" --scenario "$scenario" "$@" 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
	echo "FAIL: hbsim exited 0 on a core broken with $*"
	echo "$out" | tail -20
	exit 1
fi
if ! grep -q "VIOLATION $check" <<<"$out"; then
	echo "FAIL: hbsim exited $rc with $* but did not report $check"
	grep 'VIOLATION\|NOT MET' <<<"$out" | head -5
	exit 1
fi
grep "VIOLATION $check" <<<"$out" | head -1
if ! "$hbsim" --scenario "$scenario" >/dev/null 2>&1; then
	echo "FAIL: the same scenario fails with the real core"
	"$hbsim" --scenario "$scenario" | tail -20
	exit 1
fi
echo "ok: $check caught the core broken with $*, and the real core passes"
