#!/usr/bin/env bash
# test_64_agents.sh HBAGENT HBCTL HBWATCHDOG_TEST CTL_CLIENT
#
# The largest pool through every interface (docs/control.md): 64 agents on
# 127.0.0.1-64, the test watchdog backend, the statefile a regular file, a
# short timeout (T = 10, 1 s intervals). Hosts 0 and 63 are started by xapi's
# ha_start_daemon (which must see Online through a 64-host liveset and leave
# the agent running), the others directly. Once all are Online, every agent
# is asked every query through hbctl (status, liveset, liveset --xml,
# statefile dump, timeouts) and through xapi's ha_query_liveset; the
# documents must list all 64 hosts (the XML every <host> and
# <host_raw_data>, each UUID list 64 long), and nobody fences. The measured
# reply sizes are printed. About a minute on 2 cores; root, jq and python3
# only (skips otherwise).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scripts=$here/../../packaging/xapi/cluster-stack
N=${HB_POOL_SIZE:-64}

source "$here/../lib/lib.sh"
agent_args "$@"
need python3
agent_test .hb64 0

hosts=()
for ((h = 0; h < N; h++)); do hosts+=(--host "$(uuid_of $h)" "127.0.0.$((h + 1))"); done
for ((i = 0; i < N; i++)); do
	mkconf --gen "$gen" --port "$port" "${hosts[@]}" --timing 1,10,1,10,10,25,90,90,5 --local "$(uuid_of "$i")" \
		--statefile "$tmp/statefile" --backend test --fence-log "$tmp/fence.$i.log" --ctl "$tmp/ctl.$i.sock" \
		>"$tmp/conf.$i"
done

truncate -s $((4096 * (N + 1) + 1048576)) "$tmp/statefile"
"$hbctl" -c "$tmp/conf.0" statefile init >/dev/null || { fail "statefile init"; exit 1; }

# ha I SCRIPT ARGS...: an xapi script for host I, as xapi runs it (PATH with
# the stack directory); stdout in $tmp/ha.I.out, exit code returned
ha() {
	local i=$1 s=$2
	shift 2
	env PATH="$scripts:$PATH" HBAGENT_CONF="$tmp/conf.$i" HBCTL="$hbctl" HBAGENT="$hbagent" \
		HBAGENT_LOG="$tmp/agent.$i.log" HBAGENT_WEIGHT_FILE="$tmp/weight.$i" \
		HBAGENT_ARGS="-l $tmp/lock.$i --no-syslog --no-realtime ${HBAGENT_ARGS:-}" \
		HB_WATCHDOG_TEST_HELPER="$helper" "$scripts/$s" "$@" >"$tmp/ha.$i.out" 2>"$tmp/ha.$i.err"
}

start=$(now_ms)
declare -a sd_pid=()
for ((i = 0; i < N; i++)); do
	if [ "$i" -eq 0 ] || [ "$i" -eq $((N - 1)) ]; then
		ha "$i" ha_start_daemon &
		sd_pid[$i]=$!
	else
		HB_WATCHDOG_TEST_HELPER=$helper "$hbagent" -c "$tmp/conf.$i" -l "$tmp/lock.$i" --no-syslog --no-realtime \
			${HBAGENT_ARGS:-} >>"$tmp/agent.$i.log" 2>&1 &
		pids[$i]=$!
	fi
done
for i in 0 $((N - 1)); do
	wait "${sd_pid[$i]}"
	rc=$?
	if [ $rc -eq 0 ]; then
		pass "host $i: ha_start_daemon saw Online through the $N-host liveset -> 0 ($(($(now_ms) - start)) ms)"
	else
		fail "host $i: ha_start_daemon -> $rc: $(cat "$tmp/ha.$i.err")"
	fi
	pids[$i]=$(pgrep -f -- "-c $tmp/conf.$i( |$)" | head -n1)
done

# every agent Online with the whole pool (the liveset document starts with
# its status: read only that much)
all_online() {
	local i s
	for ((i = 0; i < N; i++)); do
		s=$("$client" "$tmp/ctl.$i.sock" '{"v":1,"cmd":"liveset"}' 2>/dev/null | head -c 200)
		[[ $s == *'"status":"Online"'* ]] || return 1
	done
}
if wait_for 120 all_online; then
	pass "all $N agents are Online ($(($(now_ms) - start)) ms after the start)"
else
	fail "not all $N agents came Online"
	exit 1
fi

# sizes: the reply lines on the socket, largest over every agent
declare -A wire=()
for q in status liveset statefile timeouts; do
	max=0
	for ((i = 0; i < N; i++)); do
		n=$("$client" "$tmp/ctl.$i.sock" "{\"v\":1,\"cmd\":\"$q\"}" 2>/dev/null | wc -c)
		[ "$n" -gt "$max" ] && max=$n
	done
	wire[$q]=$max
done

