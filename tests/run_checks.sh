#!/usr/bin/env bash
# run_checks.sh BUILD: every test suite of `make check`.
#  1. the sanitizer build (address + undefined) in BUILD/sanitize, where meson
#     runs the unit, cli and statefile suites;
#  2. a brief libFuzzer run of every decoder (BUILD/fuzz, clang);
#  3. real Xen: dom0 hosts under QEMU (one-host watchdog scenarios, three-host
#     pools), asserting on Xen's own console lines, with
#     the plain (not sanitized) binaries of BUILD (tests/xen, root only);
# then one closing line: "check: N passed, N failed, N skipped".
set -uo pipefail
build=${1:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
san="$build/sanitize"
fuzz_seconds=${HB_FUZZ_SECONDS:-15}

[ -f "$san/build.ninja" ] || meson setup "$san" -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 1
ninja -C "$san" || exit 1

meson test -C "$san" --print-errorlogs --num-processes 2
meson_rc=$?

passed=0 failed=0 skipped=0
if command -v jq >/dev/null && [ -f "$san/meson-logs/testlog.json" ]; then
	passed=$(jq -s '[.[] | select(.result == "OK")] | length' "$san/meson-logs/testlog.json")
	failed=$(jq -s '[.[] | select(.result != "OK" and .result != "SKIP")] | length' "$san/meson-logs/testlog.json")
	skipped=$(jq -s '[.[] | select(.result == "SKIP")] | length' "$san/meson-logs/testlog.json")
	jq -r 'select(.result == "SKIP") | "skipped: \(.name)"' "$san/meson-logs/testlog.json"
elif [ $meson_rc -ne 0 ]; then
	failed=1
fi

"$src/tests/fuzz/run_fuzzers.sh" "$build/fuzz" "$fuzz_seconds"
case $? in
	0) passed=$((passed + 1)) ;;
	77) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)) ;;
esac

src_dir=$src
xen_scenarios=()
for s in xen-sigstop-fires xen-disarm-no-fire linux-sigstop-fires linux-disarm-no-fire xen-rearm-kill-fires \
	xen3-cut-master xen3-statefile-dead; do
	xen_scenarios+=(--scenario "$src_dir/tests/xen/scenarios/$s.sc")
done
# hbsim's own files where they apply, at twice their times (three emulated
# hosts share two cores)
for s in unsafe-removal propose-race; do
	xen_scenarios+=(--scenario "$src_dir/tests/scenarios/$s.sc")
done
xen_scenarios+=(--scale 2)
# the whole output in BUILD/xen-checks.log, every host's console (Xen's own
# lines) in BUILD/xen-runs/SCENARIO/console.I.log
rm -rf "$build/xen-runs"
"$src/tests/xen/run_xen_checks.sh" "$build" --workdir "$build/xen-runs" "${xen_scenarios[@]}" 2>&1 |
	tee "$build/xen-checks.log" | grep -E "VIOLATION|Watchdog timer fired|Dom0 shutdown|hbagent: FENCE|expectations=|^hbxen|^build-image|SKIP|rror"
case ${PIPESTATUS[0]} in
	0) passed=$((passed + 1)) ;;
	77) skipped=$((skipped + 1)); echo "skipped: xen (see above)" ;;
	*) failed=$((failed + 1)); echo "FAILED: xen" ;;
esac

echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ $meson_rc -eq 0 ]
