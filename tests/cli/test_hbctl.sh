#!/usr/bin/env bash
# test_hbctl.sh HBCTL: hbctl end to end, as an admin runs it.
# Goal: `timeouts` prints the effective values and timelines for the shipped
# example config and for -T, as text and JSON with the same figures; unsafe
# and broken configs are refused with the xhad exit code and a message naming
# the values; usage errors exit 1; the statefile tool works on a regular file.
set -euo pipefail
hbctl=${1:?path to hbctl}
root=${HB_SOURCE_ROOT:?}
tmp=$(mktemp -d --tmpdir=/var/tmp --suffix=.hbctl-test)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect RC CMD... : run CMD, capture stdout+stderr in $out, check exit code
expect() {
	local want=$1; shift
	set +e; out=$("$@" 2>&1); rc=$?; set -e
	[ "$rc" -eq "$want" ] || { fail "'$*' exited $rc, expected $want: $out"; return 1; }
}
contains() { grep -qF -- "$2" <<<"$1" || { fail "output lacks '$2': $1"; return 1; }; }

# A pool config: write_conf FILE [PARAMETERS_XML]
write_conf() {
	cat >"$1" <<XML
<?xml version="1.0" encoding="utf-8"?>
<xhad-config version="1.0">
  <common-config>
    <GenerationUUID>5e0f1c1a-9b8e-4d2c-a0f3-1b2c3d4e5f60</GenerationUUID>
    <UDPport>694</UDPport>
    <host><HostID>22222222-2222-2222-2222-222222222222</HostID><IPaddress>192.0.2.2</IPaddress></host>
    <host><HostID>11111111-1111-1111-1111-111111111111</HostID><IPaddress>192.0.2.1</IPaddress></host>
    <host><HostID>33333333-3333-3333-3333-333333333333</HostID><IPaddress>192.0.2.3</IPaddress></host>
    <parameters>${2:-}</parameters>
  </common-config>
  <local-config>
    <localhost>
      <HostID>11111111-1111-1111-1111-111111111111</HostID>
      <HeartbeatInterface>xenbr0</HeartbeatInterface>
      <StateFile>${3:-$tmp/statefile}</StateFile>
    </localhost>
  </local-config>
</xhad-config>
XML
}

# 1. the shipped example
if expect 0 "$hbctl" -c "$root/docs/examples/xhad.conf" timeouts; then
	contains "$out" "fence bound F" && contains "$out" "every survivor publishes a liveset without H" &&
		contains "$out" "host H isolated from the network" && pass "timeouts on docs/examples/xhad.conf"
fi

# 2. -T 30, text and JSON agree
if expect 0 "$hbctl" timeouts -T 30 --json; then
	json=$out
	fb=$(jq -r .derived.fence_bound_ms <<<"$json")
	t1=$(jq -r .configured.heartbeat_timeout_ms <<<"$json")
	[ "$t1" = 30000 ] || fail "-T 30 gave T1=$t1"
	expect 0 "$hbctl" timeouts -T 30
	contains "$out" "fence bound F                    $(printf '%8d.%03d' $((fb / 1000)) $((fb % 1000))) s" &&
		pass "timeouts -T 30: text and JSON agree (F=$fb ms)"
fi

# 2b. the T = 30 figures quoted in docs/timing.md are the tool's own
if expect 0 "$hbctl" timeouts -T 30 --json; then
	doc=$(tr '\n' ' ' <"$root/docs/timing.md")
	for key in derived.removal_wait_ms bounds.failover_bound_ms bounds.failover_typical_ms bounds.isolation_bound_ms; do
		v=$(jq -r ".$key" <<<"$out")
		figure=$(printf '%d.%03d s' $((v / 1000)) $((v % 1000)))
		grep -qF -- "$figure" <<<"$doc" || fail "docs/timing.md does not quote $key = $figure (hbctl timeouts -T 30)"
	done
	pass "docs/timing.md quotes the T = 30 figures hbctl prints"
fi

# 3. unsafe relation refused, naming the values (exit 7 = invalid config)
write_conf "$tmp/unsafe.conf" "<HeartbeatInterval>4</HeartbeatInterval><HeartbeatTimeout>10</HeartbeatTimeout>"
if expect 7 "$hbctl" -c "$tmp/unsafe.conf" timeouts; then
	contains "$out" "HeartbeatTimeout T1=10000 ms" && contains "$out" "HeartbeatInterval t1=4000 ms" &&
		pass "unsafe T1 < 3 t1 refused"
fi
write_conf "$tmp/unsafe-wh.conf" "<HeartbeatWatchdogTimeout>6</HeartbeatWatchdogTimeout>"
if expect 7 "$hbctl" -c "$tmp/unsafe-wh.conf" timeouts; then
	contains "$out" "HeartbeatWatchdogTimeout Wh=6000 ms" && pass "unsafe Wh refused"
fi

# 4. config that cannot be read (6) / is invalid (7, with its line)
expect 6 "$hbctl" -c "$tmp/does-not-exist.conf" timeouts && pass "unreadable config: exit 6"
write_conf "$tmp/bad.conf"
sed -i 's/11111111-1111-1111-1111-111111111111<\/HostID><IPaddress>/1111-nope<\/HostID><IPaddress>/' "$tmp/bad.conf"
if expect 7 "$hbctl" -c "$tmp/bad.conf" timeouts; then
	contains "$out" "bad.conf:7:" && contains "$out" "HostID" && pass "invalid config: exit 7 with file:line"
fi

# 5. usage
expect 1 "$hbctl" && pass "no command: exit 1"
expect 1 "$hbctl" frobnicate && contains "$out" 'unknown command "frobnicate"' && pass "unknown command: exit 1"
expect 1 "$hbctl" timeouts -T ten && pass "bad -T: exit 1"
expect 0 "$hbctl" --version && contains "$out" "hbctl " && pass "--version"

# 6. statefile tool on a regular file (where the filesystem allows O_DIRECT)
write_conf "$tmp/pool.conf" "" "$tmp/statefile"
truncate -s 4M "$tmp/statefile"
if ! dd if=/dev/zero of="$tmp/statefile" bs=4096 count=1 oflag=direct conv=notrunc 2>/dev/null; then
	echo "skip: $tmp does not support O_DIRECT: statefile checks skipped"
elif expect 0 "$hbctl" -c "$tmp/pool.conf" statefile init; then
	expect 0 "$hbctl" -c "$tmp/pool.conf" statefile dump --json
	n_valid=$(jq '[.slots[] | select(.valid == true)] | length' <<<"$out")
	state=$(jq -r .global.pool_state <<<"$out")
	[ "$n_valid" = 3 ] && [ "$state" = init ] && pass "statefile init + dump on a regular file" ||
		fail "after init: $n_valid valid slots, pool state $state: $out"
	# corrupt host 2's slot (offset 4096 * 3): only it becomes invalid
	printf 'garbage' | dd of="$tmp/statefile" bs=1 seek=$((4096 * 3 + 100)) conv=notrunc 2>/dev/null
	expect 0 "$hbctl" -c "$tmp/pool.conf" statefile dump --json
	valid=$(jq -c '[.slots[] | .valid]' <<<"$out")
	[ "$valid" = "[true,true,false]" ] && pass "one corrupted slot is the only invalid one" ||
		fail "after corrupting slot 2: $valid"
fi

echo "cli: $fails failure(s)"
[ "$fails" -eq 0 ]
