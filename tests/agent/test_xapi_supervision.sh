#!/usr/bin/env bash
# test_xapi_supervision.sh HBAGENT HBCTL HBWATCHDOG_TEST CTL_CLIENT
#
# xapi supervision (docs/operations.md, "xapi supervision") on a one-host
# pool with the test watchdog backend, a fake health check and a fake
# restart command that the test steers through files:
#   - configuration errors name the element and exit 7 before anything runs;
#   - without xapi (the default health check is absent) supervision is off,
#     and the log, `hbctl status` (text and JSON) and the liveset XML say so;
#   - a health check that passes gives Xapi_healthcheck_latency >= 0 (the
#     agent started with SIGCHLD ignored, when python3 is there); when it
#     fails, xapi is restarted once (the liveset XML shows the failure in
#     xapi_error_string and time_since_xapi_restart_first_attempted >= 0
#     while the restart runs), the check passes again and nobody fences;
#   - a health check that hangs is killed at XapiHealthCheckTimeout (the
#     agent keeps answering meanwhile); xapi is restarted XapiRestartAttempts
#     (2) times, then the host fences with reason xapi_failed in its fence
#     log and its last words.
# Needs root and jq; exits 77 (skip) otherwise.
set -uo pipefail
source "$(dirname "$0")/../lib/lib.sh"
agent_args "$@"
agent_test .hbagent-xapi-test 0

# The fake health check: passes while $tmp/healthy exists, hangs while
# $tmp/hang exists, else prints a message and exits 1. Every run is counted.
cat >"$tmp/hc" <<SH
#!/bin/sh
echo run >>"$tmp/hc.runs"
[ -e "$tmp/healthy" ] && exit 0
[ -e "$tmp/hang" ] && exec sleep 29
echo "xapi is not answering"
exit 1
SH
# The fake restart command: records its arguments, waits (at most 5 s)
# while $tmp/hold exists, and heals xapi when $tmp/heals exists.
cat >"$tmp/restart" <<SH
#!/bin/sh
echo "\$*" >>"$tmp/restart.runs"
n=0
while [ -e "$tmp/hold" ] && [ \$n -lt 50 ]; do sleep 0.1; n=\$((n + 1)); done
[ -e "$tmp/heals" ] && touch "$tmp/healthy"
exit 0
SH
chmod 755 "$tmp/hc" "$tmp/restart"

xparams="<XapiHealthCheckInterval>1</XapiHealthCheckInterval><XapiHealthCheckTimeout>2</XapiHealthCheckTimeout>
      <XapiRestartAttempts>2</XapiRestartAttempts><XapiRestartTimeout>8</XapiRestartTimeout>"
# conf NAME LOCALHOST_EXTRA [XAPI_PARAMETERS]: XAPI_PARAMETERS replace $xparams
conf() {
	mkconf --gen "$gen" --port "$port" --host "${uuid[0]}" 127.0.0.1 --timing "$timing_t6" --param "${3:-$xparams}" \
		--statefile "$tmp/statefile" --backend test --fence-log "$tmp/fence.0.log" --ctl "$tmp/ctl.0.sock" \
		--local-xml "$2" >"$tmp/$1"
}
fake="<XapiHealthCheck>$tmp/hc</XapiHealthCheck><XapiRestartCommand>$tmp/restart --xapi</XapiRestartCommand>"

start() { # start CONF [WRAPPER...]: one agent on host 0, online within 30 s
	local conf=$1; shift
	HB_WATCHDOG_TEST_HELPER=$helper "$@" "$hbagent" -c "$tmp/$conf" -l "$tmp/lock.0" --no-syslog ${HBAGENT_ARGS:-} \
		>>"$tmp/agent.0.log" 2>&1 &
	pids[0]=$!
	wait_for 30 online 0 '[0]'
}
stop() { # a clean shutdown
	ctl 0 '{"v":1,"cmd":"shutdown"}' >/dev/null
	wait "${pids[0]}"
}
xml() { "$hbctl" -c "$tmp/$1" liveset --xml 2>/dev/null; }
# xval XML ELEMENT: the first value of ELEMENT
xval() { grep -o "<$2>[^<]*</$2>" <<<"$1" | head -n1 | sed 's/<[^>]*>//g'; }
xapi() { field 0 ".xapi$1"; }
runs() { [ -e "$tmp/$1" ] && wc -l <"$tmp/$1" || echo 0; }

