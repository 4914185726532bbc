#!/usr/bin/env bash
# test_forged_packets.sh HBAGENT HBCTL HBWATCHDOG_TEST CTL_CLIENT UDP_INJECT
#
# Forged heartbeats against a formed pool: three agents on 127.0.0.1-3 (T = 6,
# test watchdog backend), master 0. Then, into host 1, "from host 2" (its
# address and the pool port as source, through a raw socket), N packets of
# each kind with a harmful view (liveset = host 2 alone, FENCING flag, a lock
# request):
#   forge    MAC under a wrong key       -> dropped.net[0].dropped.bad_mac
#   stale    boot id 1                   -> dropped.core.stale_boot
#   replay   host 2's boot id, seq 1     -> dropped.core.replay
#   foreign  source port not the pool's  -> dropped.net[0].dropped.foreign_source
# Checks for each: host 1's counter for that reason grew by exactly N; host
# 1's phase, liveset and master are unchanged; it still hears host 2
# (heartbeat age < 2 s); nobody fenced.
# Needs root and raw sockets; exits 77 (skip) otherwise.
set -uo pipefail
source "$(dirname "$0")/../lib/lib.sh"
agent_args "$@"
agent_test .hbagent-forge 4243
N=20

for i in 0 1 2; do write_conf $i 127.0.0.1 127.0.0.2 127.0.0.3; done

need_raw_sockets forge

read_timing
form_pool

got=""
limit=$(($(now_ms) + 30000))
while [ "$(now_ms)" -lt "$limit" ]; do
	got=$(ctl 0 '{"cmd":"propose-master"}' | jq -r .result)
	[ "$got" = TRUE ] && break
	sleep 0.5
done
[ "$got" = TRUE ] && pass "propose-master on host 0: TRUE" || { fail "propose-master on host 0: '$got'"; exit 1; }
master_everywhere() { [ "$(field 0 .master)$(field 1 .master)$(field 2 .master)" = 000 ]; }
wait_for 15 master_everywhere && pass "every host names master 0" || { fail "hosts disagree on the master"; exit 1; }

view1() { field 1 '[.phase, .liveset, .master, .armed]'; }
before_view=$(view1)
boot2=$(field 2 .agent.boot_id)
[ "$(field 1 '.hosts[2].member_boot_id')" = "$boot2" ] || echo "note: host 1 has host 2's boot id as $(field 1 '.hosts[2].member_boot_id'), host 2 says $boot2"

# inject MODE JQ_COUNTER [BOOT SEQ]
inject_mode() {
	local mode=$1 path=$2; shift 2
	local b a k rc age v
	b=$(field 1 "$path // 0")
	for ((k = 0; k < N; k++)); do
		"$inject" "$tmp/conf.2" "$mode" 2 127.0.0.2 "$port" "$@" || { fail "$mode: udp_inject exit $?"; return; }
		sleep 0.05
	done
	sleep 1.5 # at least one heartbeat of host 2 since, and the counters settled
	a=$(field 1 "$path // 0")
	[ $((a - b)) -eq "$N" ] && pass "$mode: $path grew by $N ($b -> $a)" ||
		fail "$mode: $path went $b -> $a after $N packets: $(status 1 | jq -c .dropped)"
	v=$(view1)
	[ "$v" = "$before_view" ] && pass "$mode: host 1's phase, liveset, master unchanged $v" ||
		fail "$mode: host 1's view changed: $before_view -> $v"
	age=$(field 1 '.hosts[2].heartbeat_age_ms[0]')
	[ "$(field 1 '.hosts[2].liveness')" = '"live"' ] && [ -n "$age" ] && [ "$age" != null ] && [ "$age" -lt 2000 ] &&
		[ "$(field 1 '.hosts[2].member_boot_id')" = "$boot2" ] &&
		pass "$mode: host 1 still hears host 2 (age ${age} ms, same boot id)" ||
		fail "$mode: host 1's view of host 2: $(status 1 | jq -c '.hosts[2]')"
	for i in 0 1 2; do
		[ -s "$tmp/fence.$i.log" ] && fail "$mode: host $i fenced: $(cat "$tmp/fence.$i.log")"
	done
}

inject_mode forge '.dropped.net[0].dropped.bad_mac'
inject_mode stale '.dropped.core.stale_boot'
inject_mode replay '.dropped.core.replay' "$boot2" 1
inject_mode foreign '.dropped.net[0].dropped.foreign_source'

# the whole pool is still the same
for i in 0 2; do
	v=$(field $i '[.phase, .liveset, .master]')
	[ "$v" = '["online",[0,1,2],0]' ] && pass "host $i unchanged: $v" || fail "host $i changed: $v"
done
for i in 0 1 2; do
	[ -s "$tmp/fence.$i.log" ] && fail "host $i was fenced: $(cat "$tmp/fence.$i.log")"
done
[ "$fails" -eq 0 ] && pass "nobody fenced"

finish
