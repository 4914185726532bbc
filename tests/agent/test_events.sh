#!/usr/bin/env bash
# test_events.sh HBAGENT HBCTL HBWATCHDOG_TEST CTL_CLIENT
#
# The event history (docs/control.md "events", docs/operations.md "What
# happened") on three agents on 127.0.0.1-3, as test_three_agents.sh runs
# them. Checks:
#   - `hbctl events` lists the pool forming: every host joined, host 2 granted
#     the master lock;
#   - a follow client (`hbctl events --follow --json`) started on host 0
#     before the fault receives host 2's "left" event live, with why
#     (heartbeat silent, slot not advancing) and when it was last heard;
#   - SIGKILL of host 2 (a crash): `hbctl events --last-failover` on host 0
#     shows host 2 left, and released the master lock, within the failover
#     bound the agent prints, timed from when host 2 was last heard; the log
#     line "left the liveset" carries the reason too;
#   - `hbctl status --watch` on host 1 prints the status again on the event;
#   - a clean shutdown of host 0 ends its follow client with exit 14 and a
#     message, and host 1 records that host 0 left cleanly.
# Needs root (binds 127.0.0.x, /run); exits 77 (skip) otherwise.
set -uo pipefail
source "$(dirname "$0")/../lib/lib.sh"
agent_args "$@"
agent_test .hbagent-events 7

for i in 0 1 2; do write_conf $i 127.0.0.1 127.0.0.2 127.0.0.3; done
read_timing
form_pool "pool formed: 3 agents online, liveset 0,1,2, armed"
hbctl_on() { local i=$1; shift; "$hbctl" -c "$tmp/conf.$i" "$@"; }

# --- host 2 takes the master lock -------------------------------------------
got=""
limit=$(($(now_ms) + 30000))
while [ "$(now_ms)" -lt "$limit" ]; do
	got=$(ctl 2 '{"cmd":"propose-master"}' | jq -r .result)
	[ "$got" = TRUE ] || [ "$got" = FALSE ] && break
	sleep 0.5
done
[ "$got" = TRUE ] || die "propose-master on host 2: '$got'"
master_on_0() { [ "$(field 0 .master)" = 2 ]; }
wait_for 15 master_on_0 || die "host 0 does not name master 2"

