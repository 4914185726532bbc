#!/usr/bin/env bash
# demo.sh BUILD: the main job of `make demo`. A real three-host pool on this
# machine: three hbagent processes on 127.0.0.1, .2 and .3 (one UDP port), a
# statefile in a temporary file, the test watchdog backend (its "reboot"
# kills the agent and writes a fence log). It prints the pool until all three
# are Online with one master, crashes the master (SIGKILL of its agent), and
# shows its watchdog fencing it, the survivors removing it only after its
# fence bound, the master moving, and the timeline. Everything it started is
# removed at the end, also when interrupted.
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
hbagent="$build/agent/hbagent" hbctl="$build/agent/hbctl"
helper="$build/agent/hbwatchdog-test" client="$build/tests/agent/hbagent-ctl-client"
# shellcheck source=../lib/lib.sh
. "$root/tests/lib/lib.sh"
make_tmp .hbagent-demo
port=$((20000 + RANDOM % 20000))
pids=() helpers=()
at_exit kill_all
trap 'exit 130' INT TERM

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
at() { awk -v d=$(($(now_ms) - t0)) -v m="$*" 'BEGIN { printf "%7.1fs  %s\n", d / 1000, m }'; }

# propose INDEX: xapi's propose-master to host INDEX, once a second until
# it answers TRUE (60 tries); $r, its last answer
propose() {
	for _ in $(seq 1 60); do
		r=$(ctl "$1" '{"cmd":"propose-master"}' | jq -r .result)
		[ "$r" = TRUE ] && break
		sleep 1
	done
}

table() {
	local i s phase live armed master sf
	printf '  %-5s %-9s %-9s %-6s %-7s %s\n' host phase liveset armed master statefile
	for i in 0 1 2; do
		if ! s=$(status "$i") || [ -z "$s" ]; then
			printf '  %-5s %s\n' "$i" "(down)"
			continue
		fi
		read -r phase live armed master sf < <(jq -r '[.phase, (.liveset | map(tostring) | join(",")),
			.armed, .master, .sf_access] | map(tostring) | join(" ")' <<<"$s")
		printf '  %-5s %-9s %-9s %-6s %-7s %s\n' "$i" "$phase" "$live" "$armed" "$master" "$sf"
	done
}

bold "A 3-host pool on 127.0.0.1-3, UDP port $port, HA timeout T = 6 s"
for i in 0 1 2; do write_conf "$i" 127.0.0.1 127.0.0.2 127.0.0.3; done
truncate -s 1M "$tmp/statefile"
"$hbctl" -c "$tmp/conf.0" statefile init >/dev/null || { echo "demo: statefile init failed"; exit 1; }
"$hbctl" -c "$tmp/conf.0" timeouts | sed -n '/^bounds/,/^$/p'

t0=$(now_ms)
for i in 0 1 2; do
	"$hbagent" -c "$tmp/conf.$i" --lock-file "$tmp/lock.$i" --no-realtime --no-syslog \
		>"$tmp/agent.$i.log" 2>&1 &
	pids[$i]=$!
	disown "${pids[$i]}" # a crash is the point of the demo: no job-control chatter
done
at "started three agents (pids ${pids[*]})"
for _ in $(seq 1 60); do
	all_online && break
	sleep 1
done
at "all three Online and armed"
table

bold "xapi asks host 0 to become master (propose-master)"
propose 0
at "host 0: propose-master -> $r"
sleep 2
table

bold "Host 0 (the master) crashes: SIGKILL of its agent"
for i in 0 1 2; do remember_helper "$i" "$i"; done
kill -KILL "${pids[0]}"
t_crash=$(now_ms)
at "host 0 crashed"
t_fence="" t_drop1="" t_drop2=""
for _ in $(seq 1 600); do
	now=$(now_ms)
	[ -z "$t_fence" ] && ft=$(fence_time 0) && { t_fence=$ft; at "host 0's watchdog fired: $(head -n1 "$tmp/fence.0.log" | cut -d' ' -f3-)"; }
	[ -z "$t_drop1" ] && online 1 '[1,2]' && { t_drop1=$now; at "host 1 removed host 0 from its liveset"; }
	[ -z "$t_drop2" ] && online 2 '[1,2]' && { t_drop2=$now; at "host 2 removed host 0 from its liveset"; }
	[ -n "$t_fence" ] && [ -n "$t_drop1" ] && [ -n "$t_drop2" ] && break
	sleep 0.1
done
table

bold "xapi on host 1 sees no live master and proposes itself"
propose 1
t_master=$(now_ms)
at "host 1: propose-master -> $r"
sleep 2
table

bold "Timeline (measured, from the crash)"
ms() { [ -n "$1" ] && printf '%6d ms' $(($1 - t_crash)) || printf '%9s' "never"; }
printf '  %s  host 0 fenced by its watchdog (watchdog timeout %s ms)\n' "$(ms "$t_fence")" \
	"$("$hbctl" -c "$tmp/conf.0" timeouts --json | jq .configured.watchdog_timeout_ms)"
printf '  %s  host 1 drops it (removal wait %s ms after its last sign of life)\n' "$(ms "$t_drop1")" \
	"$("$hbctl" -c "$tmp/conf.0" timeouts --json | jq .derived.removal_wait_ms)"
printf '  %s  host 2 drops it (failover bound %s ms)\n' "$(ms "$t_drop2")" \
	"$("$hbctl" -c "$tmp/conf.0" timeouts --json | jq .bounds.failover_bound_ms)"
printf '  %s  host 1 is the new master\n' "$(ms "$t_master")"
if [ -n "$t_fence" ] && [ -n "$t_drop1" ] && [ "$t_drop1" -lt "$t_fence" ]; then
	echo "demo: SAFETY VIOLATION: host 0 was removed before it was fenced"
	exit 1
fi
bold "Done: every agent and watchdog helper stopped, $tmp removed"