# --- configuration errors: exit 7, the element named ------------------------
bad() { # bad WHAT EXPECTED_MESSAGE LOCALHOST_EXTRA [XAPI_PARAMETERS]
	conf conf.bad "$3" "${4:-}"
	out=$("$hbagent" -c "$tmp/conf.bad" -l "$tmp/lock.bad" --no-syslog 2>&1)
	rc=$?
	if [ $rc -eq 7 ] && grep -qF -- "$2" <<<"$out"; then
		pass "$1: exit 7, \"$2\""
	else
		fail "$1: exit $rc, $(tail -n1 <<<"$out")"
	fi
}
bad "XapiSupervision on without the health check" "<XapiSupervision>on: the health check $tmp/none cannot be run: No such file or directory" \
	"<XapiSupervision>on</XapiSupervision><XapiHealthCheck>$tmp/none</XapiHealthCheck>"
bad "an unknown XapiSupervision" "<XapiSupervision>: expected auto, on or off, got \"yes\"" \
	"<XapiSupervision>yes</XapiSupervision>"
bad "a relative restart command" "<XapiRestartCommand>: \"systemctl\" is not an absolute path" \
	"<XapiRestartCommand>systemctl restart xapi</XapiRestartCommand>"
bad "shell quoting in the health check" "<XapiHealthCheck>: \"$tmp/hc 'a b'\": no shell quoting" \
	"<XapiHealthCheck>$tmp/hc 'a b'</XapiHealthCheck>"
bad "a 50 ms health-check interval" "<XapiHealthCheckInterval>: 50 ms is too short for xapi supervision" \
	"" "<XapiHealthCheckInterval>50ms</XapiHealthCheckInterval>"
[ -e "$tmp/lock.bad" ] && fail "a refused configuration got as far as the lock file" ||
	pass "a refused configuration stops before the lock file"

"$hbctl" -c "$tmp/conf.bad" statefile init >/dev/null || { fail "statefile init"; exit 1; }

# --- no xapi: supervision off, and it says so ------------------------------
conf conf.off "" # the default health check, /opt/xensource/libexec/xapi-health-check
if [ -e /opt/xensource/libexec/xapi-health-check ]; then
	echo "note: this machine has xapi's health check; forcing the off case with a missing path"
	conf conf.off "<XapiHealthCheck>$tmp/none</XapiHealthCheck>"
fi
if start conf.off; then
	pass "no xapi: the host is online"
else
	fail "no xapi: the host did not come online"
	exit 1
fi
[ "$(xapi .supervision)" = '"off"' ] && xapi .off_reason | grep -q "no xapi on this host" &&
	pass "status --json: supervision off, $(xapi .off_reason)" || fail "status --json: $(xapi '')"
"$hbctl" -c "$tmp/conf.off" status | grep -q "^xapi supervision: off: no xapi on this host" &&
	pass "hbctl status says supervision is off" || fail "hbctl status: $("$hbctl" -c "$tmp/conf.off" status | grep xapi)"
grep -q "xapi supervision off: no xapi on this host" "$tmp/agent.0.log" &&
	pass "the log says supervision is off" || fail "no log line for supervision off"
x=$(xml conf.off)
[ "$(xval "$x" Xapi_healthcheck_latency)" = -1 ] && [ "$(xval "$x" time_since_xapi_restart_first_attempted)" = -1 ] &&
	pass "liveset XML: Xapi_healthcheck_latency -1, time_since_xapi_restart_first_attempted -1" ||
	fail "liveset XML without xapi: $x"
stop

# --- a failing xapi that a restart heals: nobody fences ------------------------
conf conf.heal "$fake"
touch "$tmp/healthy"
# started with SIGCHLD ignored (inherited through exec), which would reap
# the children behind the agent's back: it must not matter
ignchld=()
command -v python3 >/dev/null && ignchld=(python3 -c 'import os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])')
start conf.heal "${ignchld[@]}" || { fail "with the fake health check: the host did not come online"; exit 1; }
grep -q "xapi supervision on: $tmp/hc every 1000 ms" "$tmp/agent.0.log" &&
	pass "the log says supervision is on" || fail "no log line for supervision on"
wait_for 10 eval '[ "$(xapi .checks)" -ge 2 ]' && pass "the health check runs every interval" ||
	fail "the health check did not run twice: $(xapi '')"
x=$(xml conf.heal)
lat=$(xval "$x" Xapi_healthcheck_latency)
[ "$lat" -ge 0 ] 2>/dev/null && [ "$(xval "$x" Xapi_healthcheck_latency_max)" -ge "$lat" ] &&
	pass "liveset XML: Xapi_healthcheck_latency $lat ms" || fail "liveset XML latency: $x"
"$hbctl" -c "$tmp/conf.heal" status | grep -q "^xapi supervision: idle, [0-9]* check(s), 0 failed, 0 restart(s)" &&
	pass "hbctl status shows the supervision" || fail "hbctl status: $("$hbctl" -c "$tmp/conf.heal" status | grep -A1 xapi)"