# --- the history so far -------------------------------------------------------
hist=$(hbctl_on 0 events --json) || die "hbctl events --json on host 0 failed"
for h in 0 1 2; do
	[ "$(jq "[.events[] | select(.event == \"joined\" and .host == $h)] | length" <<<"$hist")" -ge 1 ] ||
		fail "host 0's history has no joined event for host $h"
done
jq -e '[.events[] | select(.event == "master-granted" and .host == 2)] | length >= 1' <<<"$hist" >/dev/null &&
	pass "host 0's history: hosts 0, 1, 2 joined, host 2 granted the master lock" ||
	fail "host 0's history has no master-granted for host 2: $(jq -c '[.events[] | .event]' <<<"$hist")"
hbctl_on 0 events | grep -q "host 2 .*joined" && pass "hbctl events prints one line per event" ||
	fail "hbctl events (human): $(hbctl_on 0 events)"
next=$(jq .next_seq <<<"$hist")
n_since=$(hbctl_on 0 events --json --since $((next - 2)) | jq '.events | length')
[ "$n_since" -eq 1 ] && pass "--since N gives only the events after N" || fail "--since $((next - 2)): $n_since events"
hbctl_on 0 events -h | grep -q -- --last-failover && pass "hbctl events -h" || fail "hbctl events -h"

# --- a follow client on host 0, started before the fault --------------------
hbctl_on 0 events --follow --json >"$tmp/follow.0" 2>"$tmp/follow.0.err" &
follow_pid=$!
following() { grep -q '"event":"started"' "$tmp/follow.0"; }
wait_for 5 following || die "the follow client printed no history: $(cat "$tmp/follow.0.err")"
has_left() { grep '"event":"left"' "$tmp/follow.0" | grep -q '"host":2'; }
has_left && die "the follow client has a left event for host 2 before the fault"
# and a status watcher on host 1
hbctl_on 1 status --watch >"$tmp/watch.1" 2>"$tmp/watch.1.err" &
watch_pid=$!
watching() { grep -q "protected" "$tmp/watch.1"; }
wait_for 5 watching || fail "hbctl status --watch printed no status: $(cat "$tmp/watch.1" "$tmp/watch.1.err")"

# --- SIGKILL of host 2 ----------------------------------------------------------
kill_at=$(now_ms)
kill -KILL "${pids[2]}"
dropped() { online 0 '[0,1]' && online 1 '[0,1]'; }
wait_for $((failover / 1000 + 10)) dropped || die "hosts 0 and 1 never dropped host 2"
pass "hosts 0 and 1 dropped host 2 after $(($(now_ms) - kill_at)) ms"

# the follower got it live, before any query below
if wait_for 2 has_left; then
	line=$(grep '"event":"left"' "$tmp/follow.0" | grep '"host":2' | tail -n1)
	jq -e '.last_heard_mono_ms != null and (.reason | test("heartbeat silent"))' <<<"$line" >/dev/null &&
		pass "the follow client received host 2's left event live: $(jq -r .reason <<<"$line")" ||
		fail "the follow client's left event lacks the reason or the last-heard time: $line"
else
	fail "the follow client never received host 2's left event: $(cat "$tmp/follow.0" "$tmp/follow.0.err")"
fi
grep -q "host 2 ([0-9a-f-]*) left the liveset: heartbeat silent" "$tmp/agent.0.log" &&
	pass "host 0's log says why host 2 left" || fail "host 0's log line has no reason: $(grep 'left the liveset' "$tmp/agent.0.log")"

if grep -q -- "--- .* left host 2" "$tmp/watch.1" && [ "$(grep -c protected "$tmp/watch.1")" -ge 2 ]; then
	pass "hbctl status --watch on host 1 printed the status again when host 2 left"
else
	fail "hbctl status --watch: $(cat "$tmp/watch.1" "$tmp/watch.1.err")"
fi
kill "$watch_pid" 2>/dev/null
wait "$watch_pid" 2>/dev/null

# --- the last failover ------------------------------------------------------------
out=$(hbctl_on 0 events --last-failover) || fail "hbctl events --last-failover exited $?"
echo "$out"
echo "$out" | grep -q "^last failover: host 2 " && pass "--last-failover names host 2" || fail "--last-failover: $out"
bound_s=$(awk -v b="$failover" 'BEGIN { printf "%.3f", b / 1000 }')
echo "$out" | grep -E "host 2 +left .*within bound $bound_s s" >/dev/null &&
	pass "host 2 left within the failover bound $bound_s s (timed from when it was last heard)" ||
	fail "--last-failover: no 'left ... within bound $bound_s s' line"
echo "$out" | grep -E "host 2 +master-released .*within bound" >/dev/null &&
	pass "the master lock of host 2 was released within the bound" || fail "--last-failover: no master-released step"
fj=$(hbctl_on 0 events --last-failover --json)
if jq -e --argjson b "$failover" '.failover.host == 2 and .failover.within_bounds and .failover.failover_bound_ms == $b
	and ([.failover.steps[] | select(.event.event == "left" and .event.host == 2 and .since_fault_ms <= $b
	and .since_fault_ms > 0)] | length == 1)' <<<"$fj" >/dev/null; then
	pass "--last-failover --json: left after $(jq '.failover.steps[] | select(.event.event == "left") | .since_fault_ms' <<<"$fj") ms from the fault (bound $failover ms)"
else
	fail "--last-failover --json: $fj"
fi
# host 1 saw the same failover
hbctl_on 1 events --last-failover | grep -qE "host 2 +left .*within bound" && pass "host 1 shows the same failover" ||
	fail "host 1's --last-failover: $(hbctl_on 1 events --last-failover)"

# --- the follower ends when the agent goes away ------------------------------------
got=$(ctl 0 '{"cmd":"shutdown"}' | jq -r .result)
[ "$got" = stopping ] || fail "shutdown of host 0: '$got'"
wait "${pids[0]}"
limit=$(($(now_ms) + 5000))
while kill -0 "$follow_pid" 2>/dev/null && [ "$(now_ms)" -lt "$limit" ]; do sleep 0.1; done
if kill -0 "$follow_pid" 2>/dev/null; then
	fail "the follow client still runs after its agent stopped"
	kill "$follow_pid"
else
	wait "$follow_pid"
	rc=$?
	[ $rc -eq 14 ] && grep -q "closed the event stream" "$tmp/follow.0.err" &&
		pass "the follow client exits 14 when the agent goes away: $(cat "$tmp/follow.0.err")" ||
		fail "the follow client exited $rc: $(cat "$tmp/follow.0.err")"
fi
left_clean() {
	hbctl_on 1 events --json | jq -e '[.events[] | select(.event == "left" and .host == 0 and
		(.reason | test("left cleanly")))] | length == 1' >/dev/null
}
wait_for 10 left_clean && pass "host 1: host 0 left cleanly (its clean stop seen)" ||
	fail "host 1 has no 'left cleanly' event for host 0: $(hbctl_on 1 events | grep 'host 0 ')"
grep -q '"event":"phase".*"what":"stopped"\|"what":"stopped".*"event":"phase"' "$tmp/follow.0" &&
	pass "the follow client saw host 0 stop" || echo "note: the follow client did not see the stopped phase"

finish
