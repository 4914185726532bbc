#!/usr/bin/env bash
# failover.sh [--build DIR] [--hosts "3 16"] [--T "10 20 30"] [--runs 3]
#             [--faults "crash cut"] [--seeds 3] [--tokens "3000 1000"] [--no-corosync]
#
# Failover of hbagent, measured on real pools (issue 16). For every pool size
# N, HA timeout T and fault it writes a scenario (N hosts, timeout T, start
# all, the full liveset checked at 25 s, then at 30 s `crash N-1` or
# `isolate N-1`, a cable pull: every packet to and from the host dropped, its
# statefile still working) and runs it --runs times with hbpool (tests/pool:
# one network namespace and one real agent per host, scale 1; one run at a
# time). Measured: the time from the fault until every survivor's published
# liveset lacks the host (hbpool's `failover: ... left every survivor's
# liveset N ms after the crash|isolation` line; hbpool polls every 100 ms).
# The model's figure is hbsim's on the same file (--seeds seeds, its trace's
# `failover of N-1 done in N ms`), seed s with the fault moved (s - 1) / seeds
# of a heartbeat interval later: hbsim's hosts start in step and keep their
# cycles' phase whatever the seed, and the figure depends on where in the
# cycle the fault falls (up to one interval); a real pool's phase is random.
# Printed per case: min / median / max measured, the model's min-max, the
# bound `hbctl timeouts -T T` prints (a crash: the failover bound; a cut: the
# isolation bound, and failover_typical beside it: the figure for a loser
# that can still write its fencing flag), and the issue's target (crash T + 8 s, cut T + 10 s), met or not on the
# median. A run whose pool did not form before the fault is left out.
#
# Where corosync 3 is installed (Debian package corosync), the same pool
# sizes run corosync (knet, votequorum, totem token --tokens ms, the rest
# default) in the same kind of namespaces and bridges (pool_net.py), with
# the same crash (SIGKILL) and the same cut (hbpool's isolate), measured
# until every other node's runtime.members drops the node
# (corosync_failover.py). Figures to read, not a pass/fail test; needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=build hosts="3 16" Ts="10 20 30" runs=3 faults="crash cut" seeds=3 tokens="3000 1000" corosync=1
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift ;;
	--hosts) hosts=$2; shift ;;
	--T) Ts=$2; shift ;;
	--runs) runs=$2; shift ;;
	--faults) faults=$2; shift ;;
	--seeds) seeds=$2; shift ;;
	--tokens) tokens=$2; shift ;;
	--no-corosync) corosync=0 ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "failover.sh: unknown option $1 (--help)" >&2; exit 2 ;;
	esac
	shift
done
# shellcheck source=../lib/lib.sh
source "$here/../lib/lib.sh"
need_root "failover.sh needs root (hbpool: network namespaces, loop devices, FUSE)"
need jq python3
build=$(cd "$build" && pwd) || exit 2
hbctl=$build/agent/hbctl hbsim=$build/tests/sim/hbsim hbpool=$here/../pool/hbpool
for f in "$hbctl" "$hbsim"; do [ -x "$f" ] || { echo "failover.sh: $f not found (build first)"; exit 2; }; done
make_tmp .hbfailover
child=""
# the running hbpool or corosync_failover.py: each removes what it made on SIGTERM
stop_child() {
	[ -n "$child" ] || return 0
	kill -TERM "$child" 2>/dev/null
	wait "$child" 2>/dev/null
	child=""
}
at_exit stop_child
trap 'echo "failover.sh: interrupted"; exit 130' INT TERM
# run_child LOG CMD...: CMD in the background (so a signal reaches the trap at once), its output in LOG
run_child() {
	local log=$1 rc
	shift
	"$@" >"$log" 2>&1 &
	child=$!
	wait "$child"
	rc=$?
	child=""
	return $rc
}

# stats: "n min median max" (seconds, 3 decimals) of the numbers on stdin; "0 - - -" if none
stats() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "0 - - -"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%d %.3f %.3f %.3f\n", NR, v[1], m, v[NR] }'
}

# scenario N T FAULT FILE [FAULT_MS]: the fault at FAULT_MS (default 30000)
scenario() {
	local n=$1 T=$2 fault=$3 at=${5:-30000} all others bound_s
	all=$(seq -s, 0 $((n - 1)))
	others=$(seq -s, 0 $((n - 2)))
	bound_s=$(($(bound "$T" "$fault") / 1000 + 5))
	cat >"$4" <<-EOF
		# tests/bench/failover.sh: $n hosts, T = $T, $fault of host $((n - 1)) at $at ms
		hosts $n
		timeout $T

		at 0s start all
		expect 0s liveset $all within 25s
		expect 25s liveset $all                  # formed before the fault
		at ${at}ms $([ "$fault" = crash ] && echo crash || echo isolate) $((n - 1))
		expect ${at}ms liveset $others within ${bound_s}s
	EOF
}

declare -A timing
# bound T FAULT: the printed bound in ms (a crash: failover_bound, a cut: isolation_bound)
bound() {
	[ -n "${timing[$1]:-}" ] || timing[$1]=$("$hbctl" timeouts -T "$1" --json)
	if [ "$2" = crash ]; then jq -r .bounds.failover_bound_ms <<<"${timing[$1]}"
	else jq -r .bounds.isolation_bound_ms <<<"${timing[$1]}"; fi
}
interval() {
	[ -n "${timing[$1]:-}" ] || timing[$1]=$("$hbctl" timeouts -T "$1" --json)
	jq -r '[.configured.heartbeat_interval_ms, .configured.statefile_interval_ms] | max' <<<"${timing[$1]}"
}
typical() {
	[ -n "${timing[$1]:-}" ] || timing[$1]=$("$hbctl" timeouts -T "$1" --json)
	jq -r .bounds.failover_typical_ms <<<"${timing[$1]}"
}

