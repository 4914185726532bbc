#!/usr/bin/env bash
# footprint.sh BUILD [N...]: the footprint of hbagent, measured. For each pool
# size N (default 3 16 64) it starts N agents on 127.0.0.1..N (one UDP port,
# 1 s heartbeat and statefile intervals, the test watchdog backend, a shared
# statefile in a temporary file), waits until all are Online, then samples
# for DURATION seconds (default 60) and prints per agent: resident memory,
# CPU time per second, packets sent and received per second, statefile bytes
# per second, page faults (minor + major) in the sample window (the agent
# locks its memory: expect 0). RSS is VmRSS, the library pages it counts
# included (shared by all the agents of a machine). Budget at N = 64: RSS
# under 8 MiB, CPU under 1 % of a core; for N = 64 it prints a verdict line
# against that budget (the worst agent's RSS, the average and worst CPU)
# and agent 0's resident memory by kind. These are figures to read, not a
# pass/fail test: the exit status does not depend on them.
set -uo pipefail
build=${1:-build}
shift || true
sizes=("${@:-3 16 64}")
[ $# -eq 0 ] && read -r -a sizes <<<"3 16 64"
duration=${DURATION:-60}
hbagent="$build/agent/hbagent" hbctl="$build/agent/hbctl" client="$build/tests/agent/hbagent-ctl-client"
tick=$(getconf CLK_TCK)
# shellcheck source=../lib/lib.sh
source "$(dirname "$0")/../lib/lib.sh"
make_tmp .hbbench
pids=() helpers=()
at_exit kill_all
trap 'exit 130' INT TERM

# write_conf N I: host I's config in a pool of N
write_conf() {
	local n=$1 i=$2 h hosts=()
	for ((h = 0; h < n; h++)); do hosts+=(--host "$(uuid_of $h)" "127.0.0.$((h + 1))"); done
	mkconf --gen 5b1e0c3a-0000-4000-8000-00000000beef --port "$port" "${hosts[@]}" --timing 1,10,1,10,10,25,120,120,5 \
		--local "$(uuid_of "$i")" --statefile "$tmp/statefile" --backend test --fence-log "$tmp/fence.$i.log" \
		--ctl "$tmp/ctl.$i.sock" >"$tmp/conf.$i"
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
faults() { awk '{ print $10 + $12 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# counters I: "sent received statefile_bytes" of agent I so far
counters() {
	status "$1" | jq -r --argjson n "$2" '[([.dropped.net[]?.sent] | add // 0), ([.dropped.net[]?.received] | add // 0),
		((.statefile.read.completed // 0) * ($n + 1) * 4096 + (.statefile.write.completed // 0) * 4096)]
		| map(tostring) | join(" ")'
}

run_pool() {
	local n=$1 i up
	port=$((20000 + RANDOM % 20000))
	pids=()
	rm -f "$tmp"/*
	truncate -s $((4096 * (n + 1) + 1048576)) "$tmp/statefile"
	for ((i = 0; i < n; i++)); do write_conf "$n" "$i"; done
	"$hbctl" -c "$tmp/conf.0" statefile init >/dev/null || { echo "footprint: statefile init failed"; return 1; }
	for ((i = 0; i < n; i++)); do
		"$hbagent" -c "$tmp/conf.$i" --lock-file "$tmp/lock.$i" --no-realtime --no-syslog \
			>"$tmp/agent.$i.log" 2>&1 &
		pids[$i]=$!
		disown "${pids[$i]}"
	done
	for _ in $(seq 1 $((120 + n))); do
		up=0
		for ((i = 0; i < n; i++)); do
			[ "$(status "$i" | jq -r .phase 2>/dev/null)" = online ] && up=$((up + 1))
		done
		[ "$up" -eq "$n" ] && break
		sleep 1
	done
	if [ "$up" -ne "$n" ]; then
		echo "  N=$n: only $up of $n agents came Online; skipped"
		return 0
	fi
	local -a c0 s0 c1 s1 f0 f1
	# the status requests outside the CPU and fault window: it holds the
	# steady path alone (heartbeats, statefile, watchdog), no control client
	for ((i = 0; i < n; i++)); do s0[$i]=$(counters "$i" "$n"); done
	sleep 1 # the agents have closed those control connections
	for ((i = 0; i < n; i++)); do c0[$i]=$(cpu_ticks "${pids[$i]}") f0[$i]=$(faults "${pids[$i]}"); done
	sleep "$duration"
	for ((i = 0; i < n; i++)); do c1[$i]=$(cpu_ticks "${pids[$i]}") f1[$i]=$(faults "${pids[$i]}"); done
	for ((i = 0; i < n; i++)); do s1[$i]=$(counters "$i" "$n"); done
	local row
	row=$(for ((i = 0; i < n; i++)); do
		echo "$(rss_kib "${pids[$i]}") $((c1[i] - c0[i])) ${s0[$i]} ${s1[$i]} $((f1[i] - f0[i]))"
	done | awk -v n="$n" -v d="$duration" -v hz="$tick" '
		{ rss += $1; if ($1 > rssmax) rssmax = $1; cpu = $2 / hz / d * 100; cpus += cpu; if (cpu > cpumax) cpumax = cpu
		  tx += ($6 - $3) / d; rx += ($7 - $4) / d; sf += ($8 - $5) / d; fl += $9; if ($9 > flmax) flmax = $9 }
		END { printf "  %4d  %8.0f %8.0f  %7.2f %7.2f  %8.1f %8.1f  %10.0f  %6.1f %6d\n", n, rss / NR, rssmax,
		      cpus / NR, cpumax, tx / NR, rx / NR, sf / NR, fl / NR, flmax }')
	echo "$row"
	if [ "$n" -eq 64 ]; then
		awk '/^(RssAnon|RssFile|VmLck):/ { v[$1] = $2 } END {
			printf "        agent 0: anonymous %d KiB, file-backed (libraries, binary) %d KiB; VmLck %d KiB (locked once touched)\n",
			       v["RssAnon:"], v["RssFile:"], v["VmLck:"] }' "/proc/${pids[0]}/status" 2>/dev/null
		read -r _ rss_avg rss_max cpu_avg cpu_max _ <<<"$row"
		awk -v ra="$rss_avg" -v rm="$rss_max" -v ca="$cpu_avg" -v cm="$cpu_max" -v d="$duration" 'BEGIN {
			printf "  budget at N = 64 (RSS < 8192 KiB, CPU < 1 %% of a core): RSS %.0f KiB average, %.0f KiB max (%s); CPU %.2f %% average, %.2f %% max over %d s (%s)\n",
			       ra, rm, rm < 8192 ? "within" : "OVER", ca, cm, d, cm < 1 ? "within" : (ca < 1 ? "average within, max OVER" : "OVER") }'
	fi
	for ((i = 0; i < n; i++)); do kill -KILL "${pids[$i]}" 2>/dev/null; done
	for p in $(pgrep -f -- "$tmp/" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	pids=()
}

echo "hbagent footprint: 1 s intervals, ${duration} s samples, per agent (averages; max where shown)"
echo "     N   RSS KiB  max KiB   CPU %    max %   pkt/s tx pkt/s rx  statefile B/s  faults    max"
for n in "${sizes[@]}"; do run_pool "$n"; done
