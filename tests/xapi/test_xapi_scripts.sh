#!/usr/bin/env bash
# test_xapi_scripts.sh HBAGENT HBCTL HBWATCHDOG_TEST XAPI_DIR
#
# The xapi cluster stack (packaging/xapi, docs/control.md sections 3 and 4)
# driven as xapi drives it, each script with its directory on PATH, against a
# live pool of three agents on 127.0.0.1, .2 and .3 (tests/lib/lib.sh: the
# test watchdog backend, a statefile that is a regular file made by
# `hbctl statefile init`, control sockets in a private directory). Checks:
#   - refusals before any agent: not root 16, no config 6, an invalid config
#     7, a missing statefile 8 (the agent's own code), usage errors 1; an
#     agent that exits early gives its code (0 and signals become 2), one that
#     never answers is stopped at the bound: 12;
#   - no agent: ha_query_liveset, ha_propose_master, ha_disarm_fencing 14,
#     ha_stop_daemon 0;
#   - ha_start_daemon on all three returns 0 once Online; again: 15;
#   - ha_query_liveset is XML with every configured host in <host> and
#     <host_raw_data>, all live, equal to golden/liveset-online.xml with the
#     measured times masked;
#   - ha_propose_master: TRUE on host 0, FALSE on host 1;
#   - the plugin (with a stand-in XenAPIPlugin): status, liveset, liveset_xml,
#     timeouts, fence_log against the pool, HBAGENT_ERROR 14 without agent;
#   - ha_set_host_weight: the weight file, the agent's weight, the refusals;
#   - ha_set_pool_state init while running: 15;
#   - xapi's clean shutdown of host 2: ha_disarm_fencing, ha_stop_daemon,
#     ha_set_excluded through the statefile; never fenced; every host still
#     in the XML, host 2 not live; ha_clear_excluded, restart, rejoin;
#   - xapi's disable: ha_set_pool_state invalid, every agent exits 11;
#   - the statefile without agents: ha_set_pool_state active / init,
#     ha_set_excluded and ha_clear_excluded, 11 when the pool state is init.
# Needs root (binds 127.0.0.x), jq and xmllint; exits 77 (skip) otherwise.
set -uo pipefail
hbagent=${1:?hbagent} hbctl=${2:?hbctl} helper=${3:?hbwatchdog-test} xapi=${4:?packaging/xapi}
here=$(cd "$(dirname "$0")" && pwd)
scripts=$(cd "$xapi/cluster-stack" && pwd)
plugin=$(cd "$xapi/plugins" && pwd)/hbagent

# shellcheck source=../lib/lib.sh
source "$here/../lib/lib.sh"
need_root
for t in jq xmllint setpriv; do need $t; done

agent_test .hbagent-xapi-test 7919
nobody_dir=""
at_exit '[ -z "$nobody_dir" ] || rm -rf "$nobody_dir"'

# ha NAME SCRIPT ARGS...: run SCRIPT as xapi does (its directory on PATH) for
# the host whose config is $tmp/conf.NAME; stdout in $out, stderr in $err,
# exit code in $rc. The agent it starts logs to $tmp/agent.NAME.log and
# locks $tmp/lock.NAME.
ha() {
	local n=$1 s=$2
	shift 2
	out=$(env PATH="$scripts:$PATH" HBAGENT_CONF="$tmp/conf.$n" HBCTL="${HBCTL_UNDER_TEST:-$hbctl}" \
		HBAGENT="${HBAGENT_UNDER_TEST:-$hbagent}" HBAGENT_LOG="$tmp/agent.$n.log" \
		HBAGENT_ARGS="-l $tmp/lock.$n --no-syslog ${HBAGENT_ARGS:-}" HBAGENT_WEIGHT_FILE="$tmp/weight.$n" \
		HB_WATCHDOG_TEST_HELPER="$helper" "$s" "$@" 2>"$tmp/stderr.$n")
	rc=$?
	err=$(cat "$tmp/stderr.$n")
}
# expect WANT NAME SCRIPT ARGS...: ha, then pass or fail on the exit code
expect() { expect_rc ha "$@"; }
# st NAME JQ: one value of host NAME's status ("" when no agent answers)
st() { "$hbctl" -c "$tmp/conf.$1" --json status 2>/dev/null | jq -c "$2" 2>/dev/null; }
# agent_pid NAME: the pid in host NAME's lock file when it is a live hbagent
agent_pid() {
	local p
	read -r p <"$tmp/lock.$1" 2>/dev/null || return 1
	[ -n "$p" ] && grep -q '^hbagent' "/proc/$p/comm" 2>/dev/null && pid_running "$p" && echo "$p"
}
gone() { ! agent_pid "$1" >/dev/null; }
exited_with() { grep -q "exit $2 (" "$tmp/agent.$1.log" 2>/dev/null; }
# weight_is NAME HOST W: host NAME's status gives host HOST the weight W
weight_is() { [ "$(st "$1" ".hosts[$2].weight")" = "$3" ]; }
# excluded HOST: true or false, host HOST's excluded flag in the statefile
excluded() { "$hbctl" -c "$tmp/conf.0" --json statefile dump | jq -r ".slots[$1].flags | index(\"excluded\") != null"; }
# alive PID: PID runs (lib.sh's pid_running)
alive() { pid_running "$1"; }
fence_lines() { [ -f "$tmp/fence.$1.log" ] && wc -l <"$tmp/fence.$1.log" || echo 0; }

