#!/usr/bin/env bash
# test_three_agents.sh HBAGENT HBCTL HBWATCHDOG_TEST CTL_CLIENT
#
# hbagent end to end on one machine: three agents on 127.0.0.1, .2 and .3
# (one UDP port, distinct lock files, control sockets and fence logs), the
# test watchdog backend, a shared statefile (a regular file in /var/tmp made
# by `hbctl statefile init`) and xapi's timing for T = 6 scaled down
# (W = 3 s). Checks:
#   - usage errors exit 1, a watchdog that cannot be armed exits 4, a second
#     agent for the same host exits 15;
#   - the pool forms: all three report phase online, liveset 0,1,2, armed;
#   - propose-master on host 0 answers TRUE, every host then names master 0;
#   - host 0 publishes its state to a stand-in xenstored, host 1 (without
#     one) says once that it does not publish; host 1 sends READY=1 and
#     STATUS= to a stand-in systemd notification socket (needs python3);
#   - SIGKILL of host 2: its test watchdog fires within W + 1 s (a line in its
#     fence log) and hosts 0 and 1 drop it within the failover bound;
#   - host 2 restarts: it waits for its watchdog guard (the fence bound),
#     joins, then stops cleanly (shutdown command): exit 0, dropped at once,
#     never fenced;
#   - SIGSTOP of host 1 for longer than W: its watchdog fences it (SIGKILL),
#     and host 0 ends alone in its liveset, never fenced;
#   - SIGTERM of host 0: exit 0 without disarming (logged), its watchdog fires.
# Needs root (binds 127.0.0.x, /run); exits 77 (skip) otherwise.
set -uo pipefail
source "$(dirname "$0")/../lib/lib.sh"
agent_args "$@"
agent_test .hbagent-test 0

# Host 0 publishes to a stand-in xenstored when python3 is there.
xs_env=()
if command -v python3 >/dev/null; then
	python3 "$(dirname "$0")/fake_xenstored.py" "$tmp/xs.sock" "$tmp/xs.log" &
	pids[9]=$!
	disown
	xs_env=("XENSTORED_PATH=$tmp/xs.sock")
fi

# Host 1 is "started by systemd": its notifications go to a datagram socket.
notify_env=()
if command -v python3 >/dev/null; then
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
while True:
    open(sys.argv[2], "ab").write(s.recv(4096) + b"\n")' "$tmp/notify.sock" "$tmp/notify.log" &
	pids[8]=$!
	disown
	notify_env=("NOTIFY_SOCKET=$tmp/notify.sock")
fi

start_host() { # INDEX: host 0 with the xenstored, host 1 with systemd
	local agent_env=()
	[ "$1" = 0 ] && agent_env=("${xs_env[@]}")
	[ "$1" = 1 ] && agent_env=("${notify_env[@]}")
	start_agent "$1"
}

for i in 0 1 2; do write_conf $i 127.0.0.1 127.0.0.2 127.0.0.3; done

# --- the configuration is accepted and its bounds ---------------------------
read_timing
pass "timing accepted: W=${W} ms, failover bound ${failover} ms"
"$hbctl" -c "$tmp/conf.0" statefile init >/dev/null || { fail "statefile init"; exit 1; }

# --- usage -----------------------------------------------------------------
"$hbagent" --no-such-option >/dev/null 2>&1
[ $? -eq 1 ] && pass "unknown option exits 1" || fail "unknown option did not exit 1"
"$hbagent" --version | grep -q '^hbagent ' && pass "--version" || fail "--version"

# a watchdog that cannot be armed: refused before joining, exit 4
HB_WATCHDOG_TEST_HELPER=/bin/false "$hbagent" -c "$tmp/conf.0" -l "$tmp/lock.x" --no-syslog >"$tmp/nowd.log" 2>&1
rc=$?
[ $rc -eq 4 ] && grep -q "watchdog probe failed" "$tmp/nowd.log" && pass "a watchdog that cannot be armed: exit 4" ||
	fail "a watchdog that cannot be armed: exit $rc: $(cat "$tmp/nowd.log")"

