#!/usr/bin/env bash
# test_xapi_flows.sh HBAGENT HBCTL HBWATCHDOG_TEST XAPI_DIR
#
# Every HA flow of xapi (ocaml/xapi/xapi_ha.ml), replayed in xapi's order and
# in xapi's environment against three agents on 127.0.0.1, .2 and .3: the
# packaged ha_* scripts, installed where the RPM puts them, run as xapi's
# Xha_scripts.call_script runs them: `env -i PATH=<xapi's PATH>:<stack dir>`
# and nothing else (no HBAGENT_CONF, no HBCTL: the defaults of ha_rc).
#
# xapi's PATH: xapi.service sets none and xapi-init exports none, so xapi
# has systemd's default PATH for services; Xha_scripts.call_script appends
# the stack directory ("PATH=%s:%s" (Sys.getenv "PATH") (ha_dir ())).
#
# Each host is a private mount namespace (unshare -m), so that the three
# hosts of one machine each have their own /etc/xensource/xhad.conf (written
# as xapi's write_config_file does), /usr/sbin/hbctl and /usr/sbin/hbagent
# (this build), /usr/libexec/xapi/cluster-stack/hbagent (the packaged
# scripts), /run (the agent's lock file, the weight file) and /var/log
# (ha_start_daemon's log): read-only overlays on /etc, /usr/sbin and
# /usr/libexec, bind mounts on /run and /var/log. Nothing outside the test's
# directory is written. The watchdog is the test backend (hbwatchdog-test,
# found next to hbagent), which logs each fire to the host's fence log: a
# host "fences" iff a line appears there.
#
# The statefile VDI is a regular file of 266,240 bytes (the size xapi's
# Xha_statefile.find_or_create asks for, minimum_statefile_size: 4 KiB
# global + 64 hosts x 4 KiB); a fresh VDI is zero-filled, or random bytes
# where the SR does not zero new VDIs. xhad.conf is lib.sh's, with the test
# timing (T = 6 s, W = 3 s; xapi's T is at least 10 s and its join timeouts
# T + 60 s: EnableJoinTimeout is cut to 8 s for flow 12 only).
#
# Flows, each step naming the function of xapi_ha.ml it follows:
#   1. enable on a blank VDI (enable), the statefile checks of init (random,
#      too small, an agent running);
#   2. join on every host at once (join_liveset), propose master, the
#      slaves' wait for the master; the liveset XML on every host;
#   3. the monitor's polling (Monitor.ha_monitor);
#   4. xapi restarting while the agent runs (on_server_restart: 15);
#   5. clean shutdown / reboot of a slave (before_clean_shutdown_or_reboot,
#      then on_server_restart);
#  5b. the same for the master: the slaves' monitors find it gone
#      (on_master_failure: one propose_master TRUE), it boots as a slave;
#   6. disable through the statefile (disable_internal /
#      attempt_disable_through_statefile, ha_wait_for_shutdown_via_statefile,
#      can_unplug_statefile_pbd);
#   7. on_server_restart after the disable: 11;
#   8. enable again on the earlier generation's VDI;
#   9. on_server_restart without the statefile: 8, then the retry;
#  10. emergency_ha_disable;
#  11. disable without the statefile (attempt_disable_without_statefile);
#  12. an enable whose join cannot complete: ha_start_daemon 12
#      (join_liveset; enable then runs disable_internal; on_server_restart
#      retries on 12 the same way), then the enable again and a last
#      disable through the statefile.
# A host "must not fence" wherever xapi expects none: that is everywhere
# here; the checks wait past W after each stop.
# Needs root (namespaces, 127.0.0.x), unshare, jq, xmllint, ss; exits 77
# (skip) otherwise.
set -uo pipefail
hbagent=${1:?hbagent} hbctl=${2:?hbctl} helper=${3:?hbwatchdog-test} xapi_dir=${4:?packaging/xapi}
here=$(cd "$(dirname "$0")" && pwd)
scripts=$(cd "$xapi_dir/cluster-stack" && pwd)

# shellcheck source=../lib/lib.sh
source "$here/../lib/lib.sh"
need_root
for t in jq xmllint unshare ss; do need $t; done
if [ "$(dirname "$(readlink -f "$hbagent")")" != "$(dirname "$(readlink -f "$helper")")" ]; then
	skip "$helper is not next to $hbagent (the agent finds it there under env -i)"
fi

# systemd's default PATH for services (xapi.service), then the stack directory
XAPI_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
STACK=/usr/libexec/xapi/cluster-stack/hbagent

make_tmp .hbagent-xapi-flows
declare -a pids=() helpers=()

# A UDP port no other test (they run in parallel) uses: below the ephemeral
# range, not bound on any address now.
port_free() { ! ss -Hlun 2>/dev/null | awk '{print $4}' | grep -q ":$1\$"; }
port=""
for ((k = 0; k < 50; k++)); do
	p=$((21000 + (RANDOM * 32768 + RANDOM + $$) % 11000))
	if port_free "$p"; then port=$p; break; fi