for i in 0 1 2; do write_conf $i 127.0.0.1 127.0.0.2 127.0.0.3; done
read_timing
"$hbctl" -c "$tmp/conf.0" statefile init >/dev/null || { fail "statefile init"; exit 1; }

# ============================================================================
# Refusals before any agent runs
# ============================================================================

# --- not root: 16, from every script ----------------------------------------
nobody_dir=$(mktemp -d --tmpdir=/var/tmp --suffix=.hbagent-xapi-nobody)
chmod 0755 "$nobody_dir"
cp -p "$scripts"/ha_* "$nobody_dir"/
for s in ha_start_daemon ha_stop_daemon ha_query_liveset ha_propose_master ha_disarm_fencing ha_set_excluded \
	ha_clear_excluded "ha_set_pool_state init" "ha_set_host_weight vm 1"; do
	# shellcheck disable=SC2086 # word splitting of "$s" is meant
	setpriv --reuid=65534 --regid=65534 --clear-groups env PATH="$nobody_dir:$PATH" HBAGENT_CONF="$tmp/conf.0" \
		HBCTL="$hbctl" HBAGENT="$hbagent" $s >/dev/null 2>"$tmp/nobody.err"
	r=$?
	[ $r -eq 16 ] && grep -q "must be run as root" "$tmp/nobody.err" && pass "not root: ${s%% *} -> 16" ||
		fail "not root: ${s%% *} -> $r: $(cat "$tmp/nobody.err")"
done

# --- ha_start_daemon refusals ----------------------------------------------
cp "$here/../data/config/bad_not_xml.conf" "$tmp/conf.bad" 2>/dev/null || echo '<xhad-config><nonsense' >"$tmp/conf.bad"
expect 6 nothere ha_start_daemon && grep -q "conf.nothere" <<<"$err" && pass "  ... naming the missing config"
expect 7 bad ha_start_daemon
expect 1 0 ha_start_daemon -X
expect 1 0 ha_start_daemon -C
# -C FILE names the config (a missing one: 6)
expect 6 0 ha_start_daemon -C "$tmp/conf.nothere"
# a StateFile that does not exist: the agent's own exit code, 8
sed -e "s#<StateFile>[^<]*#<StateFile>$tmp/no-such-statefile#" -e "s#ctl\.0\.sock#ctl.nosf.sock#" \
	"$tmp/conf.0" >"$tmp/conf.nosf"
if expect 8 nosf ha_start_daemon; then
	exited_with nosf 8 && pass "  ... the agent logged its exit 8" || fail "  ... no exit 8 in its log"
	gone nosf && pass "  ... and is gone" || fail "  ... but an agent still runs"
fi

# --- stand-in agents: early exits and a silent agent ------------------------
cat >"$tmp/fake_exit" <<'SH'
#!/bin/sh
echo "fake agent: $*"
exit "$FAKE_RC"
SH
cat >"$tmp/fake_kill" <<'SH'
#!/bin/sh
kill -KILL $$
SH
cat >"$tmp/fake_hang" <<SH
#!/bin/sh
echo \$\$ >"$tmp/fake_hang.pid"
exec sleep 600
SH
chmod 755 "$tmp"/fake_*
FAKE_RC=13 HBAGENT_UNDER_TEST=$tmp/fake_exit expect 13 0 ha_start_daemon &&
	grep -q "fake agent: -c $tmp/conf.0 -l $tmp/lock.0 --no-syslog" "$tmp/agent.0.log" &&
	pass "  ... the agent got -c CONF and \$HBAGENT_ARGS, its output in \$HBAGENT_LOG"
