#!/usr/bin/env bash
# run_fuzzers.sh BUILD_DIR [SECONDS]: build the libFuzzer targets with clang
# in BUILD_DIR and run each for SECONDS (default 15) from its committed seeds
# (tests/fuzz/corpus/NAME) in a scratch copy, so new inputs do not land in the
# repository. Exit 77 (skip) without clang; non-zero on any crash.
set -uo pipefail
dir=${1:?build dir}
seconds=${2:-15}
src=$(cd "$(dirname "$0")/../.." && pwd)

if ! command -v clang >/dev/null; then
	echo "fuzz: SKIP: clang not installed"
	exit 77
fi
if [ ! -f "$dir/build.ninja" ]; then
	CC=clang meson setup "$dir" "$src" -Dfuzz=true -Dtests=disabled -Db_lundef=false \
		-Db_sanitize=address,undefined -Dc_args=-fsanitize=fuzzer-no-link >/dev/null || exit 1
fi
ninja -C "$dir" >/dev/null || { ninja -C "$dir"; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
rc=0
for name in packet slot global config control; do
	mkdir -p "$scratch/$name"
	[ -d "$src/tests/fuzz/corpus/$name" ] && cp -r "$src/tests/fuzz/corpus/$name/." "$scratch/$name/"
	if "$dir/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$scratch/$name-" "$scratch/$name" >"$scratch/$name.log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/$name.log" | grep -o '[0-9]*$')
		echo "fuzz: $name: ok, ${runs:-?} inputs in ${seconds}s"
	else
		echo "fuzz: $name: FAILED"
		tail -40 "$scratch/$name.log"
		mkdir -p "$dir/artifacts" && cp "$scratch/$name-"* "$dir/artifacts/" 2>/dev/null
		rc=1
	fi
done
exit $rc