done
[ -n "$port" ] || { echo "FAIL: no free UDP port found"; exit 1; }

# ---- the hosts -----------------------------------------------------------------
# $tmp/usr: /usr/sbin and /usr/libexec as the RPM lays them out
mkdir -p "$tmp/usr/sbin" "$tmp/usr/libexec/xapi/cluster-stack/hbagent"
ln -s "$(readlink -f "$hbctl")" "$tmp/usr/sbin/hbctl"
ln -s "$(readlink -f "$hbagent")" "$tmp/usr/sbin/hbagent"
cp -p "$scripts"/ha_* "$tmp/usr/libexec/xapi/cluster-stack/hbagent/"
for i in 0 1 2; do mkdir -p "$tmp/host.$i/etc/xensource" "$tmp/host.$i/run" "$tmp/host.$i/log"; done
# enter DIR N CMD...: CMD as host N sees the machine (run under unshare -m)
cat >"$tmp/enter" <<'SH'
#!/bin/sh
d=$1 n=$2
shift 2
mount -t overlay hbxapi -o "lowerdir=$d/host.$n/etc:/etc" /etc &&
	mount -t overlay hbxapi -o "lowerdir=$d/usr/sbin:/usr/sbin" /usr/sbin &&
	mount -t overlay hbxapi -o "lowerdir=$d/usr/libexec:/usr/libexec" /usr/libexec &&
	mount --bind "$d/host.$n/run" /run &&
	mount --bind "$d/host.$n/log" /var/log || { echo "enter: cannot set up host $n's mounts" >&2; exit 2; }
exec "$@"
SH
chmod 755 "$tmp/enter"
if ! unshare --mount --propagation private -- "$tmp/enter" "$tmp" 0 true 2>"$tmp/enter.err"; then
	skip "cannot build a host's view with mount namespaces and overlayfs: $(cat "$tmp/enter.err")"
fi

conf() { echo "$tmp/host.$1/etc/xensource/xhad.conf"; }
# the pids of the agents and their watchdog helpers, for the clean-up
agent_pid() { # N: host N's running agent (its lock file), or nothing
	local p f
	for f in "$tmp/host.$1/run/hbagent/"*.lock; do
		[ -e "$f" ] || continue
		read -r p <"$f" 2>/dev/null || continue
		[ -n "$p" ] && grep -q '^hbagent' "/proc/$p/comm" 2>/dev/null && pid_running "$p" && echo "$p" && return 0
	done
	return 1
}
gone() { ! agent_pid "$1" >/dev/null; }
st() { "$hbctl" -c "$(conf "$1")" --json --timeout 2000 status 2>/dev/null | jq -c "$2" 2>/dev/null; }
remember() { # N: note host N's agent and watchdog helper pids
	local p
	p=$(agent_pid "$1") && pids+=("$p")
	p=$(st "$1" .watchdog.identity | tr -dc '0-9') && [ -n "$p" ] && helpers+=("$p")
}
flows_cleanup() {
	local i
	for i in 0 1 2; do agent_pid $i; done >>"$tmp/pids.left"
	while read -r p; do pids+=("$p"); done <"$tmp/pids.left"
	kill_all
	if [ "$fails" -ne 0 ] || [ -n "${KEEP_TMP:-}" ]; then
		for i in 0 1 2; do
			echo "==== host $i: ha_start_daemon's log (agent output)"
			tail -n 40 "$tmp/host.$i/log/hbagent-start.log" 2>/dev/null
		done
	fi
}
at_exit flows_cleanup

# xapi N SCRIPT ARGS...: SCRIPT as xapi runs it on host N (xha_scripts.ml,
# call_script): env -i PATH=<xapi's PATH>:<stack dir>, the script by its
# full path; stdout in $out, stderr in $err, exit code in $rc.
xapi() {
	local n=$1 s=$2
	shift 2
	out=$(unshare --mount --propagation private -- "$tmp/enter" "$tmp" "$n" \
		env -i PATH="$XAPI_PATH:$STACK" "$STACK/$s" "$@" 2>"$tmp/stderr.$n")
	rc=$?
	err=$(cat "$tmp/stderr.$n")
}
# expect WANT N SCRIPT ARGS...: xapi, then pass or fail on the exit code
expect() { expect_rc xapi "$@"; }
# join_all: Client.Host.ha_join_liveset on every host at once
# (Xapi_stdext_threads.Threadext.thread_iter_all_exns): ha_start_daemon in
# parallel; every one must give 0.
join_all() {
	local i r t0 starters=()
	t0=$(now_ms)
	for i in 0 1 2; do
		(xapi $i ha_start_daemon; echo "$rc" >"$tmp/join.$i.rc") &
		starters[i]=$!
	done
	for i in 0 1 2; do
		wait "${starters[i]}"
		r=$(cat "$tmp/join.$i.rc")
		[ "$r" = 0 ] && pass "host $i: ha_start_daemon -> 0 (Online after $(($(now_ms) - t0)) ms)" ||
			fail "host $i: ha_start_daemon -> $r: $(cat "$tmp/stderr.$i")"
		remember $i
	done
}