FAKE_RC=0 HBAGENT_UNDER_TEST=$tmp/fake_exit expect 2 0 ha_start_daemon   # exit 0 before Online: not joined
FAKE_RC=42 HBAGENT_UNDER_TEST=$tmp/fake_exit expect 2 0 ha_start_daemon  # not an xhad code
HBAGENT_UNDER_TEST=$tmp/fake_kill expect 2 0 ha_start_daemon             # killed by a signal
# never answers: stopped after Tboot + 2 settle + 5 s (Tboot 2 s here)
sed -e 's#<BootJoinTimeout>66#<BootJoinTimeout>2#' -e 's#<EnableJoinTimeout>66#<EnableJoinTimeout>2#' \
	"$tmp/conf.0" >"$tmp/conf.short"
settle=$("$hbctl" -c "$tmp/conf.short" --json timeouts | jq -r .derived.settle_ms)
bound=$((2000 + 2 * settle + 5000))
t0=$(now_ms)
if HBAGENT_UNDER_TEST=$tmp/fake_hang expect 12 short ha_start_daemon; then
	dt=$(($(now_ms) - t0))
	[ "$dt" -ge "$bound" ] && [ "$dt" -le $((bound + 3000)) ] && pass "  ... after $dt ms (bound $bound ms)" ||
		fail "  ... after $dt ms, expected the bound $bound ms"
	p=$(cat "$tmp/fake_hang.pid" 2>/dev/null)
	[ -n "$p" ] && ! alive "$p" && pass "  ... and the silent agent was stopped" ||
		fail "  ... the silent agent (pid $p) still runs"
fi

# --- usage errors of the other scripts ---------------------------------------
expect 1 0 ha_set_pool_state
expect 1 0 ha_set_pool_state bogus
expect 1 0 ha_set_pool_state init extra
expect 1 0 ha_query_liveset extra

# --- no agent ----------------------------------------------------------------
expect 14 0 ha_query_liveset
expect 14 0 ha_propose_master
expect 14 0 ha_disarm_fencing
expect 0 0 ha_stop_daemon

# ============================================================================
# The pool
# ============================================================================
t0=$(now_ms)
for i in 0 1 2; do
	ha $i ha_start_daemon &
	starters[i]=$!
done
for i in 0 1 2; do
	wait "${starters[i]}"
	r=$?
	[ $r -eq 0 ] && pass "host $i: ha_start_daemon -> 0 (Online after $(($(now_ms) - t0)) ms)" ||
		fail "host $i: ha_start_daemon -> $r: $(cat "$tmp/stderr.$i")"
	pids[i]=$(agent_pid $i)
done
all_online() { [ "$(st 0 .phase)$(st 1 .phase)$(st 2 .phase)" = '"online""online""online"' ]; }
if ! all_online; then
	fail "the pool did not form"
	for i in 0 1 2; do st $i '{phase,liveset,armed,sf_access}'; done
	exit 1
fi
[ "$(st 0 .liveset)" = "[0,1,2]" ] && pass "liveset 0,1,2" || fail "liveset $(st 0 .liveset)"
# the armed watchdog helpers, for kill_all
for i in 0 1 2; do helpers[i]=$(st $i .watchdog.identity | tr -dc '0-9'); done
expect 15 0 ha_start_daemon