# --- the pool forms --------------------------------------------------------
for i in 0 1 2; do start_host $i; done
t0=$(now_ms)
if wait_for "$join" all_online; then
	pass "pool formed: 3 agents online, liveset 0,1,2, armed ($(($(now_ms) - t0)) ms)"
else
	fail "pool did not form within ${join} s"
	for i in 0 1 2; do status $i | jq -c '{phase,liveset,armed,sf_access}'; done
	exit 1
fi
for i in 0 1 2; do remember_helper $i $i; done

# a second agent for the same host is refused: exit 15
HB_WATCHDOG_TEST_HELPER=$helper "$hbagent" -c "$tmp/conf.0" -l "$tmp/lock.0" --no-syslog >"$tmp/dup.log" 2>&1
rc=$?
[ $rc -eq 15 ] && pass "a second agent for host 0 exits 15" || fail "a second agent for host 0 exited $rc"

# --- master ----------------------------------------------------------------
got=""
limit=$(($(now_ms) + 30000))
while [ "$(now_ms)" -lt "$limit" ]; do
	got=$(ctl 0 '{"cmd":"propose-master"}' | jq -r .result)
	[ "$got" = TRUE ] || [ "$got" = FALSE ] && break
	sleep 0.5
done
[ "$got" = TRUE ] && pass "propose-master on host 0: TRUE" || fail "propose-master on host 0: '$got'"
master_everywhere() { [ "$(field 0 .master)$(field 1 .master)$(field 2 .master)" = 000 ]; }
wait_for 15 master_everywhere && pass "every host names master 0" || fail "hosts disagree on the master"
got=$(ctl 1 '{"cmd":"propose-master"}' | jq -r .result)
[ "$got" != TRUE ] && pass "propose-master on host 1 while 0 holds: $got" || fail "two masters"