# write_config_file N GEN [STATEFILE] [EXTRA_SED]: xapi's xhad.conf for host N
# (write_config_file; lib.sh's layout, test timing T = 6, W = 3 s)
write_config_file() {
	local n=$1 g=$2 sf=${3:-$tmp/statefile} saved_gen=$gen
	gen=$g statefile=$sf write_conf "$n" 127.0.0.1 127.0.0.2 127.0.0.3
	gen=$saved_gen
	mv "$tmp/conf.$n" "$(conf "$n")"
	[ -n "${4:-}" ] && sed -i -e "$4" "$(conf "$n")"
	return 0
}
fence_lines() { [ -f "$tmp/fence.$1.log" ] && wc -l <"$tmp/fence.$1.log" || echo 0; }
declare -a fenced_before=(0 0 0)
mark_fences() { local i; for i in 0 1 2; do fenced_before[i]=$(fence_lines $i); done; }
# no_fence WHAT: no host fenced since mark_fences
no_fence() {
	local i bad=""
	for i in 0 1 2; do
		[ "$(fence_lines $i)" = "${fenced_before[i]}" ] || bad="$bad host $i: $(tail -n1 "$tmp/fence.$i.log")"
	done
	[ -z "$bad" ] && pass "$1: no host fenced" || fail "$1: fenced:$bad"
}
sfdump() { "$hbctl" -c "$(conf 0)" --json statefile dump 2>/dev/null; }
pool_state() { sfdump | jq -r .global.pool_state; }
excluded() { sfdump | jq -r ".slots[$1].flags | index(\"excluded\") != null"; }
exited_with() { grep -q "exit $2 (" "$tmp/host.$1/log/hbagent-start.log" 2>/dev/null; }

# liveset_ok N LIVE MASTER: $out (host N's ha_query_liveset) is Online XML,
# host N in <localhost>, every configured host once in <host> and in
# <host_raw_data>, exactly the hosts LIVE ("0 1 2") live, and host MASTER
# (or none: -1) the one master.
# shellcheck disable=SC2154 # uuid: lib.sh's
configured=$(printf '%s\n' "${uuid[@]}" | sort | tr '\n' ' ')
ids_of() { # FILE XPATH: the HostIDs of those elements, sorted
	local n k
	n=$(xmllint --xpath "count($2)" "$1" 2>/dev/null)
	for ((k = 1; k <= ${n:-0}; k++)); do
		printf '%s\n' "$(xmllint --xpath "string(($2)[$k]/HostID)" "$1")"
	done | sort | tr '\n' ' '
}
liveset_ok() {
	local n=$1 live=$2 master=$3 x=$tmp/liveset.$1.xml want_live="" k
	printf '%s\n' "$out" >"$x"
	xmllint --noout "$x" 2>/dev/null || { echo "not XML"; return 1; }
	[ "$(xmllint --xpath 'string(/ha_liveset_info/status)' "$x")" = Online ] || { echo "not Online"; return 1; }
	[ "$(xmllint --xpath 'string(/ha_liveset_info/localhost/HostID)' "$x")" = "${uuid[n]}" ] || { echo "localhost"; return 1; }
	[ "$(ids_of "$x" /ha_liveset_info/host)" = "$configured" ] || { echo "<host>: $(ids_of "$x" /ha_liveset_info/host)"; return 1; }
	[ "$(ids_of "$x" /ha_liveset_info/raw_status_on_local_host/host_raw_data)" = "$configured" ] ||
		{ echo "<host_raw_data>"; return 1; }
	for k in $live; do want_live="$want_live${uuid[k]} "; done
	# shellcheck disable=SC2086 # one word per host
	want_live=$(printf '%s\n' $want_live | sort | tr '\n' ' ')
	[ "$(ids_of "$x" '/ha_liveset_info/host[liveness="TRUE"]')" = "$want_live" ] ||
		{ echo "live: $(ids_of "$x" '/ha_liveset_info/host[liveness="TRUE"]')"; return 1; }
	if [ "$master" -ge 0 ]; then
		[ "$(ids_of "$x" '/ha_liveset_info/host[master="TRUE"]')" = "${uuid[master]} " ] || { echo "master"; return 1; }
	else
		[ "$(xmllint --xpath 'count(/ha_liveset_info/host[master="TRUE"])' "$x")" = 0 ] || { echo "a master"; return 1; }
	fi
	return 0
}
# query_ok N LIVE MASTER: ha_query_liveset on host N gives 0 and liveset_ok
query_ok() {
	local why
	xapi "$1" ha_query_liveset
	if [ "$rc" -ne 0 ]; then
		fail "host $1: ha_query_liveset -> $rc: $err"
		return 1
	fi
	if why=$(liveset_ok "$@"); then
		pass "host $1: ha_query_liveset: every host in <host> and <host_raw_data>, live {$2}, master $3"
		return 0
	fi
	fail "host $1: ha_query_liveset ($why): $out"
	return 1
}