# --- ha_query_liveset ---------------------------------------------------------
uuids_of() { # FILE XPATH-PREFIX: the HostIDs under that element, sorted
	local n k
	n=$(xmllint --xpath "count($2)" "$1" 2>/dev/null)
	for ((k = 1; k <= ${n:-0}; k++)); do
		printf '%s\n' "$(xmllint --xpath "string(($2)[$k]/HostID)" "$1")"
	done | sort | tr '\n' ' '
}
configured=$(printf '%s\n' "${uuid[@]}" | sort | tr '\n' ' ')
for i in 0 1 2; do
	expect 0 $i ha_query_liveset || continue
	printf '%s\n' "$out" >"$tmp/liveset.$i.xml"
	if ! xmllint --noout "$tmp/liveset.$i.xml" 2>"$tmp/xmllint.err"; then
		fail "host $i: the liveset is not XML: $(cat "$tmp/xmllint.err")"
		continue
	fi
	x=$tmp/liveset.$i.xml
	[ "$(xmllint --xpath 'string(/ha_liveset_info/status)' "$x")" = Online ] &&
		[ "$(xmllint --xpath 'string(/ha_liveset_info/localhost/HostID)' "$x")" = "${uuid[i]}" ] &&
		[ "$(uuids_of "$x" /ha_liveset_info/host)" = "$configured" ] &&
		[ "$(uuids_of "$x" /ha_liveset_info/raw_status_on_local_host/host_raw_data)" = "$configured" ] &&
		[ "$(xmllint --xpath 'count(/ha_liveset_info/host[liveness="TRUE"])' "$x")" = 3 ] &&
		pass "host $i: Online, every configured host in <host> and <host_raw_data>, all live" ||
		fail "host $i: liveset XML: $(cat "$x")"
done

# The golden liveset, seen from host 0 before anyone proposed itself master:
# equal once the measured values are masked (latencies and ages; the timeouts
# come from the config and are kept). Active lists settle within a few
# statefile cycles: retry for a while.
mask() {
	sed -E 's#<((statefile|heartbeat)_latency(_max|_min)?|time_since_last_update_on_statefile|time_since_last_heartbeat)>-?[0-9]+</\1>#<\1>N</\1>#g' |
		xmllint --format -
}
golden=$here/golden/liveset-online.xml
mask <"$golden" >"$tmp/golden.masked"
limit=$(($(now_ms) + 15000))
while :; do
	ha 0 ha_query_liveset
	printf '%s\n' "$out" | mask >"$tmp/liveset.masked" 2>/dev/null
	cmp -s "$tmp/liveset.masked" "$tmp/golden.masked" && break
	[ "$(now_ms)" -ge "$limit" ] && break
	sleep 1
done
if cmp -s "$tmp/liveset.masked" "$tmp/golden.masked"; then
	pass "host 0: ha_query_liveset equals golden/liveset-online.xml (measured values masked)"
else
	fail "host 0: ha_query_liveset differs from golden/liveset-online.xml:"
	diff -u "$tmp/golden.masked" "$tmp/liveset.masked"
	[ -n "${UPDATE_GOLDEN:-}" ] && printf '%s\n' "$out" >"$golden" && echo "(golden updated)"
fi

# --- ha_propose_master ------------------------------------------------------------
expect 0 0 ha_propose_master && [ "$out" = TRUE ] && pass "  ... host 0 prints TRUE" || fail "  ... host 0 printed '$out'"
expect 0 1 ha_propose_master && [ "$out" = FALSE ] && pass "  ... host 1 prints FALSE" || fail "  ... host 1 printed '$out'"
master_seen() {
	ha 1 ha_query_liveset
	[ "$(xmllint --xpath 'string(/ha_liveset_info/host[HostIndex=0]/master)' - <<<"$out" 2>/dev/null)" = TRUE ] &&
		[ "$(xmllint --xpath 'count(/ha_liveset_info/host[master="TRUE"])' - <<<"$out" 2>/dev/null)" = 1 ]
}
wait_for 15 master_seen && pass "host 1's liveset: host 0 is the one master" || fail "host 1's liveset: $out"

# --- the plugin ---------------------------------------------------------------------
plugin_test() { # ARGS: test_plugin.py's
	PYTHONPATH="$here" HBCTL="$hbctl" HBAGENT_CONF="$tmp/conf.0" python3 "$here/test_plugin.py" "$plugin" "$@"
}
if command -v python3 >/dev/null; then
	if r=$(plugin_test online "${uuid[0]}" 2>&1); then
		pass "plugin against the live pool: $r"
	else
		fail "plugin against the live pool: $r"
	fi
else
	echo "skip: no python3 for the plugin"
fi

# --- ha_set_host_weight (host 2) -----------------------------------------------------
wf=$tmp/weight.2
expect 0 2 ha_set_host_weight vm 10 && [ "$(cat "$wf")" = "vm 10" ] && pass "  ... the weight file says 'vm 10'" ||
	fail "  ... the weight file: $(cat "$wf" 2>/dev/null)"