# --- xenstore (host 0) ------------------------------------------------------
xs_has() { grep -qxF "/local/domain/0/hbagent/$1" "$tmp/xs.log" 2>/dev/null; }
if [ ${#xs_env[@]} -gt 0 ]; then
	if wait_for 5 xs_has "master=${uuid[0]}" && xs_has "phase=online" && xs_has "armed=1" &&
		xs_has "liveset=${uuid[0]} ${uuid[1]} ${uuid[2]}"; then
		pass "host 0 published phase, liveset, master and armed in xenstore"
	else
		fail "xenstore keys missing: $(cat "$tmp/xs.log" 2>/dev/null)"
	fi
else
	echo "skip: no python3 for the stand-in xenstored"
fi
if [ ${#notify_env[@]} -gt 0 ]; then
	grep -qx "READY=1" "$tmp/notify.log" && grep -q "^STATUS=online, liveset {0,1,2}" "$tmp/notify.log" &&
		pass "host 1 told systemd READY=1 and its status" || fail "systemd notifications: $(cat "$tmp/notify.log")"
fi
grep -q "xenstore: cannot connect" "$tmp/agent.1.log" && [ "$(grep -c xenstore "$tmp/agent.1.log")" -eq 1 ] &&
	pass "host 1 without xenstored said once that it is not publishing" || fail "host 1's xenstore message"

# --- SIGKILL of host 2 -----------------------------------------------------
kill_at=$(now_ms)
kill -KILL "${pids[2]}"
if wait_for 10 fence_time 2; then
	dt=$(($(fence_time 2) - kill_at))
	[ "$dt" -le $((W + 1000)) ] && pass "SIGKILL host 2: its watchdog fired after ${dt} ms (<= W + 1 s)" ||
		fail "SIGKILL host 2: its watchdog fired after ${dt} ms (> W + 1 s)"
else
	fail "SIGKILL host 2: its watchdog never fired"
fi
dropped() { online 0 '[0,1]' && online 1 '[0,1]'; }
if wait_for $((failover / 1000 + 10)) dropped; then
	dt=$(($(now_ms) - kill_at))
	[ "$dt" -le "$failover" ] && pass "hosts 0 and 1 dropped host 2 after ${dt} ms (failover bound ${failover} ms)" ||
		fail "hosts 0 and 1 dropped host 2 after ${dt} ms (> failover bound ${failover} ms)"
else
	fail "hosts 0 and 1 never dropped host 2"
fi
[ ${#xs_env[@]} -eq 0 ] || { wait_for 5 xs_has "liveset=${uuid[0]} ${uuid[1]}" &&
	pass "xenstore liveset updated" || fail "xenstore liveset not updated"; }

# --- host 2 comes back: the guard wait, a join, then a clean shutdown -------
start_at=$(now_ms)
start_host 2
if wait_for $((failover / 1000 + join)) all_online; then
	pass "host 2 restarted and joined after $(($(now_ms) - start_at)) ms"
else
	fail "host 2 did not rejoin: $(status 2 | jq -c '{phase,liveset}')"
fi
grep -q "stopped without disarming its watchdog" "$tmp/agent.2.log" &&
	pass "host 2 waited for its watchdog guard before arming" || fail "host 2 did not wait for its guard"
remember_helper 2 3
got=$(ctl 2 '{"cmd":"shutdown"}' | jq -r .result)
wait "${pids[2]}"
rc=$?
[ "$got" = stopping ] && [ $rc -eq 0 ] && pass "shutdown of host 2: exit 0" || fail "shutdown of host 2: '$got', exit $rc"
stop_at=$(now_ms)
if wait_for 10 dropped; then
	pass "hosts 0 and 1 dropped the cleanly stopped host 2 after $(($(now_ms) - stop_at)) ms"
else
	fail "hosts 0 and 1 kept the cleanly stopped host 2"
fi
sleep $((W / 1000 + 1))
[ "$(wc -l <"$tmp/fence.2.log")" -eq 1 ] && pass "no fence after the clean shutdown" ||
	fail "host 2 was fenced after a clean shutdown: $(cat "$tmp/fence.2.log")"

# --- SIGSTOP of host 1 -----------------------------------------------------
stop_at=$(now_ms)
kill -STOP "${pids[1]}"
if wait_for $((W / 1000 + 5)) fence_time 1; then
	dt=$(($(fence_time 1) - stop_at))
	[ "$dt" -le $((W + 1000)) ] && pass "SIGSTOP host 1: its watchdog fired after ${dt} ms" ||
		fail "SIGSTOP host 1: its watchdog fired after ${dt} ms (> W + 1 s)"
else
	fail "SIGSTOP host 1: its watchdog never fired"
fi
kill -CONT "${pids[1]}" 2>/dev/null
sleep 0.5
kill -0 "${pids[1]}" 2>/dev/null && fail "host 1 still runs after its fence" || pass "host 1 is gone"
if wait_for $((failover / 1000 + 10)) online 0 '[0]'; then
	pass "host 0 dropped host 1 after $(($(now_ms) - stop_at)) ms and runs alone"
else
	fail "host 0 did not end alone: $(status 0 | jq -c '{phase,liveset}')"
fi
[ -s "$tmp/fence.0.log" ] && fail "host 0 was fenced: $(cat "$tmp/fence.0.log")" || pass "host 0 never fenced"

# --- SIGTERM stops without disarming ---------------------------------------
kill -TERM "${pids[0]}"
wait "${pids[0]}"
rc=$?
grep -q "stopping while armed: the watchdog will fence this host" "$tmp/agent.0.log" &&
	pass "SIGTERM: exit $rc, logged that the watchdog will fence" || fail "SIGTERM: no warning in the log"
wait_for $((W / 1000 + 3)) fence_time 0 && pass "host 0's watchdog fired after SIGTERM (not disarmed)" ||
	fail "host 0's watchdog did not fire after SIGTERM"

finish