G1=5a1e0001-0000-4000-8000-000000000001
G2=5a1e0002-0000-4000-8000-000000000002
G3=5a1e0003-0000-4000-8000-000000000003
G4=5a1e0004-0000-4000-8000-000000000004
SF_SIZE=266240

# ============================================================================
# 1. Enable on a blank VDI (xapi_ha.ml: enable)
# ============================================================================
echo "== 1. enable: ha_set_pool_state init on the VDI xapi attached"
# enable: Xha_statefile.find_or_create: a fresh VDI is zeroed
head -c $SF_SIZE /dev/zero >"$tmp/statefile"
# ... the checks of init first, on other VDIs of the master:
# a VDI full of random bytes (an SR that does not zero new VDIs)
head -c $SF_SIZE /dev/urandom >"$tmp/vdi.random"
write_config_file 0 "$G1" "$tmp/vdi.random"
expect 0 0 ha_set_pool_state init && [ -z "$out" ] && pass "  ... nothing on stdout"
jq -e --arg g "$G1" '.global.pool_state == "init" and .global.generation == $g and ([.slots[].state] | all(. == "EMPTY"))' \
	<<<"$("$hbctl" -c "$(conf 0)" --json statefile dump)" >/dev/null &&
	pass "  ... the random VDI now holds pool state init, generation G1, every slot empty" ||
	fail "  ... the random VDI: $("$hbctl" -c "$(conf 0)" --json statefile dump | jq -c '{global, s: [.slots[].state]}')"
# a VDI too small for the pool: a clear error, nothing written
head -c 4096 /dev/zero >"$tmp/vdi.small"
write_config_file 0 "$G1" "$tmp/vdi.small"
xapi 0 ha_set_pool_state init
[ "$rc" -ne 0 ] && grep -q "too small" <<<"$err" && pass "host 0: ha_set_pool_state init on a 4096-byte VDI -> $rc: $err" ||
	fail "host 0: ha_set_pool_state init on a 4096-byte VDI -> $rc: $err"
[ "$(stat -c %s "$tmp/vdi.small")" = 4096 ] && pass "  ... the VDI was not extended" || fail "  ... the VDI was resized"
# enable: attach_statefiles, write_config_file (generation G1), then
# call_script ha_set_pool_state ["init"] on the master
write_config_file 0 "$G1"
expect 0 0 ha_set_pool_state init
[ "$(pool_state)" = init ] && pass "  ... the blank VDI holds pool state init" || fail "  ... pool state $(pool_state)"
# enable: Client.Host.preconfigure_ha on every host: preconfigure_host
# writes each host's xhad.conf
write_config_file 1 "$G1"
write_config_file 2 "$G1"

# ============================================================================
# 2. Join on every host at once (enable: Client.Host.ha_join_liveset, in
#    parallel; join_liveset), propose master, the slaves' wait
# ============================================================================
echo "== 2. join_liveset on every host at once"
mark_fences
join_all
for i in 0 1 2; do gone $i && { fail "the pool did not form"; exit 1; }; done
# join_liveset on the master: propose_master () must be TRUE
expect 0 0 ha_propose_master && [ "$out" = TRUE ] && pass "  ... prints TRUE" || fail "  ... printed '$out'"
# join_liveset on a slave: every 5 s query_liveset until the master (host 0)
# shows master = TRUE (and is live, not corrupted, has statefile access, not
# excluded)
master_asserted() {
	xapi "$1" ha_query_liveset
	[ "$rc" = 0 ] && [ "$(xmllint --xpath "string(/ha_liveset_info/host[HostID='${uuid[0]}']/master)" - <<<"$out" 2>/dev/null)" = TRUE ]
}
for i in 1 2; do
	wait_for 15 master_asserted $i && pass "host $i: join_liveset sees host 0 assert itself as master" ||
		fail "host $i: the master did not assert itself: $out"
done
for i in 0 1 2; do query_ok $i "0 1 2" 0; done
no_fence "join"

# enable while HA runs: init refused, nothing written
expect 15 0 ha_set_pool_state init && [ "$(pool_state)" = active ] && pass "  ... the pool state is still active"
expect 15 1 ha_set_pool_state init

# ============================================================================
# 3. The monitor (Monitor.ha_monitor: query_liveset on every host every
#    20 s; on the master every DB host is looked up in the parsed table)
# ============================================================================
echo "== 3. the monitor's polling"
for _ in 1 2; do
	for i in 0 1 2; do query_ok $i "0 1 2" 0 >/dev/null || break 2; done
done
[ "$fails" -eq 0 ] && pass "two monitor rounds on every host: every configured host, live, master host 0"
# can_unplug_statefile_pbd: while an agent runs, unplugging is not safe
expect 0 1 ha_query_liveset

# ============================================================================
# 4. xapi restarts while the agent runs (on_server_restart, ha_armed true)
# ============================================================================
echo "== 4. on_server_restart with the agent running"
for i in 0 1 2; do
	# ha_start_daemon: Mtc_exit_daemon_is_present -> "continuing with startup"
	expect 15 $i ha_start_daemon
