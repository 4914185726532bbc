#!/usr/bin/env bash
# run_fuzzers.sh BUILD_DIR [SECONDS]: build the libFuzzer targets with clang
# in BUILD_DIR and run each for SECONDS (default 15) from its committed seeds
# (tests/fuzz/corpus/NAME) in a scratch copy, so new inputs do not land in the
# repository. fuzz_sim (whole pools in hbsim's world) runs for SIM_SECONDS
# ($HB_FUZZ_SIM_SECONDS, default 60); a contract violation it finds is saved
# as a scenario file in tests/scenarios/ (fuzz-HASH.sc) and fails the run.
# Then fuzz_sim is shown to catch a core broken on purpose (--unsafe
# skip-removal-wait): it must abort on its seeds, and the scenario it saves
# must replay the violation in hbsim. Exit 77 (skip) without clang; non-zero
# on any crash or when the broken core goes unnoticed.
set -uo pipefail
dir=${1:?build dir}
seconds=${2:-15}
sim_seconds=${HB_FUZZ_SIM_SECONDS:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/lib.sh
source "$src/tests/lib/lib.sh"

command -v clang >/dev/null || skip "fuzz: clang not installed"
if [ ! -f "$dir/build.ninja" ]; then
	CC=clang meson setup "$dir" "$src" -Dfuzz=true -Dtests=disabled -Db_lundef=false \
		-Db_sanitize=address,undefined -Dc_args=-fsanitize=fuzzer-no-link >/dev/null || exit 1
fi
ninja -C "$dir" >/dev/null || { ninja -C "$dir"; exit 1; }

make_tmp .fuzz "${TMPDIR:-/tmp}"
scratch=$tmp
for name in packet slot global config control sim; do
	mkdir -p "$scratch/$name"
	[ -d "$src/tests/fuzz/corpus/$name" ] && cp -r "$src/tests/fuzz/corpus/$name/." "$scratch/$name/"
	t=$seconds
	[ "$name" = sim ] && t=$sim_seconds
	if HBSIM_FUZZ_SAVE_DIR="$src/tests/scenarios" "$dir/tests/fuzz/fuzz_$name" -max_total_time="$t" \
		-print_final_stats=1 -artifact_prefix="$scratch/$name-" "$scratch/$name" >"$scratch/$name.log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/$name.log" | grep -o '[0-9]*$')
		cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$scratch/$name.log" | tail -n1)
		pass "fuzz: $name: ${runs:-?} inputs in ${t}s${cov:+ ($cov)}"
	else
		fail "fuzz: $name"
		tail -40 "$scratch/$name.log"
		mkdir -p "$dir/artifacts" && cp "$scratch/$name-"* "$dir/artifacts/" 2>/dev/null
	fi
done
# The search finds a core broken on purpose, from its seeds alone.
mkdir -p "$scratch/catch" "$scratch/catch-found"
cp -r "$src/tests/fuzz/corpus/sim/." "$scratch/catch/"
HBSIM_FUZZ_UNSAFE=skip-removal-wait HBSIM_FUZZ_SAVE_DIR="$scratch/catch-found" "$dir/tests/fuzz/fuzz_sim" \
	-max_total_time="$sim_seconds" -artifact_prefix="$scratch/catch-" "$scratch/catch" >"$scratch/catch.log" 2>&1
found=$(ls "$scratch/catch-found"/fuzz-*.sc 2>/dev/null | head -n1)
[ -n "$found" ] && "$dir/tests/sim/hbsim" --scenario "$found" --unsafe skip-removal-wait >"$scratch/replay.log" 2>&1
if [ -z "$found" ]; then
	fail "fuzz: sim: a core that skips the removal wait went unnoticed for ${sim_seconds}s"
	tail -20 "$scratch/catch.log"
elif ! grep -q '^VIOLATION removal-means-fenced' "$scratch/replay.log"; then
	fail "fuzz: sim: the scenario saved from the broken core does not replay its violation"
	tail -20 "$scratch/replay.log"
else
	pass "fuzz: sim: catches a core that skips the removal wait ($(grep -m1 -o 'VIOLATION [a-z-]*' "$scratch/catch.log")), saved as a scenario that replays it"
fi
exit $((fails > 0))
