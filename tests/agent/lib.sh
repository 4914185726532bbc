# lib.sh: helpers shared by the hbagent end-to-end tests (sourced).
# The caller sets: tmp (a private directory), hbagent, helper (hbwatchdog-test),
# client (hbagent-ctl-client), port; arrays pids and helpers; fails=0;
# optionally statefile (default $tmp/statefile). $HBAGENT_ARGS adds agent
# options (e.g. --no-mlock for a sanitizer build).

pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
now_ms() { date +%s%3N; }

gen=7c4b2a10-5d3e-4f60-8a71-92b3c4d5e6f7
uuid=(11111111-1111-4111-8111-111111111111 22222222-2222-4222-8222-222222222222
	33333333-3333-4333-8333-333333333333)

# write_conf INDEX ADDR0 ADDR1 ADDR2: xapi's timing for T = 6 with W = 3 s,
# the test watchdog backend, a per-host fence log and control socket.
write_conf() {
	local i=$1
	cat >"$tmp/conf.$i" <<XML
<?xml version="1.0" encoding="utf-8"?>
<xhad-config version="1.0">
  <common-config>
    <GenerationUUID>$gen</GenerationUUID>
    <UDPport>$port</UDPport>
    <host><HostID>${uuid[0]}</HostID><IPaddress>$2</IPaddress></host>
    <host><HostID>${uuid[1]}</HostID><IPaddress>$3</IPaddress></host>
    <host><HostID>${uuid[2]}</HostID><IPaddress>$4</IPaddress></host>
    <parameters>
      <HeartbeatInterval>1</HeartbeatInterval>
      <HeartbeatTimeout>6</HeartbeatTimeout>
      <StateFileInterval>2</StateFileInterval>
      <StateFileTimeout>6</StateFileTimeout>
      <HeartbeatWatchdogTimeout>6</HeartbeatWatchdogTimeout>
      <StateFileWatchdogTimeout>21</StateFileWatchdogTimeout>
      <BootJoinTimeout>66</BootJoinTimeout>
      <EnableJoinTimeout>66</EnableJoinTimeout>
      <WatchdogTimeout>3</WatchdogTimeout>
    </parameters>
  </common-config>
  <local-config>
    <localhost>
      <HostID>${uuid[$i]}</HostID>
      <StateFile>${statefile:-$tmp/statefile}</StateFile>
      <WatchdogBackend>test</WatchdogBackend>
      <TestFenceLog>$tmp/fence.$i.log</TestFenceLog>
      <ControlSocket>$tmp/ctl.$i.sock</ControlSocket>
    </localhost>
  </local-config>
</xhad-config>
XML
}

# ctl INDEX JSON: one request to host INDEX's control socket (the whole
# response line: {"v":1,"ok":...,"result":...}; docs/control.md)
ctl() { "$client" "$tmp/ctl.$1.sock" "$2" 2>/dev/null; }
status() { ctl "$1" '{"v":1,"cmd":"status"}' | jq -c .result 2>/dev/null; }
# field INDEX JQ: one value of host INDEX's status, "" when it does not answer
field() { status "$1" | jq -c "$2" 2>/dev/null; }
# online INDEX LIVESET_JSON: host INDEX is online and armed with that liveset
online() { [ "$(field "$1" '[.phase, .liveset, .armed]')" = "[\"online\",$2,true]" ]; }

# wait_for SECONDS CMD...: run CMD every 100 ms until it succeeds
wait_for() {
	local limit=$(($(now_ms) + $1 * 1000)); shift
	while [ "$(now_ms)" -lt "$limit" ]; do
		"$@" >/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# fence_time INDEX: wall-clock ms of the first line of host INDEX's fence log
fence_time() {
	local f=$tmp/fence.$1.log
	[ -s "$f" ] || return 1
	date -d "$(head -n1 "$f" | cut -d' ' -f1)" +%s%3N
}

# remember_helper INDEX SLOT: the pid of host INDEX's armed watchdog helper
remember_helper() { helpers[$2]=$(field "$1" '.watchdog.identity' | tr -dc '0-9'); }

# kill_all: every agent and helper this test started, by pid, then any
# helper left whose command line names this test's private directory
kill_all() {
	local p
	for p in "${helpers[@]}" "${pids[@]}"; do
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	done
	for p in $(pgrep -f -- "$tmp/" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
}

show_logs() {
	local f
	for f in "$tmp"/agent.*.log; do
		[ -e "$f" ] && { echo "==== $f"; tail -n 60 "$f"; }
	done
}