# every query through hbctl, on every agent
bad=()
declare -A out_max=()
check_out() { # NAME FILE
	local n
	n=$(wc -c <"$2")
	[ "$n" -gt "${out_max[$1]:-0}" ] && out_max[$1]=$n
}
for ((i = 0; i < N; i++)); do
	h=(-c "$tmp/conf.$i")
	"$hbctl" "${h[@]}" --json status >"$tmp/q.status" 2>>"$tmp/q.err" &&
		[ "$(jq -c '[.phase, (.liveset | length), (.hosts | length)]' "$tmp/q.status")" = "[\"online\",$N,$N]" ] ||
		bad+=("$i status")
	check_out "status --json" "$tmp/q.status"
	"$hbctl" "${h[@]}" status >"$tmp/q.status.txt" 2>>"$tmp/q.err" || bad+=("$i status (human)")
	check_out status "$tmp/q.status.txt"
	"$hbctl" "${h[@]}" liveset --json >"$tmp/q.liveset" 2>>"$tmp/q.err" &&
		[ "$(jq -c '[.status, ([.hosts[] | select(.liveness)] | length),
			([.raw.host_raw_data[] | (.heartbeat_active_list_on_heartbeat, .statefile_active_list_on_statefile)
			| length] | unique)]' "$tmp/q.liveset")" = "[\"Online\",$N,[$N]]" ] ||
		bad+=("$i liveset --json")
	check_out "liveset --json" "$tmp/q.liveset"
	"$hbctl" "${h[@]}" liveset >"$tmp/q.liveset.txt" 2>>"$tmp/q.err" || bad+=("$i liveset (human)")
	check_out liveset "$tmp/q.liveset.txt"
	"$hbctl" "${h[@]}" liveset --xml >"$tmp/q.xml.$i" 2>>"$tmp/q.err" || bad+=("$i liveset --xml")
	check_out "liveset --xml" "$tmp/q.xml.$i"
	"$hbctl" "${h[@]}" --json statefile dump >"$tmp/q.sf" 2>>"$tmp/q.err" &&
		[ "$(jq '.slots | length' "$tmp/q.sf")" = "$N" ] || bad+=("$i statefile dump")
	check_out "statefile dump --json" "$tmp/q.sf"
	"$hbctl" "${h[@]}" --json timeouts >"$tmp/q.to" 2>>"$tmp/q.err" || bad+=("$i timeouts")
	check_out "timeouts --json" "$tmp/q.to"
done
[ ${#bad[@]} -eq 0 ] && pass "hbctl answered every query on all $N agents, every document with all $N hosts" ||
	fail "hbctl queries failed: ${bad[*]:0:10} ($(head -c 300 "$tmp/q.err"))"

# xapi's ha_query_liveset on every host
bad=()
for ((i = 0; i < N; i++)); do
	ha "$i" ha_query_liveset || { bad+=("$i exit $?"); continue; }
	mv "$tmp/ha.$i.out" "$tmp/ha.xml.$i"
	check_out ha_query_liveset "$tmp/ha.xml.$i"
done
[ ${#bad[@]} -eq 0 ] && pass "ha_query_liveset -> 0 on all $N hosts" || fail "ha_query_liveset: ${bad[*]:0:10}"

# every XML document, as xapi's parser reads it: every host in <host> and in
# <host_raw_data>, every list with every host
python3 - "$tmp" "$N" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
tmp, n = sys.argv[1], int(sys.argv[2])
bad = []
for f in sorted(glob.glob(tmp + "/q.xml.*") + glob.glob(tmp + "/ha.xml.*")):
    r = ET.parse(f).getroot()
    hosts = r.findall("host")
    raw = r.findall("raw_status_on_local_host/host_raw_data")
    ok = r.findtext("status") == "Online" and len(hosts) == n and len(raw) == n
    ok = ok and all(h.findtext("liveness") == "TRUE" for h in hosts)
    ok = ok and all(len((h.findtext(l) or "").split()) == n for h in raw
                    for l in ("heartbeat_active_list_on_heartbeat", "heartbeat_active_list_on_statefile",
                              "statefile_active_list_on_heartbeat", "statefile_active_list_on_statefile"))
    if not ok:
        bad.append(f.rsplit("/", 1)[1])
print(("ok: every liveset XML (hbctl and ha_query_liveset, %d documents) has all %d hosts in <host> and "
       "<host_raw_data>, every list %d long") % (2 * n, n, n) if not bad else "FAIL: liveset XML: " + " ".join(bad[:10]))
sys.exit(1 if bad else 0)
PY
[ $? -eq 0 ] || fails=$((fails + 1))

ha 0 ha_start_daemon
rc=$?
[ $rc -eq 15 ] && pass "ha_start_daemon on a running host -> 15" || fail "ha_start_daemon again -> $rc"

fenced=$(cat "$tmp"/fence.*.log 2>/dev/null | wc -l)
alive=0
for ((i = 0; i < N; i++)); do kill -0 "${pids[$i]}" 2>/dev/null && alive=$((alive + 1)); done
[ "$fenced" -eq 0 ] && [ "$alive" -eq "$N" ] && pass "nobody fenced, all $N agents still run" ||
	fail "$fenced fence log lines, $alive of $N agents run"

echo "reply sizes at $N hosts (bytes; largest over every agent):"
for q in status liveset statefile timeouts; do
	printf '  socket %-10s %8d\n' "$q" "${wire[$q]}"
done
for k in "status --json" status "liveset --json" liveset "liveset --xml" ha_query_liveset "statefile dump --json" \
	"timeouts --json"; do
	printf '  output %-22s %8d\n' "$k" "${out_max[$k]:-0}"
done
echo "total $(($(now_ms) - start)) ms"

finish
