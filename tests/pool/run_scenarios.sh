#!/usr/bin/env bash
# run_scenarios.sh BUILD [JOBS] [SCALE] [FILES...]: every scenario of
# tests/scenarios (and tests/pool/scenarios/big-16.sc, restart-agent-3.sc)
# under hbsim and under hbpool, JOBS pools side by side (default 3) at
# --scale SCALE (default 0.5), and the two verdicts compared: the same file must pass in both. A file
# hbpool refuses (a statement a pool of namespaces cannot make: it prints
# `hbpool: refused: FILE:LINE: ...` and exits 77) is a skip, with the reason,
# and not compared. Prints one line per scenario with hbpool's result line
# and its wall time, then
# `pool-scenarios: N run, N same verdict, N differ, N skipped (W s wall)`.
# Root only (77 otherwise).
set -uo pipefail
build=${1:?build dir}
jobs=${2:-3}
scale=${3:-0.5}
shift $(($# < 3 ? $# : 3))
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/lib.sh
source "$here/../lib/lib.sh"
need_root
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$src"/tests/scenarios/*.sc "$src"/tests/pool/scenarios/big-16.sc
	"$src"/tests/pool/scenarios/restart-agent-3.sc)

start=$(date +%s)
make_tmp .pool-scenarios
out=$tmp
hbsim=$build/tests/sim/hbsim

run_one() {
	local f=$1 name t0 rc
	name=$(basename "$f" .sc)
	t0=$(date +%s)
	"$here/hbpool" --build "$build" --scenario "$f" --scale "$scale" >"$out/$name.log" 2>&1
	rc=$?
	echo "$rc $(($(date +%s) - t0))" >"$out/$name.rc"
}

# Longest first (each file's last time + within, from libhb's parser), so
# that the pools finish together; results are printed in the files' order.
order=()
while IFS= read -r f; do order+=("$f"); done < <(
	for f in "${files[@]}"; do
		"$build/tests/pool/hbscenario-json" "$f" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(max([s["at_ms"] + s["within_ms"] for s in d["statements"]] + [0]), sys.argv[1])' "$f" || echo "0 $f"
	done | sort -s -k1,1nr | cut -d" " -f2-)

running=0
for f in "${order[@]}"; do
	run_one "$f" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	sleep 1 # stagger the set-ups
done
wait

same=0 differ=0 skipped=0 n=0
for f in "${files[@]}"; do
	name=$(basename "$f" .sc)
	n=$((n + 1))
	"$hbsim" --scenario "$f" >"$out/$name.sim" 2>&1
	sim=$?
	read -r rc secs <"$out/$name.rc"
	line=$(grep '^hbpool: expectations=' "$out/$name.log" | tail -n1)
	refused=$(grep -m1 '^hbpool: refused: ' "$out/$name.log" | sed 's/^hbpool: refused: //')
	if [ "$rc" = 77 ] && [ -n "$refused" ]; then
		skipped=$((skipped + 1))
		printf 'skip    %-26s hbsim %s; hbpool refuses %s\n' "$name" "$([ $sim = 0 ] && echo pass || echo "exit $sim")" "$refused"
	elif [ $(( sim == 0 )) = $(( rc == 0 )) ] && [ "$rc" != 77 ]; then
		same=$((same + 1))
		printf 'same    %-26s hbsim %s, %s (%ss)\n' "$name" "$([ $sim = 0 ] && echo pass || echo FAIL)" "${line:-no result}" "$secs"
	else
		differ=$((differ + 1))
		printf 'DIFFER  %-26s hbsim exit %s, hbpool exit %s: %s (%ss)\n' "$name" "$sim" "$rc" "${line:-no result}" "$secs"
		grep -E 'NOT MET|VIOLATION|hbpool: ' "$out/$name.log" | sed 's/^/        /'
		[ -n "${KEEP_LOGS:-}" ] && cp "$out/$name.log" "/var/tmp/pool-$name.log"
	fi
done
echo "pool-scenarios: $n run, $same same verdict, $differ differ, $skipped skipped ($(($(date +%s) - start)) s wall, $jobs pools side by side, --scale $scale)"
[ "$differ" = 0 ]