done
# the master (Pool_role.is_master): propose_master () again: TRUE, it holds the lock
expect 0 0 ha_propose_master && [ "$out" = TRUE ] && pass "  ... the master still holds the lock: TRUE" ||
	fail "  ... the master printed '$out'"
# a slave's monitor would propose only when the master is gone: FALSE here
expect 0 2 ha_propose_master && [ "$out" = FALSE ] && pass "  ... a slave gets FALSE" || fail "  ... a slave printed '$out'"
for i in 0 1 2; do gone $i && fail "host $i's agent is gone after the restart of xapi"; done
no_fence "xapi restarts"

# ============================================================================
# 5. Clean shutdown or reboot of a slave (before_clean_shutdown_or_reboot),
#    then its boot (on_server_restart)
# ============================================================================
echo "== 5. clean reboot of host 1"
mark_fences
# assert_have_statefile_access: query_liveset, me: statefile_access, not corrupted
xapi 1 ha_query_liveset
[ "$rc" = 0 ] && [ "$(xmllint --xpath "string(/ha_liveset_info/host[HostID='${uuid[1]}']/statefile_access)" - <<<"$out")" = TRUE ] &&
	[ "$(xmllint --xpath "string(/ha_liveset_info/host[HostID='${uuid[1]}']/statefile_corrupted)" - <<<"$out")" = FALSE ] &&
	pass "host 1: assert_have_statefile_access: statefile_access TRUE, not corrupted" ||
	fail "host 1: assert_have_statefile_access: $rc $out"
p1=$(agent_pid 1)
expect 0 1 ha_disarm_fencing
expect 0 1 ha_stop_daemon
gone 1 && pass "  ... host 1's agent (pid $p1) is gone" || fail "  ... host 1's agent still runs"
exited_with 1 0 && pass "  ... it exited 0" || fail "  ... its exit: $(grep -o 'exit [0-9]* ([A-Z_]*)' "$tmp/host.1/log/hbagent-start.log" | tail -n1)"
expect 0 1 ha_set_excluded
[ "$(excluded 1)" = true ] && pass "  ... host 1's slot says excluded" || fail "  ... host 1's slot is not excluded"
# the master's monitor: host 1 left the liveset, every DB host still listed
dropped1() { xapi 0 ha_query_liveset; liveset_ok 0 "0 2" 0 >/dev/null; }
wait_for 15 dropped1 && pass "host 0's monitor: host 1 not live, every configured host still listed" ||
	fail "host 0's monitor after host 1 left: $out"
# can_unplug_statefile_pbd on host 1 during its shutdown: safe (14)
expect 14 1 ha_query_liveset
sleep 4 # W = 3 s: a watchdog left armed would have fired by now
no_fence "clean shutdown of host 1"
# the reboot: on_server_restart, ha_armed true: ha_start_daemon -> 0
expect 0 1 ha_start_daemon && remember 1
[ "$(excluded 1)" = false ] && pass "  ... the start cleared host 1's excluded flag" || fail "  ... host 1 is still excluded"
rejoined1() { xapi 0 ha_query_liveset; liveset_ok 0 "0 1 2" 0 >/dev/null; }
wait_for 15 rejoined1 && pass "host 0's monitor: host 1 live again" || fail "host 0's monitor: $out"
# on_server_restart starts the monitor; its first query_liveset comes one
# ha_monitor_interval (20 s) later, and process_liveset_on_slave must then
# see the master live and marked master (else on_master_failure proposes)
sees_master() { # N: host N's liveset shows every host live and host 0 master
	xapi "$1" ha_query_liveset
	liveset_ok "$1" "0 1 2" 0 >/dev/null
}
t0=$(now_ms)
wait_for 20 sees_master 1 && pass "host 1 sees host 0 as master $(($(now_ms) - t0)) ms after its start (monitor: 20 s)" ||
	fail "host 1 does not see host 0 as master 20 s after its start: $out"

# ============================================================================
# 5b. Clean reboot of the master: its slaves' monitors find it gone
#     (process_liveset_on_slave -> on_master_failure: propose_master; TRUE:
#     become master; FALSE: follow the one live master), then its boot as a
#     slave (on_server_restart: it still thinks it is master, propose_master
#     gives FALSE, on_master_failure follows the new master)
# ============================================================================
echo "== 5b. clean reboot of the master"
mark_fences
xapi 0 ha_query_liveset
[ "$rc" = 0 ] && [ "$(xmllint --xpath "string(/ha_liveset_info/host[HostID='${uuid[0]}']/statefile_access)" - <<<"$out")" = TRUE ] &&
	pass "host 0: assert_have_statefile_access" || fail "host 0: assert_have_statefile_access: $rc $out"
expect 0 0 ha_disarm_fencing
expect 0 0 ha_stop_daemon
expect 0 0 ha_set_excluded
master_gone() { xapi "$1" ha_query_liveset; [ "$(xmllint --xpath "string(/ha_liveset_info/host[HostID='${uuid[0]}']/liveness)" - <<<"$out")" = FALSE ]; }
for i in 1 2; do
	wait_for 15 master_gone $i && pass "host $i's monitor: the master is not live" || fail "host $i: $out"
