#!/usr/bin/env bash
# test_hbctl_live.sh HBAGENT HBCTL HBWATCHDOG_TEST CTL_CLIENT
#
# hbctl against a live pool (docs/control.md section 2): three agents on
# 127.0.0.1, .2 and .3 (tests/lib/lib.sh: the test watchdog backend, xapi's
# timing for T = 6 with W = 3 s, a regular-file statefile made by
# `hbctl statefile init`). Every hbctl subcommand is run against it; outputs
# are compared with golden files (golden/) with measured values masked, and
# every exit code is asserted from its real condition:
#   - no agent: timeouts (human, --json; golden), fence-log on a fresh
#     statefile, watchdog probe 0; ping, status, propose-master, set-weight,
#     shutdown 14;
#   - host 0 alone, still starting: liveset --xml / --json in their Starting
#     form (golden); propose-master, disarm, arm 17; set-excluded,
#     clear-excluded 11 (pool state init);
#   - the pool of three: propose-master TRUE on host 0, FALSE on host 1;
#     `--json status`, status, liveset (human, --json, --xml) and
#     `statefile dump --json` (golden, masked); disarm / arm (the warning
#     fencing_disarmed comes and goes, the peers' hosts[].armed follows); set-weight 5 (seen locally and by a
#     peer), set-weight 0 and abc 1; set-pool-state init 15; watchdog probe
#     15; a non-root caller: with the config unreadable, a query refused
#     by the default socket (14 or 16, never 0), a change 6; 16 from the
#     socket's mode 0600 (EACCES); 16 from the agent's own check
#     (SO_PEERCRED: the socket opened to everybody), counted in
#     control.denied;
#   - set-excluded on host 2: 0, the agent exits 19, hosts 0 and 1 drop it
#     without waiting for a timeout, its slot says excluded; with no agent
#     for host 2, clear-excluded / set-excluded / clear-excluded through the
#     statefile: 0 each, the flag follows;
#   - host 2 restarts while 0 and 1 are online: propose-master 17 while it
#     joins, then it is online again;
#   - shutdown of host 1: 0, it exits 0, ping on it then 14;
#   - SIGKILL of host 2: its test watchdog fences it (the fence log), its
#     watchdog guard stands; `watchdog probe` with no agent for host 2: 0;
#   - set-pool-state invalid through host 0: 0, the agent exits 11;
#   - no agent left: ping, status, liveset 14; set-pool-state init 0 (it
#     formats: every slot empty, as the fence-log golden shows) and the
#     dump shows init; statefile set-pool-state active 0; fence-log (human,
#     --json; golden).
# Last words: only the agent's own fence writes them (lost_partition or
# proof_expired, tests/agent/test_isolation.sh, which needs network
# namespaces and the isolation bound of ~35 s); a watchdog fence (SIGKILL)
# leaves none. So fence-log is checked where nobody wrote last words, after a
# watchdog fence: every host has "no last words".
#
# UPDATE_GOLDEN=1 rewrites the golden files from this run.
# Needs root (binds 127.0.0.x) and jq; exits 77 (skip) otherwise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/lib.sh"
agent_args "$@"
need_root
need jq

golden_dir=$here/golden
agent_test .hbctl-live 0
test_start=$(now_ms)

# hc INDEX ARGS...: hbctl with host INDEX's config (its socket, its slot)
hc() { local i=$1; shift; HB_WATCHDOG_TEST_HELPER=$helper "$hbctl" -c "$tmp/conf.$i" "$@"; }

