#!/usr/bin/env bash
# test_isolation.sh HBAGENT HBCTL HBWATCHDOG_TEST CTL_CLIENT
#
# hbagent's own fence path, end to end: three agents, each in a network
# namespace of its own, joined by veth pairs to a bridge in a fourth
# ("switch") namespace, sharing a statefile (a regular file in /var/tmp).
# Timing: xapi's for T = 6, W = 3 s; watchdog backend test. Checks:
#   - the pool forms (3 online, liveset 0,1,2, armed);
#   - host 2's link is cut: host 2 decides it lost (survival rule 1), fences
#     itself through the agent (the fence log names lost_partition, not
#     watchdog-expired), hosts 0 and 1 drop it within the isolation bound and
#     are never fenced; they say why it left (its last words: lost_partition)
#     in their log and their event history;
#   - host 2's last words are in its statefile slot (hbctl statefile dump)
#     with a wall-clock time;
#   - with the link back, host 2 restarts, logs its previous incarnation's
#     last words, reports them in its status and joins again.
# Needs root and network namespaces; exits 77 (skip) otherwise.
set -uo pipefail
source "$(dirname "$0")/../lib/lib.sh"
agent_args "$@"
need_root
need jq
ns=hbt$$
if ! ip netns add "${ns}sw" 2>/dev/null; then
	echo "SKIP: cannot create network namespaces"
	exit 77
fi

agent_test .hbagent-iso
port=694
at_exit 'for n in h0 h1 h2 sw; do ip netns del "$ns$n" 2>/dev/null; done'

# --- the network: h0, h1, h2 -- veth -- br0 in the switch namespace --------
setup_net() {
	ip -n "${ns}sw" link add br0 type bridge || return 1
	ip -n "${ns}sw" link set br0 up || return 1
	for i in 0 1 2; do
		ip netns add "${ns}h$i" &&
			ip -n "${ns}sw" link add "s$i" type veth peer name e0 netns "${ns}h$i" &&
			ip -n "${ns}sw" link set "s$i" master br0 up &&
			ip -n "${ns}h$i" link set lo up &&
			ip -n "${ns}h$i" addr add "10.199.0.$((i + 1))/24" dev e0 &&
			ip -n "${ns}h$i" link set e0 up || return 1
	done
}
if ! setup_net; then
	echo "SKIP: cannot build the veth/bridge network"
	exit 77
fi

start_agent() { # INDEX
	ip netns exec "${ns}h$1" env HB_WATCHDOG_TEST_HELPER="$helper" "$hbagent" -c "$tmp/conf.$1" \
		-l "$tmp/lock.$1" --no-syslog ${HBAGENT_ARGS:-} >>"$tmp/agent.$1.log" 2>&1 &
	pids[$1]=$!
}

for i in 0 1 2; do write_conf $i 10.199.0.1 10.199.0.2 10.199.0.3; done
read_timing
isolation=$(jq -r .bounds.isolation_bound_ms <<<"$tj")
fence_bound=$(jq -r .derived.fence_bound_ms <<<"$tj")
test_start=$(now_ms)

# --- the pool forms --------------------------------------------------------
form_pool "pool formed across namespaces"

# --- host 2 isolated -------------------------------------------------------
cut_at=$(now_ms)
ip -n "${ns}sw" link set s2 down
if wait_for $((isolation / 1000 + 5)) fence_time 2; then
	line=$(head -n1 "$tmp/fence.2.log")
	dt=$(($(fence_time 2) - cut_at))
	case $line in
	*"fence lost_partition"*) pass "isolated host 2 fenced itself (lost_partition) after ${dt} ms" ;;
	*) fail "isolated host 2 was fenced, but not by the agent: $line" ;;
	esac
	grep -q "FENCING this host now (lost_partition)" "$tmp/agent.2.log" &&
		pass "host 2 logged its fence and reason" || fail "host 2 did not log its fence"
else
	fail "isolated host 2 was never fenced"
fi
dropped() { online 0 '[0,1]' && online 1 '[0,1]'; }
if wait_for $((isolation / 1000 + 5)) dropped; then
	dt=$(($(now_ms) - cut_at))
	[ "$dt" -le "$isolation" ] && pass "hosts 0 and 1 dropped host 2 after ${dt} ms (isolation bound ${isolation} ms)" ||
		fail "hosts 0 and 1 dropped host 2 after ${dt} ms (> isolation bound ${isolation} ms)"
else
	fail "hosts 0 and 1 never dropped host 2"
fi
[ -s "$tmp/fence.0.log" ] || [ -s "$tmp/fence.1.log" ] && fail "a survivor was fenced" || pass "survivors never fenced"
# the survivors say why host 2 left: its last words, read in its slot
grep -q "host 2 ([0-9a-f-]*) left the liveset: fenced itself (lost_partition): outside the best partition" \
	"$tmp/agent.0.log" && pass "host 0's log: host 2 left the liveset, fenced itself (lost_partition)" ||
	fail "host 0's log does not say why host 2 left: $(grep 'left the liveset' "$tmp/agent.0.log")"
ctl 1 '{"cmd":"events"}' | jq -e '[.result.events[] | select(.event == "left" and .host == 2 and
	(.reason | startswith("fenced itself (lost_partition)")))] | length == 1' >/dev/null &&
	pass "host 1's event history: host 2 left, fenced itself (lost_partition)" ||
	fail "host 1's events: $(ctl 1 '{"cmd":"events"}' | jq -c '[.result.events[] | select(.event == "left")]')"

# --- last words in the statefile ------------------------------------------
words=$("$hbctl" -c "$tmp/conf.0" statefile dump --json | jq -c '.slots[2].last_words')
reason=$(jq -r .reason <<<"$words" 2>/dev/null)
at=$(jq -r .realtime_ms <<<"$words" 2>/dev/null)
if [ "$reason" = lost_partition ] && [ "$at" -ge "$test_start" ] 2>/dev/null && [ "$at" -le "$(now_ms)" ]; then
	pass "host 2's last words in its slot: $(jq -r .text <<<"$words")"
else
	fail "host 2's last words are missing or wrong: $words"
fi

# --- host 2 comes back -----------------------------------------------------
ip -n "${ns}sw" link set s2 up
start_agent 2
if wait_for $((fence_bound / 1000 + join)) all_online; then
	pass "host 2 rejoined"
else
	fail "host 2 did not rejoin: $(status 2 | jq -c '{phase,liveset}')"
fi
remember_helper 2 3
grep -q "an earlier incarnation (boot id [0-9]*) fenced itself at .*: lost_partition" "$tmp/agent.2.log" &&
	pass "host 2 logged its previous incarnation's last words" || fail "host 2 did not log its last words"
[ "$(field 2 .previous_last_words.reason)" = '"lost_partition"' ] &&
	pass "status reports the previous last words" || fail "status lacks the previous last words"

finish