rows=()
echo "failover.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, hosts \"$hosts\", T \"$Ts\", faults \"$faults\", $runs run(s), $seeds model seed(s)"
for n in $hosts; do
	for T in $Ts; do
		for fault in $faults; do
			sc=$tmp/n$n-T$T-$fault.sc
			scenario "$n" "$T" "$fault" "$sc"
			victim=$((n - 1))
			: >"$tmp/measured" && : >"$tmp/model"
			interval=$(interval "$T")
			for ((s = 1; s <= seeds; s++)); do
				scenario "$n" "$T" "$fault" "$tmp/model.sc" $((30000 + (s - 1) * interval / seeds))
				"$hbsim" --scenario "$tmp/model.sc" --seed "$s" --trace 2>/dev/null |
					sed -n "s/.*failover of $victim done in \([0-9]*\) ms.*/\1/p" | head -1 |
					awk '{ printf "%.3f\n", $1 / 1000 }' >>"$tmp/model"
			done
			for ((r = 1; r <= runs; r++)); do
				log=$tmp/n$n-T$T-$fault-$r.log
				run_child "$log" python3 "$hbpool" --build "$build" --scenario "$sc" --scale 1
				rc=$?
				ms=$(sed -n "s/.*failover: host(s) $victim left every survivor's liveset \([0-9]*\) ms after.*/\1/p" "$log" | head -1)
				if grep -q "NOT MET: expect 25s liveset" "$log"; then
					echo "  N=$n T=$T $fault run $r: the pool had not formed by 25 s: left out ($(tail -1 "$log"))"
				elif [ -z "$ms" ]; then
					echo "  N=$n T=$T $fault run $r: no failover measured, hbpool exit $rc: $(tail -1 "$log")"
					grep -E "NOT MET|VIOLATION|refused|Error|error" "$log" | head -5 | sed 's/^/    /'
				else
					echo "  N=$n T=$T $fault run $r: $(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }') s (hbpool exit $rc)"
					awk -v m="$ms" 'BEGIN { printf "%.3f\n", m / 1000 }' >>"$tmp/measured"
				fi
				if [ "$rc" -ne 0 ] && [ -n "$ms" ]; then
					grep -E "NOT MET|VIOLATION" "$log" | head -5 | sed 's/^/    /'
				fi
			done
			read -r k mn md mx < <(stats <"$tmp/measured")
			read -r _ smn _ smx < <(stats <"$tmp/model")
			b=$(bound "$T" "$fault")
			if [ "$fault" = crash ]; then target=$((T + 8)) printed=$(awk -v b="$b" 'BEGIN { printf "%.3f", b / 1000 }')
			else target=$((T + 10)) printed=$(awk -v b="$b" -v t="$(typical "$T")" 'BEGIN { printf "%.3f (typ %.3f)", b / 1000, t / 1000 }'); fi
			verdict=$(awk -v m="$md" -v t="$target" 'BEGIN { if (m == "-") print "-"; else print (m <= t ? "met" : "not met") }')
			rows+=("$(printf '%-20s %4s  %8s %8s %8s  %7s-%-8s %-20s  %3d s %s' "N=$n T=$T $fault" "$k/$runs" \
				"$mn" "$md" "$mx" "$smn" "$smx" "$printed" "$target" "$verdict")")
		done
	done
done

cs_rows=()
if [ "$corosync" = 1 ]; then
	if ! command -v corosync >/dev/null || ! command -v corosync-cmapctl >/dev/null; then
		echo "corosync: not installable here, skipped"
	else
		echo "corosync: $(corosync -v | head -1)"
		for n in $hosts; do
			for tok in $tokens; do
				for fault in $faults; do
					log=$tmp/corosync-n$n-t$tok-$fault.log
					run_child "$log" python3 "$here/corosync_failover.py" --hosts "$n" --token "$tok" --fault "$fault" \
						--runs "$runs" --workdir "$tmp"
					sed 's/^/  /' "$log"
					read -r k mn md mx < <(sed -n 's/.*run [0-9]*: \([0-9.]*\) s$/\1/p' "$log" | stats)
					eff=$((tok + (n > 2 ? (n - 2) * 650 : 0)))
					cs_rows+=("$(printf '%-20s %4s  %8s %8s %8s  token %d ms (effective %d ms)' \
						"N=$n tok=$tok $fault" "$k/$runs" "$mn" "$md" "$mx" "$tok" "$eff")")
				done
			done
		done
	fi
fi

echo
echo "hbagent (hbpool, scale 1): seconds from the fault until every survivor's liveset lacks the host"
printf '%-20s %4s  %8s %8s %8s  %-16s %-20s  %s\n' case runs min median max "model min-max" "printed bound" "target (median)"
for r in "${rows[@]}"; do echo "$r"; done
if [ ${#cs_rows[@]} -gt 0 ]; then
	echo
	echo "corosync 3 (knet, votequorum): seconds from the fault until every other node's runtime.members drops it"
	printf '%-20s %4s  %8s %8s %8s\n' case runs min median max
	for r in "${cs_rows[@]}"; do echo "$r"; done
fi