done
# on_master_failure on both slaves at once
for i in 1 2; do
	(xapi $i ha_propose_master; echo "$rc $out" >"$tmp/propose.$i") &
	proposers[i]=$!
done
for i in 1 2; do wait "${proposers[i]}"; done
M=""
for i in 1 2; do
	read -r r o <"$tmp/propose.$i"
	[ "$r" = 0 ] || fail "host $i: ha_propose_master -> $r: $(cat "$tmp/stderr.$i")"
	[ "$o" = TRUE ] && M="$M$i"
done
if [ ${#M} = 1 ]; then
	pass "on_master_failure: exactly one slave gets TRUE: host $M becomes master"
else
	fail "on_master_failure: TRUE on hosts '$M': $(cat "$tmp/propose.1") / $(cat "$tmp/propose.2")"
	M=1
fi
other=$((3 - M))
# the other: "looking for another master": query_liveset, one host master && live
one_master() { # N WANT: host N's liveset has host WANT as its one live master
	xapi "$1" ha_query_liveset
	[ "$(ids_of_out '/ha_liveset_info/host[master="TRUE" and liveness="TRUE"]')" = "${uuid[$2]} " ]
}
ids_of_out() { printf '%s
' "$out" >"$tmp/out.xml"; ids_of "$tmp/out.xml" "$1"; }
wait_for 20 one_master $other $M && pass "host $other follows host $M, the one live master" || fail "host $other: $out"
no_fence "the master's clean shutdown"
# host 0 boots: ha_start_daemon, then (it was master) propose_master: FALSE
expect 0 0 ha_start_daemon && remember 0
expect 0 0 ha_propose_master && [ "$out" = FALSE ] && pass "  ... FALSE: host $M holds the lock" ||
	fail "  ... the old master printed '$out'"
wait_for 20 one_master 0 $M && pass "host 0 follows host $M" || fail "host 0: $out"
for i in 0 1 2; do query_ok $i "0 1 2" "$M"; done

# ============================================================================
# 6. Disable through the statefile (disable_internal:
#    attempt_disable_through_statefile)
# ============================================================================
echo "== 6. disable through the statefile"
mark_fences
# i_have_statefile_access: the master's own statefile_access
xapi $M ha_query_liveset
[ "$(xmllint --xpath "string(/ha_liveset_info/host[HostID='${uuid[M]}']/statefile_access)" - <<<"$out")" = TRUE ] &&
	pass "host $M: i_have_statefile_access: TRUE" || fail "host $M: i_have_statefile_access: $out"
# call_script ha_set_pool_state ["invalid"], then at once ha_stop_daemon on
# the master (Helpers.log_exn_continue ... ha_stop_daemon)
expect 0 $M ha_set_pool_state invalid
expect 0 $M ha_stop_daemon
# Client.Host.ha_wait_for_shutdown_via_statefile on every host, in
# parallel: query_liveset every 5 s while it succeeds with statefile access,
# until it exits 14 (Mtc_exit_daemon_is_not_present: success)
wait_shutdown() { # N: 0 once ha_query_liveset exits 14, 1 on any other failure
	local n=$1 limit=$(($(now_ms) + 30000))
	while [ "$(now_ms)" -lt "$limit" ]; do
		xapi "$n" ha_query_liveset
		case $rc in
		14) return 0 ;;
		0) [ "$(xmllint --xpath "string(/ha_liveset_info/host[HostID='${uuid[n]}']/statefile_access)" - <<<"$out")" = TRUE ] ||
			{ echo "ha_lost_statefile: $out"; return 1; } ;;
		*) echo "ha_query_liveset -> $rc: $err"; return 1 ;;
		esac
		sleep 0.1 # xapi: 5 s; often here, to meet the agent as it exits
	done
	echo "still running after 30 s"
	return 1
}
for i in 0 1 2; do
	(wait_shutdown $i >"$tmp/wait.$i.why"; echo $? >"$tmp/wait.$i.rc") &
	waiters[i]=$!
done
for i in 0 1 2; do
	wait "${waiters[i]}"
	[ "$(cat "$tmp/wait.$i.rc")" = 0 ] && pass "host $i: ha_wait_for_shutdown_via_statefile: the agent has exited (14)" ||
		fail "host $i: ha_wait_for_shutdown_via_statefile: $(cat "$tmp/wait.$i.why")"
done
for i in 0 1 2; do gone $i || fail "host $i's agent still runs"; done
for i in 0 1 2; do
	exited_with $i 11 && pass "host $i's agent exited 11 (INVALID_POOL_STATE)" ||
		fail "host $i's agent: $(grep -o 'exit [0-9]* ([A-Z_]*)' "$tmp/host.$i/log/hbagent-start.log" | tail -n1)"
done
for i in 0 1 2; do
	grep -q "stopping while armed" "$tmp/host.$i/log/hbagent-start.log" &&
		fail "host $i's agent was stopped while armed: $(grep "stopping while armed" "$tmp/host.$i/log/hbagent-start.log")"