touch "$tmp/hold" "$tmp/heals"
rm -f "$tmp/healthy"
if wait_for 10 eval '[ "$(xapi .state)" = "\"restarting\"" ]'; then
	pass "a failed health check restarts xapi"
	x=$(xml conf.heal)
	since=$(xval "$x" time_since_xapi_restart_first_attempted)
	err=$(xval "$x" xapi_error_string)
	[ "$since" -ge 0 ] 2>/dev/null && [ "$err" = "exit 1: xapi is not answering" ] &&
		pass "liveset XML during the restart: time_since_xapi_restart_first_attempted $since, xapi_error_string \"$err\"" ||
		fail "liveset XML during the restart: $x"
else
	fail "no restart: $(xapi '')"
fi
rm -f "$tmp/hold"
wait_for 10 eval '[ "$(xapi .error)" = "\"\"" ] && [ "$(xapi .state)" = "\"idle\"" ] && [ -e "$tmp/healthy" ] && [ "$(xapi .time_since_xapi_restart_first_attempted)" = -1 ]' &&
	pass "the health check passes again after the restart" || fail "not healthy after the restart: $(xapi '')"
[ "$(runs restart.runs)" = 1 ] && [ "$(cat "$tmp/restart.runs")" = "--xapi" ] &&
	pass "the restart command ran once, with its arguments" || fail "restart runs: $(cat "$tmp/restart.runs" 2>&1)"
sleep 2
online 0 '[0]' && [ ! -s "$tmp/fence.0.log" ] && pass "nobody fenced" || fail "fenced or not online after a healed xapi"
stop
rc=$?
[ $rc -eq 0 ] && pass "clean stop" || fail "stop: exit $rc"

# --- a hung xapi that restarts do not heal: the host fences ------------------
rm -f "$tmp/heals" "$tmp/healthy" "$tmp/restart.runs"
conf conf.dead "$fake"
touch "$tmp/healthy"
start conf.dead || { fail "the host did not come online again"; exit 1; }
remember_helper 0 0
rm -f "$tmp/healthy"
touch "$tmp/hang"
if wait_for 10 eval '[ "$(xapi .state)" = "\"checking\"" ] && [ "$(xapi .running_for_ms)" -ge 1000 ]'; then
	# (that status answered with the check running at all shows the loop
	# does not wait for it; the time of one more answer is the margin)
	t0=$(now_ms)
	ctl 0 '{"v":1,"cmd":"status"}' >/dev/null
	dt=$(($(now_ms) - t0))
	[ "$dt" -lt 800 ] && pass "the agent answers in ${dt} ms while the health check hangs" ||
		fail "status took ${dt} ms while the health check hangs"
	w=$(field 0 '.warnings | index("xapi_healthcheck_approaching_timeout") != null')
	[ "$w" = true ] && pass "warning xapi_healthcheck_approaching_timeout while it hangs" || fail "no approaching warning"
else
	fail "the hanging health check was not seen running"
fi
if wait_for 30 test -s "$tmp/fence.0.log"; then
	pass "the host fenced: $(head -n1 "$tmp/fence.0.log")"
else
	fail "the host never fenced: $(xapi '')"
fi
grep -q "xapi_failed" "$tmp/fence.0.log" && pass "the fence log names xapi_failed" || fail "fence log: $(cat "$tmp/fence.0.log")"
[ "$(runs restart.runs)" = 2 ] && pass "xapi was restarted XapiRestartAttempts (2) times first" ||
	fail "restarts before the fence: $(runs restart.runs)"
grep -q "health check (pid [0-9]*) still runs after 2[0-9][0-9][0-9] ms: killing it" "$tmp/agent.0.log" &&
	pass "a hung health check is killed at XapiHealthCheckTimeout" || fail "no kill of the hung health check"
pgrep -f "sleep 29" >/dev/null && fail "the hung health check's children survived" || pass "no child of the health check is left"
grep -q "critical: xapi supervision: the xapi health check failed (timed out after 2000 ms) and xapi was already restarted 2 time(s)" "$tmp/agent.0.log" &&
	pass "the log announces why the host fences" || fail "no announcement in the log"
words=$("$hbctl" -c "$tmp/conf.dead" statefile dump --json | jq -c '.slots[0].last_words')
[ "$(jq -r .reason <<<"$words")" = xapi_failed ] && jq -r .text <<<"$words" | grep -q "restarted 2 time(s)" &&
	pass "last words: xapi_failed: $(jq -r .text <<<"$words")" || fail "last words: $words"

finish