wait_for 5 weight_is 2 2 11 && pass "  ... host 2 advertises weight 11" ||
	fail "  ... host 2 advertises weight $(st 2 '.hosts[2].weight')"
expect 0 2 ha_set_host_weight storage 20
wait_for 5 weight_is 0 2 31 && pass "  ... host 0 hears weight 31 from host 2" ||
	fail "  ... host 0 hears weight $(st 0 '.hosts[2].weight') from host 2"
expect 0 2 ha_set_host_weight vm 0 && [ "$(cat "$wf")" = "storage 20" ] && pass "  ... weight 0 removed the class" ||
	fail "  ... after removing vm: $(cat "$wf")"
expect 1 2 ha_set_host_weight native 5 && grep -q reserved <<<"$err" && pass "  ... 'native' is reserved"
expect 1 2 ha_set_host_weight vm 65536
expect 1 2 ha_set_host_weight vm -1
expect 1 2 ha_set_host_weight vm ten
expect 1 2 ha_set_host_weight vm
expect 1 2 ha_set_host_weight "two words" 1
for k in $(seq 1 15); do ha 2 ha_set_host_weight "c$k" 1; done
[ "$(wc -l <"$wf")" = 16 ] && pass "16 classes recorded" || fail "16 classes: $(wc -l <"$wf") lines, last rc $rc"
expect 1 2 ha_set_host_weight c16 1 && grep -q "16 classes" <<<"$err" && pass "  ... a 17th is refused"
expect 0 2 ha_set_host_weight c1 2 # changing an existing class is fine
expect 0 2 ha_set_host_weight storage 65535
wait_for 5 weight_is 2 2 65535 && pass "  ... the host weight is capped at 65535" ||
	fail "  ... the host weight is $(st 2 '.hosts[2].weight'), expected 65535"
for k in $(seq 1 15); do ha 2 ha_set_host_weight "c$k" 0; done
expect 0 2 ha_set_host_weight storage 5
[ "$(cat "$wf")" = "storage 5" ] || fail "weight file after the clean-up: $(cat "$wf")"

# --- ha_set_pool_state init while running: 15 ----------------------------------------
expect 15 0 ha_set_pool_state init

# --- xapi's clean shutdown of host 2 ---------------------------------------------------
before=$(fence_lines 2)
expect 0 2 ha_disarm_fencing
[ "$(st 2 .armed)" = false ] && st 2 .warnings | grep -q fencing_disarmed &&
	pass "  ... host 2 disarmed, warning fencing_disarmed" || fail "  ... host 2: armed $(st 2 .armed), warnings $(st 2 .warnings)"
p2=${pids[2]}
expect 0 2 ha_stop_daemon
if [ -n "$p2" ] && ! alive "$p2"; then pass "  ... the agent (pid $p2) is gone"; else fail "  ... host 2's agent (pid $p2) still runs"; fi
exited_with 2 0 && pass "  ... it exited 0" || fail "  ... no 'exit 0' in its log"
expect 0 2 ha_set_excluded
[ "$(excluded 2)" = true ] &&
	pass "  ... host 2's slot says excluded (written by hbctl, no agent)" ||
	fail "  ... host 2's slot: $("$hbctl" -c "$tmp/conf.2" --json statefile dump | jq -c '.slots[2]')"
dropped2() { [ "$(st 0 .liveset)" = "[0,1]" ] && [ "$(st 1 .liveset)" = "[0,1]" ]; }
wait_for $((failover / 1000 + 10)) dropped2 && pass "hosts 0 and 1 dropped host 2" || fail "host 2 not dropped: $(st 0 .liveset)"
ha 0 ha_query_liveset
x=$tmp/liveset.after.xml
printf '%s\n' "$out" >"$x"
[ "$(uuids_of "$x" /ha_liveset_info/host)" = "$configured" ] &&
	[ "$(uuids_of "$x" /ha_liveset_info/raw_status_on_local_host/host_raw_data)" = "$configured" ] &&
	[ "$(xmllint --xpath 'string(/ha_liveset_info/host[HostIndex=2]/liveness)' "$x")" = FALSE ] &&
	[ "$(xmllint --xpath 'string(/ha_liveset_info/host[HostIndex=2]/statefile_access)' "$x")" = FALSE ] &&
	pass "host 0's liveset still lists every configured host, host 2 not live" || fail "liveset after the stop: $(cat "$x")"