done
[ "$(pool_state)" = invalid ] && pass "the statefile says invalid" || fail "pool state $(pool_state)"
# ha_release_resources -> can_unplug_statefile_pbd: query_liveset exits 14
for i in 0 1 2; do expect 14 $i ha_query_liveset; done
sleep 4
no_fence "disable through the statefile"

# ============================================================================
# 7. A host that missed the disable boots (on_server_restart, ha_armed
#    still true): ha_start_daemon -> 11, "disabling HA on this host"
# ============================================================================
echo "== 7. on_server_restart after the disable"
mark_fences
expect 11 2 ha_start_daemon
gone 2 && pass "  ... no agent left on host 2" || fail "  ... an agent runs on host 2"
sleep 4
no_fence "on_server_restart -> 11"

# with HA off, the admin makes host 0 the pool master again
# (pool-designate-new-master): the enables below run on host 0

# ============================================================================
# 8. Enable again, on the earlier generation's VDI (enable:
#    Xha_statefile.find_or_create finds the VDI of the last enable; a new
#    generation)
# ============================================================================
echo "== 8. enable again on the VDI of the earlier generation"
# each host reaches the VDI through its own dom0 path (a symlink, as
# /dev/sm/backend/SR/VDI is): 9. detaches host 2's
for i in 0 1 2; do ln -sfn "$tmp/statefile" "$tmp/host.$i/vdi"; done
write_config_file 0 "$G2" "$tmp/host.0/vdi"
expect 0 0 ha_set_pool_state init
jq -e --arg g "$G2" '.global.pool_state == "init" and .global.generation == $g' <<<"$(sfdump)" >/dev/null &&
	pass "  ... the VDI of generation G1 (pool state invalid) now holds G2, pool state init" ||
	fail "  ... $(sfdump | jq -c .global)"
write_config_file 1 "$G2" "$tmp/host.1/vdi" # preconfigure_host
write_config_file 2 "$G2" "$tmp/host.2/vdi"
mark_fences
join_all
expect 0 0 ha_propose_master && [ "$out" = TRUE ] && pass "  ... prints TRUE" || fail "  ... printed '$out'"
for i in 1 2; do
	wait_for 15 master_asserted $i && pass "host $i: join_liveset sees host 0 assert itself as master" ||
		fail "host $i: the master did not assert itself: $out"
done
for i in 0 1 2; do query_ok $i "0 1 2" 0; done

# ============================================================================
# 9. A slave reboots and its statefile VDI is not attached at boot
#    (on_server_restart: Mtc_exit_can_not_access_statefile: the master says
#    HA is still enabled, so "will retry in 10s", after
#    Static_vdis.reattempt_on_boot_attach)
# ============================================================================
echo "== 9. on_server_restart without the statefile: 8, then the retry"
# the reboot: before_clean_shutdown_or_reboot
expect 0 2 ha_disarm_fencing
expect 0 2 ha_stop_daemon
expect 0 2 ha_set_excluded
# the boot: the VDI is not attached
rm -f "$tmp/host.2/vdi"
expect 8 2 ha_start_daemon
gone 2 && pass "  ... no agent left on host 2" || fail "  ... an agent runs on host 2"
# 10 s later: the VDI attached again, ha_start_daemon again
ln -sfn "$tmp/statefile" "$tmp/host.2/vdi"
t0=$(now_ms)
expect 0 2 ha_start_daemon && remember 2
wait_for 20 sees_master 2 && pass "host 2 sees every host live, host 0 master, $(($(now_ms) - t0)) ms after its start" ||
	fail "host 2 does not see the pool with host 0 master 20 s after its start: $out"
no_fence "reboot without the statefile"

# ============================================================================
# 10. Host.emergency_ha_disable on a slave (emergency_ha_disable, not soft:
#     ha_disarm_fencing, ha_stop_daemon, ha_set_excluded, each failure
#     logged and ignored; then ha_armed <- false)
# ============================================================================
echo "== 10. emergency_ha_disable on host 2"
mark_fences
expect 0 2 ha_disarm_fencing
expect 0 2 ha_stop_daemon
expect 0 2 ha_set_excluded
gone 2 && pass "  ... host 2's agent is gone" || fail "  ... host 2's agent still runs"
[ "$(excluded 2)" = true ] && pass "  ... host 2's slot says excluded" || fail "  ... host 2 is not excluded"
dropped2() { xapi 0 ha_query_liveset; liveset_ok 0 "0 1" 0 >/dev/null; }
wait_for 15 dropped2 && pass "host 0's monitor: host 2 not live, every configured host listed" || fail "host 0: $out"
sleep 4
no_fence "emergency_ha_disable"

