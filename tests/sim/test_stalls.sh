#!/usr/bin/env bash
# test_stalls.sh HBSIM HBCTL: the stalls `hbctl timeouts` says a host
# survives are survived by the model of the real core (docs/timing.md,
# "dom0 stall survived" and "statefile stall survived").
#
# For T = 10 and T = 30 (xapi's derivation), in a pool of 3:
#   - a whole-host freeze 100 ms shorter than host_stall_max_ms, started at
#     20 phases spread over a pet interval, never fences the host (the
#     worst phase: the freeze starts just before a pet is due, and the
#     feeder looks before the loop has renewed its proof at the thaw);
#   - one host's statefile hung for 100 ms less than statefile_stall_max_ms,
#     started at 20 phases spread over a statefile interval, never fences it;
#   - a freeze longer than W + slack always fires the watchdog (the sweep
#     can see a fence at all).
# Each run is one hbsim scenario with its own seed. Prints one line per
# sweep; exit 0 when every sweep holds.
set -uo pipefail
hbsim=${1:?hbsim}
hbctl=${2:?hbctl}
# shellcheck source=../lib/lib.sh
source "$(dirname "$0")/../lib/lib.sh"
make_tmp .hbstalls "${TMPDIR:-/tmp}"

# figure T KEY: a value (ms) of `hbctl timeouts -T T --json`
figure() {
	"$hbctl" timeouts -T "$1" --json | python3 -c 'import json, sys
d = json.load(sys.stdin)
for part in ("configured", "derived", "bounds"):
    if sys.argv[1] in d[part]:
        print(d[part][sys.argv[1]])' "$2"
}

# secs MS: "S.mmm" (scenario times)
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# run KIND T START_MS DUR_MS SEED: 0 when host 2 fenced (or its watchdog fired)
run() {
	local kind=$1 T=$2 start=$3 dur=$4 seed=$5 f=$tmp/s.sc
	{
		printf 'hosts 3\ntimeout %s\nat 0s start all\nexpect 0s liveset 0,1,2 within 90s\n' "$T"
		if [ "$kind" = freeze ]; then
			printf 'at %ss freeze 2 %ss\n' "$(secs "$start")" "$(secs "$dur")"
		else
			printf 'at %ss storage-hang 2\nat %ss storage-heal 2\n' "$(secs "$start")" "$(secs $((start + dur)))"
		fi
		printf 'expect %ss down none\n' "$(secs $((start + dur + 60000)))"
	} >"$f"
	local out
	out=$("$hbsim" --scenario "$f" --seed "$seed" --trace 2>&1) # exits 1 when host 2 went down
	grep -qE ' h2 .*(FENCE|WATCHDOG FIRED)' <<<"$out"
}

# sweep WANT KIND T DUR_MS SPAN_MS N: N runs, starts spread over SPAN_MS
sweep() {
	local want=$1 kind=$2 T=$3 dur=$4 span=$5 n=$6 fenced=0 i
	for ((i = 0; i < n; i++)); do
		run "$kind" "$T" $((100000 + i * span / n)) "$dur" $((i + 1)) && fenced=$((fenced + 1))
	done
	local what="T=$T: $kind of $(secs "$dur") s at $n phases over $(secs "$span") s: fenced $fenced/$n"
	if { [ "$want" = survives ] && [ $fenced -ne 0 ]; } || { [ "$want" = fences ] && [ $fenced -ne "$n" ]; }; then
		fail "$what (expected: $want)"
	else
		pass "$what ($want)"
	fi
}

for T in 10 30; do
	host_max=$(figure "$T" host_stall_max_ms)
	sf_max=$(figure "$T" statefile_stall_max_ms)
	pet=$(figure "$T" pet_interval_ms)
	t2=$(figure "$T" statefile_interval_ms)
	w=$(figure "$T" watchdog_timeout_ms)
	slack=$(figure "$T" watchdog_slack_ms)
	[ -n "$host_max" ] && [ -n "$sf_max" ] && [ -n "$pet" ] && [ -n "$t2" ] && [ -n "$w" ] ||
		die "hbctl timeouts -T $T --json lacks a figure"
	echo "T=$T: hbctl timeouts says: dom0 stall survived up to $(secs "$host_max") s, statefile stall up to $(secs "$sf_max") s"
	sweep survives freeze "$T" $((host_max - 100)) "$pet" 20
	sweep survives hang "$T" $((sf_max - 100)) "$t2" 20
	sweep fences freeze "$T" $((w + slack + 100)) "$pet" 5
done
finish
