#!/usr/bin/env bash
# test_control_socket.sh HBAGENT HBCTL HBWATCHDOG_TEST CTL_CLIENT
#
# The control socket under misbehaving clients (docs/control.md, section 1):
# a one-host pool with <ControlGroup>4242</ControlGroup>, then
# control_abuse.py: a silent client, 1 MiB without a newline, invalid JSON,
# unknown members, commands and versions, a non-root caller in and out of the
# control group, a client that never reads, a 17th control-group client while
# root still gets in (the slots kept for root), a 21st client; meanwhile another
# client asks for the status every 20 ms: every answer must come, none held
# by a misbehaving client (below 500 ms, half the idle cut-off; the latency
# figures are printed). Also checks the socket's mode and group, and that the agent still
# answers while disarmed. Root and python3 only (skips otherwise).
set -uo pipefail
here=$(dirname "$0")

source "$here/../lib/lib.sh"
agent_args "$@"
need python3
agent_test .hbctl-socket-test 0
chmod 0755 "$tmp" # the uid-65534 client must reach the socket's directory

ctl_dir=$tmp/sock
mkconf --gen "$gen" --port "$port" --host "${uuid[0]}" 127.0.0.1 --timing "$timing_t6" --statefile "$tmp/statefile" \
	--backend test --fence-log "$tmp/fence.0.log" --ctl "$ctl_dir/ctl.0.sock" --local-xml '<ControlGroup>4242</ControlGroup>' \
	>"$tmp/conf.0"

"$hbctl" -c "$tmp/conf.0" statefile init >/dev/null || { fail "statefile init"; exit 1; }
start_agent 0
if wait_for 30 online 0 '[0]'; then
	pass "a one-host pool is online"
else
	fail "the one-host pool did not come online"
	exit 1
fi

mode=$(stat -c '%a %g' "$tmp/sock/ctl.0.sock")
dmode=$(stat -c '%a %g' "$tmp/sock")
[ "$mode" = "660 4242" ] && [ "$dmode" = "750 4242" ] &&
	pass "socket mode 0660 group 4242, directory 0750 (ControlGroup)" ||
	fail "socket mode/group '$mode', directory '$dmode'"

python3 "$here/control_abuse.py" "$tmp/sock/ctl.0.sock"
rc=$?
fails=$((fails + rc))

[ "$(field 0 .phase)" = '"online"' ] && kill -0 "${pids[0]}" 2>/dev/null &&
	pass "the agent is still online after the abuse" || fail "the agent did not survive the abuse"

# disarmed: still answering, and saying so
r=$(ctl 0 '{"v":1,"cmd":"disarm"}' | jq -r .result)
w=$(field 0 '[.armed, .protected, (.warnings | index("fencing_disarmed") != null)]')
[ "$r" = disarmed ] && [ "$w" = '[false,false,true]' ] &&
	pass "disarmed: still answering, not protected, warning fencing_disarmed" || fail "disarm: '$r', $w"
grep -q "control: disarm by uid 0 pid [0-9]*: done" "$tmp/agent.0.log" &&
	pass "the disarm is in the log with the caller's uid and pid" || fail "no audit line for the disarm"
grep -q "control: disarm by uid 65534 pid [0-9]*: permission denied" "$tmp/agent.0.log" &&
	pass "the refused non-root disarm is in the log too" || fail "no audit line for the refused disarm"

r=$(ctl 0 '{"v":1,"cmd":"shutdown"}' | jq -r .result)
wait "${pids[0]}"
rc=$?
[ "$r" = stopping ] && [ $rc -eq 0 ] && pass "clean shutdown: exit 0" || fail "shutdown: '$r', exit $rc"
[ ! -e "$tmp/sock/ctl.0.sock" ] && pass "the socket is removed at exit" || fail "the socket is left behind"

finish