# ============================================================================
# 11. Disable without the statefile (disable_internal:
#     attempt_disable_without_statefile): ha_disable_failover_decisions on
#     every host (xapi's local DB only), then Client.Host.ha_disarm_fencing
#     on every host at once, then Client.Host.ha_stop_daemon on every host
#     at once; ha_disarm_fencing's 14 counts as done ("daemon has exited")
# ============================================================================
echo "== 11. disable without the statefile"
mark_fences
parallel() { # SCRIPT: on every host at once; "rc.N" files
	local i ps=()
	for i in 0 1 2; do
		(xapi $i "$1"; echo "$rc" >"$tmp/par.$i.rc") &
		ps[i]=$!
	done
	for i in 0 1 2; do wait "${ps[i]}"; done
}
parallel ha_disarm_fencing
for i in 0 1 2; do
	r=$(cat "$tmp/par.$i.rc")
	{ [ "$r" = 0 ] || { [ "$i" = 2 ] && [ "$r" = 14 ]; }; } && pass "host $i: ha_disarm_fencing -> $r" ||
		fail "host $i: ha_disarm_fencing -> $r: $(cat "$tmp/stderr.$i")"
done
parallel ha_stop_daemon
for i in 0 1 2; do
	r=$(cat "$tmp/par.$i.rc")
	[ "$r" = 0 ] && pass "host $i: ha_stop_daemon -> 0" || fail "host $i: ha_stop_daemon -> $r: $(cat "$tmp/stderr.$i")"
	gone $i || fail "host $i's agent still runs"
done
# ha_release_resources, can_unplug_statefile_pbd: 14 everywhere
for i in 0 1 2; do expect 14 $i ha_query_liveset; done
sleep 4
no_fence "disable without the statefile"

# ============================================================================
# 12. An enable whose join does not complete: ha_start_daemon -> 12
#     (join_liveset; enable maps it to HA_FAILED_TO_FORM_LIVESET and runs
#     disable_internal; on_server_restart would "retry in 10s" on 12), then
#     the enable again
# ============================================================================
echo "== 12. ha_start_daemon -> 12, then the enable again"
mark_fences
# EnableJoinTimeout 8 s instead of 66 s (xapi: T + 60), to keep the test short
short='s#<EnableJoinTimeout>66#<EnableJoinTimeout>8#'
write_config_file 0 "$G3" "$tmp/host.0/vdi" "$short"
expect 0 0 ha_set_pool_state init
write_config_file 1 "$G3" "$tmp/host.1/vdi" "$short"
write_config_file 2 "$G3" "$tmp/host.2/vdi" "$short"
# host 1's ha_join_liveset never comes: hosts 0 and 2 wait EnableJoinTimeout
(xapi 0 ha_start_daemon; echo "$rc" >"$tmp/join.0.rc") &
j0=$!
t0=$(now_ms)
expect 12 2 ha_start_daemon && pass "  ... after $(($(now_ms) - t0)) ms (EnableJoinTimeout 8 s)"
wait $j0
[ "$(cat "$tmp/join.0.rc")" = 12 ] && pass "host 0: ha_start_daemon -> 12" ||
	fail "host 0: ha_start_daemon -> $(cat "$tmp/join.0.rc"): $(cat "$tmp/stderr.0")"
for i in 0 2; do gone $i && pass "  ... no agent left on host $i" || fail "  ... an agent runs on host $i"; done
# the agents said what they waited for, and for whom (in ha_start_daemon's log)
for i in 0 2; do
	grep -q "gave up starting: a new pool forms only when every configured host has started; waited for host [0-9] ${uuid[1]} ([^)]*): neither heard nor seen on the statefile" \
		"$tmp/host.$i/log/hbagent-start.log" && pass "  ... host $i's agent named host 1 as the host it waited for" ||
		fail "  ... host $i's agent did not name host 1: $(grep 'gave up starting' "$tmp/host.$i/log/hbagent-start.log" | tail -n 1)"
done
# enable's error path: disable_internal; i_have_statefile_access: query_liveset
# -> 14 (an exception: false), so attempt_disable_without_statefile
for i in 0 1 2; do expect 14 $i ha_query_liveset; done
for i in 0 1 2; do
	xapi $i ha_disarm_fencing
	[ "$rc" = 14 ] && pass "host $i: ha_disarm_fencing -> 14 (daemon has exited: success)" || fail "host $i: ha_disarm_fencing -> $rc"
	expect 0 $i ha_stop_daemon
done
no_fence "a failed join"
# the admin enables again: a new generation, the normal timeouts
write_config_file 0 "$G4" "$tmp/host.0/vdi"
expect 0 0 ha_set_pool_state init
write_config_file 1 "$G4" "$tmp/host.1/vdi"
write_config_file 2 "$G4" "$tmp/host.2/vdi"
join_all
expect 0 0 ha_propose_master && [ "$out" = TRUE ] && pass "  ... prints TRUE" || fail "  ... printed '$out'"
for i in 0 1 2; do wait_for 20 sees_master $i || fail "host $i: $out"; done
for i in 0 1 2; do query_ok $i "0 1 2" 0; done
# and off again, through the statefile
expect 0 0 ha_set_pool_state invalid
expect 0 0 ha_stop_daemon
all_gone() { gone 0 && gone 1 && gone 2; }
wait_for 20 all_gone && pass "every agent is gone" || fail "agents left after the disable"
for i in 0 1 2; do expect 14 $i ha_query_liveset; done
sleep 4
no_fence "the last enable and disable"

finish