sleep $((W / 1000 + 1))
[ "$(fence_lines 2)" = "$before" ] && pass "host 2 was never fenced" || fail "host 2 was fenced: $(cat "$tmp/fence.2.log")"

expect 0 2 ha_clear_excluded
[ "$(excluded 2)" = false ] &&
	pass "  ... host 2's slot is no longer excluded" || fail "  ... host 2's slot still excluded"
t0=$(now_ms)
expect 0 2 ha_start_daemon && pass "  ... host 2 rejoined after $(($(now_ms) - t0)) ms"
pids[2]=$(agent_pid 2)
all_three() { [ "$(st 0 .liveset)$(st 2 .liveset)" = "[0,1,2][0,1,2]" ]; }
wait_for 10 all_three && pass "liveset 0,1,2 again" || fail "liveset after the restart: $(st 0 .liveset)"
[ "$(st 2 '.hosts[2].weight')" = 6 ] && pass "the restarted agent got its weight (1 + 5) from ha_start_daemon" ||
	fail "the restarted agent's weight: $(st 2 '.hosts[2].weight')"

# --- ha_stop_daemon when the agent does not answer: found through its lock file ---------
expect 0 2 ha_disarm_fencing
p2=${pids[2]}
HBCTL_UNDER_TEST=/bin/false expect 0 2 ha_stop_daemon
if [ -n "$p2" ] && ! alive "$p2"; then
	pass "  ... hbctl silent: the agent (pid $p2) was found through its lock file and stopped"
else
	fail "  ... hbctl silent: host 2's agent (pid $p2) still runs"
fi
expect 0 2 ha_start_daemon
pids[2]=$(agent_pid 2)
wait_for 10 all_three || fail "liveset after the second restart: $(st 0 .liveset)"

# --- xapi's disable: ha_set_pool_state invalid, every agent exits 11 ------------------
for i in 0 1 2; do before[i]=$(fence_lines $i); done
expect 0 0 ha_set_pool_state invalid
all_gone() { gone 0 && gone 1 && gone 2; }
if wait_for 30 all_gone; then
	pass "every agent is gone"
else
	fail "agents still running: $(for i in 0 1 2; do agent_pid $i; done | tr '\n' ' ')"
fi
for i in 0 1 2; do
	exited_with $i 11 && pass "host $i's agent exited 11 (INVALID_POOL_STATE)" ||
		fail "host $i's agent: $(grep -o 'exit [0-9]* ([A-Z_]*)' "$tmp/agent.$i.log" | tail -n1)"
done
"$hbctl" -c "$tmp/conf.0" --json statefile dump | jq -e '.global.pool_state == "invalid"' >/dev/null &&
	pass "the statefile says invalid" || fail "pool state: $("$hbctl" -c "$tmp/conf.0" --json statefile dump | jq -c .global)"
sleep $((W / 1000 + 1))
for i in 0 1 2; do
	[ "$(fence_lines $i)" = "${before[i]}" ] || fail "host $i was fenced after invalid: $(tail -n1 "$tmp/fence.$i.log")"
done
pass "nobody fenced after invalid"

# ============================================================================
# No agents: the statefile directly
# ============================================================================
expect 14 0 ha_query_liveset
expect 14 1 ha_propose_master
expect 14 2 ha_disarm_fencing
expect 0 0 ha_stop_daemon
expect 14 1 ha_set_host_weight vm 3 && [ "$(cat "$tmp/weight.1")" = "vm 3" ] &&
	pass "  ... the weight file was updated all the same"
pool_state() { "$hbctl" -c "$tmp/conf.0" --json statefile dump | jq -r .global.pool_state; }
expect 0 0 ha_set_pool_state active && [ "$(pool_state)" = active ] && pass "  ... pool state active"
expect 0 1 ha_set_excluded && [ "$(excluded 1)" = true ] && pass "  ... host 1 excluded"
expect 0 1 ha_clear_excluded && [ "$(excluded 1)" = false ] && pass "  ... host 1 no longer excluded"
expect 0 0 ha_set_pool_state init && [ "$(pool_state)" = init ] && pass "  ... pool state init"
expect 11 1 ha_set_excluded
if command -v python3 >/dev/null; then
	r=$(plugin_test stopped 2>&1) && pass "plugin without agent: $r" || fail "plugin without agent: $r"
fi

finish