# run CMD...: run it; stdout in $tmp/out, stderr in $tmp/err, exit code in $rc
run() { "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
# expect WANT WHAT CMD...: run CMD and assert its exit code
expect() {
	local want=$1 what=$2; shift 2
	run "$@"
	if [ "$rc" -eq "$want" ]; then
		pass "$what: exit $rc"
	else
		fail "$what: exit $rc, expected $want; stdout: $(head -c 400 "$tmp/out"); stderr: $(cat "$tmp/err")"
	fi
}
# stderr_has REGEX WHAT: the last command's stderr is one clear line matching REGEX
stderr_has() {
	if [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -Eq "$1" "$tmp/err"; then
		pass "$2: $(cat "$tmp/err")"
	else
		fail "$2: stderr does not match /$1/: $(cat "$tmp/err")"
	fi
}
stdout_has() {
	grep -Eq "$1" "$tmp/out" && pass "$2: $(grep -Em1 "$1" "$tmp/out")" ||
		fail "$2: stdout does not match /$1/: $(cat "$tmp/out")"
}

# golden NAME FILE: FILE (already masked) equals golden/NAME; UPDATE_GOLDEN=1 rewrites it
golden() {
	local g=$golden_dir/$1
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		mkdir -p "$golden_dir" && cp "$2" "$g" && echo "updated: golden/$1"
		return
	fi
	if [ ! -f "$g" ]; then
		fail "golden/$1 is missing (UPDATE_GOLDEN=1 writes it)"
	elif diff -u "$g" "$2" >"$tmp/diff"; then
		pass "golden/$1"
	else
		fail "golden/$1 differs (- golden, + this run):"
		sed 's/^/    /' "$tmp/diff"
	fi
}

# Masks: this run's directory, then the measured values.
mask_tmp() { sed "s|$tmp|\$TMP|g"; }
# A jq filter's prelude: m replaces a measured value (null stays null: "never")
jq_m='def m: if . == null then null else "<masked>" end;
def mpos: if type == "number" and . >= 0 then "<masked>" else . end;
def words: if type == "object" then (.boot_id |= m | .realtime_ms |= m | if has("time") then .time |= m else . end) else . end;'
# status: keep phase, protected, liveset, master, armed, sf_access, excluded,
# pool_state, warnings, the hosts' identities and views, the watchdog's
# backend and timeout, timing and timeouts; mask ages, latencies, counters,
# pids, boot ids, steps, the epoch, pets.
mask_status() {
	jq --indent 2 "$jq_m"'
	.epoch |= m
	| .hosts |= map(.member_boot_id |= m | .heartbeat_age_ms |= map(m) | .statefile_advance_age_ms |= m
		| .last_heard_age_ms |= m | .last_words |= words)
	| .watchdog |= (.identity |= m | .last_pet_age_ms |= m | .healthy_for_ms |= m | .pets |= m | .missed |= m
		| .pet_errors |= m)
	| .statefile |= (.read |= map_values(m) | .write |= map_values(m) | .last_read_age_ms |= m
		| .dropped_queued_writes |= m | .submit_errors |= m)
	| .heartbeat |= map_values(m)
	| .dropped |= (.core |= m | .net |= map(with_entries(if .key == "path" then . else .value |= m end))
		| .log_lines |= m)
	| .control |= map_values(m)
	| .previous_last_words |= words
	| .agent |= (.pid |= m | .boot_id |= m | .steps |= m | .max_step_late_ms |= m | .stalls |= m)' | mask_tmp
}
# status, human: the watchdog helper's pid and the two age columns (HB AGE,
# SF AGE: fixed-width cells at columns 72 and 86, kept aligned)
mask_status_text() {
	sed -E 's/helper pid [0-9]+/helper pid <pid>/' | awk '
	/^ *[0-9]+[*]?  [0-9a-f.:]+ / {
		hb = substr($0, 72, 14); sf = substr($0, 86, 10)
		gsub(/[0-9]+\.[0-9]/, "<n>", hb); gsub(/[0-9]+\.[0-9]/, "<n>", sf); sub(/ +$/, "", hb); sub(/ +$/, "", sf)
		$0 = sprintf("%s%-14s%-10s%s", substr($0, 1, 71), hb, sf, substr($0, 96))
	}
	{ print }' | mask_tmp
}
# liveset: the statefile and heartbeat latencies, the times since the last
# statefile update and heartbeat (-1, "not applicable", stays)
mask_liveset() {
	jq --indent 2 "$jq_m"'
	if .raw then .raw |= (with_entries(if (.key | test("^(statefile|heartbeat)_latency")) then .value |= m else . end)
		| .host_raw_data |= map(.time_since_last_update_on_statefile |= mpos | .time_since_last_heartbeat |= mpos))
	else . end'
}
mask_liveset_xml() {
	sed -E -e 's#<((statefile|heartbeat)_latency[a-z_]*)>-?[0-9]+</#<\1>masked</#' \
		-e 's#<(time_since_last_update_on_statefile|time_since_last_heartbeat)>[0-9]+</#<\1>masked</#'
}
# statefile dump: sequences, boot ids, write times, epochs, last words' times
mask_dump() {
	jq --indent 2 "$jq_m"'
	.global.sequence |= m
	| .slots |= map(.sequence |= m | .boot_id |= m | .written_at_ms |= m | .epoch |= m | .last_words |= words)' |
		mask_tmp
}
mask_fencelog() { jq --indent 2 "$jq_m"'map(.last_words |= words)'; }

# out_golden NAME MASK: the last command's stdout, masked, against golden/NAME
out_golden() { "$2" <"$tmp/out" >"$tmp/masked.$1" && golden "$1" "$tmp/masked.$1"; }
cat_masked() { cat; }

for i in 0 1 2; do write_conf $i 127.0.0.1 127.0.0.2 127.0.0.3; done

# --- no agent ---------------------------------------------------------------
expect 0 "timeouts --json (from the config)" hc 0 timeouts --json
out_golden timeouts.json cat_masked
W=$(jq -r .configured.watchdog_timeout_ms <"$tmp/out")
failover=$(jq -r .bounds.failover_bound_ms <"$tmp/out")
detect=$(jq -r .bounds.detect_ms <"$tmp/out")
join=$(($(jq -r .configured.enable_join_timeout_ms <"$tmp/out") / 1000))
expect 0 "timeouts (human)" hc 0 timeouts
out_golden timeouts.txt mask_tmp
expect 0 "statefile init" hc 0 statefile init
expect 0 "fence-log on a fresh statefile" hc 0 fence-log
[ "$(grep -cE ': no last words \(boot id 0\): no agent has written this slot since the statefile was formatted$' "$tmp/out")" -eq 3 ] && pass "fresh statefile: no host has last words" ||
	fail "fresh statefile: $(cat "$tmp/out")"
expect 0 "watchdog probe with no agent" hc 0 watchdog probe
stdout_has '^watchdog test \(helper pid [0-9]+\): armed with timeout 3000 ms \(read back\), petted [0-9]+ time\(s\), disarmed again$' \
	"watchdog probe output"
expect 0 "watchdog probe --json with no agent" hc 0 watchdog probe --json
[ "$(jq -c '[.backend, .timeout_ms, .disarmed]' "$tmp/out")" = '["test",3000,true]' ] &&
	pass "watchdog probe --json: backend test, 3000 ms, disarmed" || fail "watchdog probe --json: $(cat "$tmp/out")"
expect 14 "ping with no agent" hc 0 ping
stderr_has '^hbctl: ping: no-agent \(14 DAEMON_IS_NOT_PRESENT\): no agent listens on .*ctl\.0\.sock' "ping with no agent says so"
expect 14 "status with no agent" hc 0 status
expect 14 "propose-master with no agent" hc 0 propose-master
expect 14 "set-weight with no agent" hc 0 set-weight 3
expect 14 "shutdown with no agent" hc 0 shutdown
expect 14 "disarm with no agent" hc 0 disarm

# --- host 0 alone: Starting ---------------------------------------------------
# The pool state is init: the first liveset needs all three, so host 0 alone
# stays starting however long it waits.
start_agent 0
wait_for 10 ctl 0 '{"cmd":"ping"}' || { fail "host 0 never answered"; exit 1; }
expect 0 "liveset --xml while starting" hc 0 liveset --xml
out_golden liveset-starting.xml cat_masked
expect 0 "liveset --json while starting" hc 0 liveset --json
out_golden liveset-starting.json cat_masked
expect 17 "propose-master while starting" hc 0 propose-master
stderr_has '^hbctl: propose-master: refused \(17 INVALID_LOCALHOST_STATE\): this host is not online \(phase starting\)$' \
	"propose-master while starting says why"
expect 17 "disarm while starting" hc 0 disarm
expect 17 "arm while starting" hc 0 arm
sf_access0() { [ "$(field 0 .sf_access)" = true ]; }
wait_for 10 sf_access0 || fail "host 0 has no statefile access"
# starting says what it waits for, for whom, and until when (exit 17: not protected)
waits_for_all() { [ "$(field 0 '.start.waiting_for')" = '"all-hosts"' ]; }
wait_for 10 waits_for_all || fail "host 0 starting: $(field 0 .start)"
expect 17 "status while starting" hc 0 status
stdout_has '^phase: +starting \(a new pool forms only when every configured host has started; waiting for hosts 1 2; gives up in [0-9]' \
	"status while starting names the hosts it waits for and when it gives up"
stdout_has '^protected: +NO \(starting: a new pool forms only when every configured host has started\)$' \
	"protected NO says it is starting"
expect 11 "set-excluded while the pool state is init" hc 0 set-excluded
stderr_has '^hbctl: set-excluded: refused \(11 INVALID_POOL_STATE\): the pool state is init, not active$' \
	"set-excluded in pool state init says why"
expect 11 "clear-excluded while the pool state is init" hc 0 clear-excluded
[ "$(field 0 .phase)" = '"starting"' ] && pass "host 0 is still starting" || fail "host 0: phase $(field 0 .phase)"

# --- the pool forms -----------------------------------------------------------
start_agent 1
start_agent 2
t0=$(now_ms)
if wait_for "$join" all_online; then
	pass "pool formed ($(($(now_ms) - t0)) ms)"
else
	fail "pool did not form within ${join} s"
	exit 1
fi
for i in 0 1 2; do remember_helper $i $i; done

expect 0 "propose-master on host 0" hc 0 propose-master
[ "$(cat "$tmp/out")" = TRUE ] && pass "propose-master on host 0: TRUE" || fail "propose-master on host 0: $(cat "$tmp/out")"
expect 0 "propose-master on host 1" hc 1 propose-master
[ "$(cat "$tmp/out")" = FALSE ] && pass "propose-master on host 1: FALSE" || fail "propose-master on host 1: $(cat "$tmp/out")"
master_everywhere() { [ "$(field 0 .master)$(field 1 .master)$(field 2 .master)" = 000 ]; }
wait_for 15 master_everywhere && pass "every host names master 0" || fail "hosts disagree on the master"
# a FALSE names who holds the lock (the response's reason), and the
# statefile dump names the holder from the slots' master flags
run "$client" "$tmp/ctl.1.sock" '{"v":1,"cmd":"propose-master"}'
[ "$(jq -r '[.result, .reason] | join(": ")' "$tmp/out" 2>/dev/null)" = "FALSE: host 0 (${uuid[0]}) holds the master lock" ] &&
	pass "propose-master FALSE names the holder" || fail "propose-master FALSE: $(cat "$tmp/out")"
# on a terminal (a person, not xapi), FALSE also says who holds the lock
if command -v script >/dev/null; then
	script -qec "env HB_WATCHDOG_TEST_HELPER=$helper $hbctl -c $tmp/conf.1 propose-master" /dev/null >"$tmp/out" 2>&1
	grep -q "^FALSE" "$tmp/out" && grep -q "hbctl: propose-master: host 0 (${uuid[0]}) holds the master lock" "$tmp/out" &&
		pass "propose-master on a terminal: FALSE and who holds the lock" || fail "propose-master on a terminal: $(cat "$tmp/out")"
fi
dump_names_master() { hc 1 statefile dump | grep -q "^master lock: *host 0 ${uuid[0]} (the master flag of its slot)$"; }
wait_for 10 dump_names_master && pass "statefile dump names the master lock's holder" ||
	fail "statefile dump: $(hc 1 statefile dump | grep -i master)"

# --- the documents, against their goldens ---------------------------------------
expect 0 "--json status" hc 0 --json status
out_golden status.json mask_status
expect 0 "status (human)" hc 0 status
out_golden status.txt mask_status_text
grep -q $'\033' "$tmp/out" && fail "status coloured on a pipe" || pass "status not coloured on a pipe"
# monitoring: the plugin and the metrics text of a healthy host
expect 0 "check on a healthy host (OK)" hc 0 check
stdout_has '^HBAGENT OK - protected, phase online, liveset 3 of 3, master host 0; info: statefile_io_deadline_short, pool_key_from_generation \| liveset=3;;3:;0;3 protected=1 armed=1 warnings=2 peers_disarmed=0 .* dropped_packets=[0-9]+c invalid_slots=0$' \
	"check: one status line with performance data"
[ "$(wc -l <"$tmp/out")" -eq 1 ] && pass "check prints one line" || fail "check printed $(wc -l <"$tmp/out") lines"
expect 0 "metrics (Prometheus text)" hc 0 metrics
cp "$tmp/out" "$tmp/metrics.prom"
expect 0 "metrics openmetrics" hc 0 metrics openmetrics
cp "$tmp/out" "$tmp/metrics.om"
# parsed by the Prometheus client library's own parsers (Debian's python3-prometheus-client)
if /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null; then
	parsed=$(/usr/bin/python3 - "$tmp/metrics.prom" "$tmp/metrics.om" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families as prom
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
out = []
for path, parse in ((sys.argv[1], prom), (sys.argv[2], om)):
    v = {}
    for fam in parse(open(path).read()):
        for s in fam.samples:
            if not s.labels:
                v[s.name] = s.value
    out.append("%s up=%g protected=%g liveset=%g configured=%g" % (
        "prom" if parse is prom else "om", v["hbagent_up"], v["hbagent_protected"],
        v["hbagent_liveset_hosts"], v["hbagent_configured_hosts"]))
print("; ".join(out))
PY
	)
	[ "$parsed" = "prom up=1 protected=1 liveset=3 configured=3; om up=1 protected=1 liveset=3 configured=3" ] &&
		pass "metrics parse as Prometheus text and as OpenMetrics: $parsed" || fail "metrics: $parsed"
else
	fail "python3-prometheus-client is missing (packaging/install-deps installs it)"
fi
expect 0 "liveset --json" hc 0 liveset --json
out_golden liveset.json mask_liveset
expect 0 "liveset --xml" hc 0 liveset --xml
out_golden liveset.xml mask_liveset_xml
expect 0 "liveset (human)" hc 0 liveset
out_golden liveset.txt cat_masked
expect 0 "statefile dump --json" hc 0 statefile dump --json
cp "$tmp/out" "$tmp/dump.json"
out_golden statefile-dump.json mask_dump
# the agent's statefile query: the dump's config, global block and slots
# (one encoder, hb_sf_json), each slot with heard and seen besides; the
# flags are not compared: the read may predate the dump (the master flag)
run "$client" "$tmp/ctl.0.sock" '{"v":1,"cmd":"statefile"}'
keys='{config, global: (.global | keys), slots: [.slots[] | {index, uuid, local, state, phase, weight, liveset, keys: keys}]}'
jq -c ".result | .slots |= map(del(.heard, .seen)) | $keys" "$tmp/out" >"$tmp/query.keys" 2>&1
jq -c "$keys" "$tmp/dump.json" >"$tmp/dump.keys" 2>&1
if [ "$rc" -eq 0 ] && cmp -s "$tmp/query.keys" "$tmp/dump.keys" &&
	[ "$(jq -c '[.result.read_age_ms >= 0, (.result.slots[] | .heard, .seen | type)] | unique' "$tmp/out")" = '[true,"array"]' ]; then
	pass "the agent's statefile query: the dump's config, global block and slots, with heard and seen"
else
	fail "the agent's statefile query differs from the dump (exit $rc): query $(cat "$tmp/query.keys"); dump $(cat "$tmp/dump.keys")"
fi
expect 0 "statefile dump (human)" hc 0 statefile dump
stdout_has '^  pool state: +active$' "statefile dump: pool state active"

# --- disarm / arm (host 1) ----------------------------------------------------
expect 0 "disarm on host 1" hc 1 disarm
[ "$(cat "$tmp/out")" = "disarmed: this host will not fence itself until \`hbctl arm\`" ] && pass "disarm says so" ||
	fail "disarm: $(cat "$tmp/out")"
disarmed() { [ "$(field 1 '[.armed, .protected, (.warnings | index("fencing_disarmed") != null)]')" = '[false,false,true]' ]; }
wait_for 5 disarmed && pass "host 1: disarmed, not protected, warning fencing_disarmed" ||
	fail "host 1 after disarm: $(field 1 '{armed, protected, warnings}')"
# the others see it: hosts[1].armed false in host 0's status and its table
peer_disarmed() { [ "$(field 0 '.hosts[1].armed')" = false ]; }
wait_for 10 peer_disarmed && pass "host 0 sees host 1 disarmed (hosts[1].armed false)" ||
	fail "host 0's view of host 1 after disarm: $(field 0 '.hosts[1]')"
expect 0 "status on host 0 (a disarmed peer is a warning, not critical)" hc 0 status
grep -Eq '^ +1  127\.0\.0\.2 +yes +yes +yes +online +yes +no +no ' "$tmp/out" &&
	pass "host 0's table shows host 1 ARMED no" || fail "host 0's table: $(grep -E '^ +1 ' "$tmp/out")"
stdout_has '^peers disarmed: +1 \(not protected: a fault there is not fenced\)$' "host 0's status names the disarmed peer"
stdout_has '^(warnings:)? +warning +peer_disarmed: ' "host 0's warning peer_disarmed, severity warning"
# the disarmed host itself: protected NO with the reason, exit 17
expect 0 "status --json on host 1 (disarmed: the document, exit 0)" hc 1 --json status
[ "$(jq -c '[.protected, .health]' "$tmp/out")" = '[false,"critical"]' ] && pass "--json: protected false, health critical" ||
	fail "--json on the disarmed host: $(jq -c '[.protected, .health, .protected_reason]' "$tmp/out")"
expect 17 "status on host 1 (disarmed: not protected)" hc 1 status
stdout_has '^protected: +NO \(fencing is disarmed \(hbctl arm arms it again\)\)$' "host 1 says why it is not protected"
stdout_has '^warnings: +critical fencing_disarmed: ' "host 1's warning fencing_disarmed is critical"
expect 2 "check on the disarmed host 1 (CRITICAL)" hc 1 check
stdout_has '^HBAGENT CRITICAL - not protected: fencing is disarmed .*; critical: fencing_disarmed' "check says why"
expect 1 "check on host 0 with a disarmed peer (WARNING)" hc 0 check
stdout_has '^HBAGENT WARNING - protected, .*; warning: peer_disarmed.* peers_disarmed=1 ' "check names the warning"
expect 0 "arm on host 1" hc 1 arm
[ "$(cat "$tmp/out")" = armed ] && pass "arm says armed" || fail "arm: $(cat "$tmp/out")"
armed() { [ "$(field 1 '[.armed, .protected, (.warnings | index("fencing_disarmed") != null)]')" = '[true,true,false]' ]; }
wait_for 5 armed && pass "host 1: armed, protected, no fencing_disarmed" ||
	fail "host 1 after arm: $(field 1 '{armed, protected, warnings}')"
peer_armed() { [ "$(field 0 '.hosts[1].armed')" = true ]; }
wait_for 10 peer_armed && pass "host 0 sees host 1 armed again" ||
	fail "host 0's view of host 1 after arm: $(field 0 '.hosts[1]')"

# --- set-weight (host 1) ------------------------------------------------------
expect 0 "set-weight 5 on host 1" hc 1 set-weight 5
[ "$(cat "$tmp/out")" = "ok: weight 5 is advertised from the next heartbeat on" ] && pass "set-weight says so" ||
	fail "set-weight: $(cat "$tmp/out")"
[ "$(field 1 '.hosts[] | select(.local) | .weight')" = 5 ] && pass "host 1's own status: weight 5" ||
	fail "host 1's own status: weight $(field 1 '.hosts[] | select(.local) | .weight')"
peer_weight() { [ "$(field 0 '.hosts[1].weight')" = 5 ] && [ "$(field 2 '.hosts[1].weight')" = 5 ]; }
wait_for 10 peer_weight && pass "hosts 0 and 2 see host 1's weight 5" ||
	fail "peers see host 1's weight $(field 0 '.hosts[1].weight') / $(field 2 '.hosts[1].weight')"
expect 1 "set-weight 0" hc 1 set-weight 0
stderr_has '^hbctl: set-weight: "0" is not a weight: expected an integer 1\.\.65535$' "set-weight 0 says why"
expect 1 "set-weight 65536" hc 1 set-weight 65536
expect 1 "set-weight abc" hc 1 set-weight abc
[ "$(field 1 '.hosts[] | select(.local) | .weight')" = 5 ] && pass "refused weights changed nothing" ||
	fail "weight after refused set-weight: $(field 1 '.hosts[] | select(.local) | .weight')"

# --- refused while an agent runs ----------------------------------------------
expect 15 "set-pool-state init while an agent runs" hc 0 set-pool-state init
stderr_has '^hbctl: set-pool-state: refused \(15 DAEMON_IS_PRESENT\): an agent is running' "set-pool-state init says why"
expect 15 "watchdog probe while an agent runs" hc 0 watchdog probe
stderr_has '^hbctl: watchdog probe: refused \(15 DAEMON_IS_PRESENT\): an agent is running' "watchdog probe says why"
expect 1 "set-pool-state bogus" hc 0 set-pool-state bogus

# --- a caller who is not root -------------------------------------------------
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
if command -v setpriv >/dev/null && "${nobody[@]}" test -x "$hbctl"; then
	# this test's directory is 0700: the config cannot be read, so a query
	# goes to the default socket (docs/control.md section 2): refused, never 0
	run "${nobody[@]}" "$hbctl" -c "$tmp/conf.0" status
	if { [ "$rc" -eq 14 ] || [ "$rc" -eq 16 ]; } && grep -q "/run/hbagent/hbagent.sock" "$tmp/err"; then
		pass "status by uid 65534 with an unreadable config: exit $rc, the default socket: $(cat "$tmp/err")"
	else
		fail "status by uid 65534 with an unreadable config: exit $rc: $(cat "$tmp/out" "$tmp/err")"
	fi
	# a change is never sent to a guessed socket: 6 (cannot read the config)
	expect 6 "disarm by uid 65534 with an unreadable config" "${nobody[@]}" "$hbctl" -c "$tmp/conf.0" disarm
	chmod 0711 "$tmp"
	# the socket is mode 0600: connect() itself is refused (EACCES)
	[ "$(stat -c %a "$tmp/ctl.0.sock")" = 600 ] && pass "control socket mode 0600" ||
		fail "control socket mode $(stat -c %a "$tmp/ctl.0.sock")"
	expect 16 "status by uid 65534 (socket mode 0600)" "${nobody[@]}" "$hbctl" -c "$tmp/conf.0" status
	stderr_has '^hbctl: status: permission-denied \(16 INVALID_ENVIRONMENT\): cannot connect to .*: Permission denied; run as root' \
		"the refusal names the socket and EACCES, and says who may"
	[ -s "$tmp/out" ] && fail "status by uid 65534 printed: $(cat "$tmp/out")" || pass "nothing on stdout"
	# the statefile is root's: a permission refusal, not a storage outage (8)
	chmod 0600 "$tmp/statefile"
	expect 16 "fence-log by uid 65534 (statefile mode 0600)" "${nobody[@]}" "$hbctl" -c "$tmp/conf.0" fence-log
	grep -q "Permission denied; run as root" "$tmp/err" && pass "fence-log says run as root: $(head -n1 "$tmp/err")" ||
		fail "fence-log by uid 65534: $(cat "$tmp/err")"
	expect 16 "disarm by uid 65534 (socket mode 0600)" "${nobody[@]}" "$hbctl" -c "$tmp/conf.0" disarm
	# the socket opened to everybody: the agent's own check (SO_PEERCRED)
	chmod 0666 "$tmp/ctl.0.sock"
	expect 16 "status by uid 65534 (agent check)" "${nobody[@]}" "$hbctl" -c "$tmp/conf.0" status
	stderr_has '^hbctl: status: permission-denied \(16 INVALID_ENVIRONMENT\): .*; run as root' "the agent's refusal, and who may"
	expect 16 "disarm by uid 65534 (agent check)" "${nobody[@]}" "$hbctl" -c "$tmp/conf.0" disarm
	chmod 0600 "$tmp/ctl.0.sock"
	[ "$(field 0 .control.denied)" -ge 2 ] 2>/dev/null && pass "the agent counted the denials" ||
		fail "control.denied = $(field 0 .control.denied)"
	[ "$(field 0 .armed)" = true ] && pass "host 0 still armed" || fail "host 0 disarmed by uid 65534"
	chmod 0700 "$tmp"
else
	echo "skip: no setpriv, or uid 65534 cannot run $hbctl"
	chmod 0700 "$tmp"
fi

# --- set-excluded (host 2) ----------------------------------------------------
ex_at=$(now_ms)
expect 0 "set-excluded on host 2" hc 2 set-excluded
[ "$(cat "$tmp/out")" = "excluded: the agent leaves the pool and exits" ] && pass "set-excluded says so" ||
	fail "set-excluded: $(cat "$tmp/out")"
wait "${pids[2]}"
rc=$?
[ $rc -eq 19 ] && pass "agent 2 exited 19 (SET_EXCLUDED)" || fail "agent 2 exited $rc, expected 19"
dropped2() { online 0 '[0,1]' && online 1 '[0,1]'; }
if wait_for $((failover / 1000 + 5)) dropped2; then
	dt=$(($(now_ms) - ex_at))
	# a silent host is dropped only after the detection time (T1 and more);
	# an excluded one at once
	[ "$dt" -lt "$detect" ] && pass "hosts 0 and 1 dropped the excluded host 2 after ${dt} ms (< detect ${detect} ms)" ||
		fail "hosts 0 and 1 dropped host 2 after ${dt} ms: not at once (detect ${detect} ms)"
else
	fail "hosts 0 and 1 kept the excluded host 2"
fi
slot2_excluded() { hc 0 statefile dump --json 2>/dev/null | jq -e '.slots[2].flags | index("excluded") != null' >/dev/null; }
slot2_excluded && pass "statefile dump: slot 2 says excluded" ||
	fail "slot 2 is not excluded: $(hc 0 statefile dump --json | jq -c '.slots[2] | {phase, flags}')"
[ "$(field 0 '.hosts[2].excluded')" = true ] && pass "host 0's status: host 2 excluded" ||
	fail "host 0's status: host 2 excluded = $(field 0 '.hosts[2].excluded')"
[ -s "$tmp/fence.2.log" ] && fail "host 2 fenced after set-excluded: $(cat "$tmp/fence.2.log")" || pass "host 2 not fenced"

# no agent for host 2: the statefile route
expect 0 "clear-excluded with no agent (statefile)" hc 2 clear-excluded
stdout_has '^cleared: no agent: statefile .*/statefile: host 2 33333333-3333-4333-8333-333333333333 excluded flag cleared \(slot sequence [0-9]+\)$' \
	"clear-excluded through the statefile"
slot2_excluded && fail "slot 2 still excluded after clear-excluded" || pass "slot 2's excluded flag is gone"
expect 0 "set-excluded with no agent (statefile)" hc 2 set-excluded --json
[ "$(cat "$tmp/out")" = '"excluded"' ] && pass "set-excluded --json: \"excluded\"" || fail "set-excluded --json: $(cat "$tmp/out")"
slot2_excluded && pass "slot 2 excluded again" || fail "slot 2 not excluded after set-excluded"
expect 0 "clear-excluded with no agent, again" hc 2 clear-excluded
slot2_excluded && fail "slot 2 still excluded" || pass "slot 2 clear"

# --- host 2 joins the running pool: propose-master 17 until it is online -------
start_agent 2
join_at=$(now_ms)
rc=14
limit=$(($(now_ms) + 10000))
while [ "$rc" -eq 14 ] && [ "$(now_ms)" -lt "$limit" ]; do
	run hc 2 propose-master
	[ "$rc" -eq 14 ] && sleep 0.05
done
phase2=$(field 2 .phase)
if [ "$rc" -eq 17 ]; then
	pass "propose-master on host 2 while it joins: exit 17 ($(cat "$tmp/err"))"
else
	fail "propose-master on host 2 while it joins: exit $rc, phase $phase2: $(cat "$tmp/out" "$tmp/err")"
fi
if wait_for "$join" all_online; then
	pass "host 2 joined the running pool after $(($(now_ms) - join_at)) ms"
else
	fail "host 2 did not join: $(status 2 | jq -c '{phase, liveset}')"
fi
remember_helper 2 3
expect 0 "propose-master on host 2 once online" hc 2 propose-master
[ "$(cat "$tmp/out")" = FALSE ] && pass "propose-master on host 2: FALSE (host 0 holds)" ||
	fail "propose-master on host 2: $(cat "$tmp/out")"

# --- shutdown (host 1) --------------------------------------------------------
expect 0 "shutdown host 1" hc 1 shutdown
[ "$(cat "$tmp/out")" = "stopping: the agent disarms, publishes stopped and excluded, and exits" ] &&
	pass "shutdown says so" || fail "shutdown: $(cat "$tmp/out")"
wait "${pids[1]}"
rc=$?
[ $rc -eq 0 ] && pass "agent 1 exited 0" || fail "agent 1 exited $rc"
expect 14 "ping on the stopped host 1" hc 1 ping
expect 14 "status on the stopped host 1" hc 1 status
dropped1() { online 0 '[0,2]' && online 2 '[0,2]'; }
wait_for 10 dropped1 && pass "hosts 0 and 2 dropped the stopped host 1" || fail "hosts 0 and 2 kept host 1"
# a host not live: its row shows no stale values, and when it was last heard
expect 0 "status on host 0 with host 1 gone" hc 0 status
grep -Eq '^ +1  127\.0\.0\.2 +NO +(yes|no) +(yes|no) +- +- +- +- +- ' "$tmp/out" &&
	pass "host 1's row: not live, no last values" || fail "host 1's row: $(grep -E '^ +1 ' "$tmp/out")"
stdout_has '^      not live: last heard [0-9]+\.[0-9] s ago, last seen in phase [a-z]+$' "host 1: when it was last heard"

# --- SIGKILL (host 2): a watchdog fence, which leaves no last words ------------
kill -KILL "${pids[2]}"
wait "${pids[2]}" 2>/dev/null
wait_for $((W / 1000 + 5)) fence_time 2 && pass "host 2's watchdog fenced it: $(head -n1 "$tmp/fence.2.log" | cut -d' ' -f3-)" ||
	fail "host 2's watchdog never fired"
# The agent left its armed marker (the guard) behind; with the test backend
# it lives next to the agent's lock file (-l), which hbctl does not know: the
# test backend has no marker for hbctl (hb_watchdog_params_from_config), so
# the probe runs (0), on a helper of its own that cannot cancel host 2's.
[ -e "$tmp/hbagent.${uuid[2]}.armed" ] && pass "host 2's watchdog guard stands after its fence" ||
	fail "host 2 left no watchdog guard"
expect 0 "watchdog probe for host 2 (no agent; test backend: no marker for hbctl)" hc 2 watchdog probe
# a watchdog reset leaves no last words: fence-log says what the slot shows
expect 0 "fence-log after host 2's watchdog fence" hc 0 fence-log
stdout_has '^host 2 [0-9a-f-]+: no last words \(boot id [1-9][0-9]*\): its last record was written Online and armed: if the host is not running now, its watchdog reset it' \
	"fence-log: host 2 was last seen Online and armed"

# --- set-pool-state invalid (host 0) -------------------------------------------
expect 0 "set-pool-state invalid through host 0" hc 0 set-pool-state invalid
stdout_has '^invalid: written by the agent, statefile .*/statefile shows it \(global sequence [0-9]+\)$' \
	"set-pool-state invalid written by the agent"
wait "${pids[0]}"
rc=$?
[ $rc -eq 11 ] && pass "agent 0 exited 11 (INVALID_POOL_STATE)" || fail "agent 0 exited $rc, expected 11"
[ -s "$tmp/fence.0.log" ] || [ -s "$tmp/fence.1.log" ] && fail "host 0 or 1 fenced: $(cat "$tmp"/fence.[01].log)" ||
	pass "hosts 0 and 1 never fenced"

# --- no agent left ------------------------------------------------------------
expect 14 "ping with the agent stopped" hc 0 ping
expect 14 "status with the agent stopped" hc 0 status
stderr_has '^hbctl: status: no-agent \(14 DAEMON_IS_NOT_PRESENT\): .*; HA is disabled on this pool \(the statefile.s pool state is invalid\)$' \
	"status says no agent, and that HA is disabled"
expect 14 "liveset with the agent stopped (xapi's query: no statefile probe)" hc 0 liveset
stderr_has '^hbctl: liveset: no-agent \(14 DAEMON_IS_NOT_PRESENT\): .*; HA is not running on this host' "liveset says no agent"
expect 14 "status with a config that does not exist" "$hbctl" -c "$tmp/no-such.conf" status
stderr_has 'no agent listens on .*; the config cannot be used, so no agent can start with it: .*no-such\.conf: ' \
	"no agent, and the config is why"
expect 2 "check with no agent (CRITICAL)" hc 0 check
stdout_has '^HBAGENT CRITICAL - status: no-agent ' "check says no agent"
expect 0 "metrics with no agent" hc 0 metrics
stdout_has '^hbagent_up 0$' "metrics: hbagent_up 0"
# an agent that holds this host's lock file but does not listen yet (it waits
# out its predecessor's fence bound): in a mount namespace of its own, so no
# real /run/hbagent is touched
if unshare --mount true 2>/dev/null; then
	run unshare --mount bash -c 'mkdir -p /run/hbagent && mount -t tmpfs none /run/hbagent &&
		exec 9>"/run/hbagent/hbagent.$1.lock" && flock -x 9 && exec "${@:2}"' _ "${uuid[0]}" \
		env HB_WATCHDOG_TEST_HELPER="$helper" "$hbctl" -c "$tmp/conf.0" status
	[ "$rc" -eq 14 ] && grep -q '; an agent runs for this host (it holds /run/hbagent/hbagent\..*\.lock) but does not answer yet: it is starting' "$tmp/err" &&
		pass "no agent on the socket, but the lock is held: it is starting" || fail "lock held: exit $rc: $(cat "$tmp/err")"
else
	echo "skip: no mount namespaces"
fi
expect 1 "a mistyped command" hc 0 stauts
stderr_has '^hbctl: unknown command "stauts"; did you mean "status"\? ' "did you mean"
expect 14 "liveset --xml with the agent stopped" hc 0 liveset --xml
expect 0 "statefile dump" hc 0 statefile dump --json
[ "$(jq -r .global.pool_state "$tmp/out")" = invalid ] && pass "dump: pool state invalid" ||
	fail "dump: pool state $(jq -r .global.pool_state "$tmp/out")"
expect 0 "set-pool-state init with no agent" hc 0 set-pool-state init
stdout_has '^init: statefile .*/statefile: pool state init \(global sequence [0-9]+\)$' "set-pool-state init written"
expect 0 "statefile dump" hc 0 statefile dump --json
[ "$(jq -r .global.pool_state "$tmp/out")" = init ] && pass "dump: pool state init" ||
	fail "dump: pool state $(jq -r .global.pool_state "$tmp/out")"
expect 0 "statefile set-pool-state active with no agent" hc 0 statefile set-pool-state active
expect 0 "statefile dump" hc 0 statefile dump --json
[ "$(jq -r .global.pool_state "$tmp/out")" = active ] && pass "dump: pool state active" ||
	fail "dump: pool state $(jq -r .global.pool_state "$tmp/out")"
expect 0 "fence-log" hc 0 fence-log
out_golden fence-log.txt cat_masked
expect 0 "fence-log --json" hc 0 fence-log --json
out_golden fence-log.json mask_fencelog

# --- another pool's statefile (a stale xhad.conf): both generations named ------
other_gen=0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f
sed -E "s#<GenerationUUID>[^<]*</GenerationUUID>#<GenerationUUID>$other_gen</GenerationUUID>#" "$tmp/conf.0" >"$tmp/conf.other"
cp "$tmp/conf.other" "$tmp/conf.9"
expect 0 "statefile dump with another pool's generation" hc 9 statefile dump
stdout_has "^  generation: +$gen \\(MISMATCH: the configuration has $other_gen\\)\$" "the dump names both generations"
: >"$tmp/agent.9.log"
start_agent 9
wait "${pids[9]}"
rc=$?
[ $rc -eq 10 ] && pass "an agent with another pool's config exits 10 (GENERATION_UUID_MISMATCH)" || fail "the agent exited $rc"
grep -q "the statefile belongs to another pool: its global block has generation $gen, this host's configuration $other_gen" \
	"$tmp/agent.9.log" && pass "its log names both generations" ||
	fail "its log: $(grep -E 'error|stopping' "$tmp/agent.9.log" | head -n 3)"

# --- an all-zero statefile: starting says why, instead of waiting in silence ---
dd if=/dev/zero of="$tmp/statefile" bs=4096 count=4 conv=notrunc status=none
start_agent 0
wait_for 10 ctl 0 '{"cmd":"ping"}' || fail "host 0 never answered on a zeroed statefile"
zero_reason() { [ "$(field 0 .protected_reason)" = '"starting: the statefile'"'"'s global block does not decode (bad_magic)"' ]; }
wait_for 10 zero_reason && pass "a zeroed statefile: status says the global block does not decode (bad_magic)" ||
	fail "a zeroed statefile: $(field 0 '[.phase, .protected_reason, .start]')"
expect 17 "status on a zeroed statefile" hc 0 status
stdout_has "^protected: +NO \\(starting: the statefile's global block does not decode \\(bad_magic\\)\\)\$" \
	"status (human): protected NO, and why"
kill -TERM "${pids[0]}"
wait "${pids[0]}" 2>/dev/null

echo "run time: $(($(now_ms) - test_start)) ms"
finish
