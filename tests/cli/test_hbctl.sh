#!/usr/bin/env bash
# test_hbctl.sh HBCTL: hbctl end to end, as an admin runs it.
# Goal: `timeouts` prints the effective values and timelines for the shipped
# example config and for -T, as text and JSON with the same figures; unsafe
# and broken configs are refused with the xhad exit code and a message naming
# the values; usage errors exit 1; the statefile tool works on a regular file;
# with no agent, every control-socket command exits 14 while the ones with a
# statefile route (set-excluded, clear-excluded, set-pool-state, fence-log)
# work on the statefile; set-weight is checked before any agent is asked;
# `config check` reports unknown elements with their line and the name meant
# (goldens in tests/cli/golden, HB_UPDATE_GOLDEN=1 rewrites them); every
# command's -h prints its usage to stdout and exits 0 without an agent; -T
# takes what the agent accepts (6..500000); hbagent warns about an unknown
# element at start and refuses it with --strict.
set -euo pipefail
hbctl=${1:?path to hbctl}
root=${HB_SOURCE_ROOT:?}
source "$(dirname "$0")/../lib/lib.sh"
make_tmp .hbctl-test

# expect RC CMD... : run CMD, capture stdout+stderr in $out, check exit code
expect() {
	local want=$1; shift
	set +e; out=$("$@" 2>&1); rc=$?; set -e
	[ "$rc" -eq "$want" ] || { fail "'$*' exited $rc, expected $want: $out"; return 1; }
}
contains() { grep -qF -- "$2" <<<"$1" || { fail "output lacks '$2': $1"; return 1; }; }

# A pool config: write_conf FILE [PARAMETERS_XML]
# (the second <host> on line 7)
write_conf() {
	mkconf --gen 5e0f1c1a-9b8e-4d2c-a0f3-1b2c3d4e5f60 --host 22222222-2222-2222-2222-222222222222 192.0.2.2 \
		--host 11111111-1111-1111-1111-111111111111 192.0.2.1 --host 33333333-3333-3333-3333-333333333333 192.0.2.3 \
		--param "${2:-}" --local 11111111-1111-1111-1111-111111111111 --statefile "${3:-$tmp/statefile}" \
		--local-xml '<HeartbeatInterface>xenbr0</HeartbeatInterface>' >"$1"
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

# one meaning per option name: --ha-timeout is -T; --timeout (hbctl's bound
# in ms) after `timeouts` is refused with a message saying so
if expect 0 "$hbctl" timeouts --ha-timeout 30 --json && [ "$(jq -r .params.T1 <<<"$out" 2>/dev/null || true)" != "" ]; then
	pass "timeouts --ha-timeout 30"
fi
if expect 1 "$hbctl" timeouts --timeout 30; then
	contains "$out" "--timeout is hbctl's own bound in milliseconds" && contains "$out" "the HA timeout is -T or --ha-timeout" &&
		pass "timeouts --timeout 30 refused: it says which option is meant"
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

# 7. no agent: the control-socket commands exit 14, naming the socket
write_conf "$tmp/noagent.conf" "" "$tmp/sf-noagent"
nosock="$tmp/no-agent.sock"
before=$fails
for cmd in status liveset "liveset --xml" ping propose-master disarm arm "set-weight 5" shutdown; do
	# shellcheck disable=SC2086 # $cmd is a command and its arguments
	expect 14 "$hbctl" -c "$tmp/noagent.conf" -S "$nosock" $cmd && contains "$out" "DAEMON_IS_NOT_PRESENT" &&
		contains "$out" "$nosock"
done
[ "$fails" -eq "$before" ] && pass "every control-socket command with no agent: exit 14"
# the socket comes from the config's <ControlSocket> when -S is absent
sed "s|<StateFile>|<ControlSocket>$tmp/from-config.sock</ControlSocket><StateFile>|" "$tmp/noagent.conf" >"$tmp/sock.conf"
expect 14 "$hbctl" -c "$tmp/sock.conf" ping && contains "$out" "$tmp/from-config.sock" &&
	pass "the config's <ControlSocket> is the default socket"
# an unreadable config: a change needs it (6), -S makes it unnecessary (14)
expect 6 "$hbctl" -c "$tmp/does-not-exist.conf" disarm && pass "a change with an unreadable config and no -S: exit 6"
expect 14 "$hbctl" -c "$tmp/does-not-exist.conf" -S "$nosock" disarm && pass "a change with -S needs no config"
expect 1 "$hbctl" -S "$nosock" --timeout 0 ping && pass "--timeout 0: exit 1"

# 8. usage errors of the client commands, checked before any agent is asked
before=$fails
for w in 0 70000 abc -1 ""; do
	expect 1 "$hbctl" -c "$tmp/noagent.conf" -S "$nosock" set-weight "$w" && contains "$out" "set-weight"
done
[ "$fails" -eq "$before" ] && pass "set-weight outside 1..65535: exit 1"
expect 1 "$hbctl" --frobnicate ping && pass "unknown global option: exit 1"
expect 1 "$hbctl" -S "$nosock" ping --frobnicate && contains "$out" "unknown option" && pass "unknown command option: exit 1"
expect 1 "$hbctl" -S "$nosock" ping extra && pass "unexpected argument: exit 1"
expect 1 "$hbctl" -S "$nosock" set-pool-state bogus && pass "set-pool-state bogus: exit 1"
expect 1 "$hbctl" -S "$nosock" watchdog frob && pass "watchdog frob: exit 1"

# 9. watchdog probe with no agent: a missing device is a watchdog error (4);
# the test backend (its helper next to hbctl in the build) arms and disarms
sed "s|<StateFile>|<WatchdogBackend>linux</WatchdogBackend><WatchdogDevice>$tmp/no-watchdog</WatchdogDevice><StateFile>|" \
	"$tmp/noagent.conf" >"$tmp/wd-linux.conf"
expect 4 "$hbctl" -c "$tmp/wd-linux.conf" -S "$nosock" watchdog probe && contains "$out" "$tmp/no-watchdog" &&
	pass "watchdog probe on a missing device: exit 4"
if [ -x "$(dirname "$hbctl")/hbwatchdog-test" ]; then
	sed "s|<StateFile>|<WatchdogBackend>test</WatchdogBackend><TestFenceLog>$tmp/fence.log</TestFenceLog><StateFile>|" \
		"$tmp/noagent.conf" >"$tmp/wd-test.conf"
	if expect 0 "$hbctl" -c "$tmp/wd-test.conf" -S "$nosock" --json watchdog probe; then
		[ "$(jq -r '.backend + " " + (.timeout_ms | tostring) + " " + (.disarmed | tostring)' <<<"$out")" = "test 5000 true" ] &&
			pass "watchdog probe on the test backend: armed 5000 ms and disarmed" || fail "watchdog probe: $out"
	fi
else
	echo "skip: no hbwatchdog-test next to $hbctl: test-backend probe skipped"
fi

# 10. no agent: the statefile routes, on a regular file
truncate -s 4M "$tmp/sf-noagent"
H=("$hbctl" -c "$tmp/noagent.conf" -S "$nosock")
if ! dd if=/dev/zero of="$tmp/sf-noagent" bs=4096 count=1 oflag=direct conv=notrunc 2>/dev/null; then
	echo "skip: $tmp does not support O_DIRECT: statefile routes skipped"
elif expect 0 "${H[@]}" statefile init; then
	if expect 0 "${H[@]}" fence-log; then
		[ "$(grep -cE ': no last words \(boot id 0\): no agent has written this slot since the statefile was formatted$' <<<"$out")" = 3 ] && pass "fence-log on a fresh statefile: no last words x3" ||
			fail "fence-log on a fresh statefile: $out"
	fi
	expect 0 "${H[@]}" fence-log --json &&
		[ "$(jq -c '[.[] | .last_words]' <<<"$out")" = "[null,null,null]" ] && pass "fence-log --json: no last words"
	expect 11 "${H[@]}" set-excluded && pass "set-excluded with pool state init: exit 11"
	expect 0 "${H[@]}" set-pool-state init && pass "set-pool-state init with no agent"
	expect 0 "${H[@]}" set-pool-state active && contains "$out" "pool state active" && pass "set-pool-state active with no agent"
	expect 0 "${H[@]}" set-excluded && contains "$out" "excluded flag set" &&
		expect 0 "${H[@]}" statefile dump --json &&
		[ "$(jq -c '.slots[0].flags' <<<"$out")" = '["excluded"]' ] && pass "set-excluded with no agent writes the flag"
	expect 0 "${H[@]}" --json clear-excluded && [ "$out" = '"cleared"' ] &&
		expect 0 "${H[@]}" statefile dump --json &&
		[ "$(jq -c '.slots[0].flags' <<<"$out")" = '[]' ] && pass "clear-excluded with no agent clears it"
	expect 0 "${H[@]}" set-pool-state invalid && expect 0 "${H[@]}" statefile dump --json &&
		[ "$(jq -r .global.pool_state <<<"$out")" = invalid ] && pass "set-pool-state invalid with no agent"
	# a corrupted slot: printed as such, exit 9
	printf 'garbage' | dd of="$tmp/sf-noagent" bs=1 seek=$((4096 * 2 + 100)) conv=notrunc 2>/dev/null
	expect 9 "${H[@]}" fence-log && contains "$out" "host 1 22222222-2222-2222-2222-222222222222: slot invalid" &&
		pass "fence-log with a corrupted slot: exit 9"
fi
write_conf "$tmp/nosf.conf" "" "$tmp/no-statefile"
expect 8 "$hbctl" -c "$tmp/nosf.conf" fence-log && contains "$out" "$tmp/no-statefile" && pass "fence-log with no statefile: exit 8"

# 11. config check: goldens, run in $tmp on copies of tests/data/config (the
# file names in the output are relative). HB_UPDATE_GOLDEN=1 rewrites them.
golden_dir="$root/tests/cli/golden"
# golden NAME WANT_RC CMD...: stdout and stderr of CMD (run in $tmp) equal golden_dir/NAME
golden() {
	local name=$1 want=$2; shift 2
	local got rc
	set +e; got=$(cd "$tmp" && "$@" 2>&1); rc=$?; set -e
	[ "$rc" -eq "$want" ] || { fail "$name: '$*' exited $rc, expected $want: $got"; return 0; }
	if [ -n "${HB_UPDATE_GOLDEN:-}" ]; then
		printf '%s\n' "$got" >"$golden_dir/$name"
		echo "updated $golden_dir/$name"
	elif ! diff -u "$golden_dir/$name" - <<<"$got" >"$tmp/golden.diff"; then
		fail "$name: output differs from tests/cli/golden/$name (- golden, + real):"
		cat "$tmp/golden.diff"
		return 0
	fi
	pass "golden $name (exit $rc)"
}
cp "$root/tests/data/config/good_xapi3.conf" "$tmp/xapi.conf"
sed 's|<HeartbeatTimeout>60</HeartbeatTimeout>|<HeartbeatTimout>6</HeartbeatTimout>|' "$tmp/xapi.conf" >"$tmp/typo.conf"
sed 's|parameters>|paramaters>|' "$tmp/xapi.conf" >"$tmp/parent.conf"
sed 's|<StateFile>|<Frobnicator/><udpport>694</udpport><StateFiel>x</StateFiel><StateFile>|' "$tmp/xapi.conf" >"$tmp/misc.conf"
# an unknown element before an error: both reported
sed 's|<UDPport>694</UDPport>|<UDPprt>694</UDPprt><UDPport>zz</UDPport>|' "$tmp/xapi.conf" >"$tmp/both.conf"
golden config-check-ok.txt 0 "$hbctl" -c xapi.conf config check
golden config-check-typo.txt 7 "$hbctl" config check -c typo.conf
golden config-check-parent.txt 7 "$hbctl" config check -c parent.conf
golden config-check-misc.txt 7 "$hbctl" config check -c misc.conf
golden config-check-both.txt 7 "$hbctl" config check -c both.conf
golden config-check-typo.json 7 "$hbctl" --json config check -c typo.conf
golden config-check-ok.json 0 "$hbctl" config check -c xapi.conf --json
golden config-check-unreadable.txt 6 "$hbctl" config check -c missing.conf
golden config-check-unsafe.txt 7 "$hbctl" config check -c "$(basename "$tmp/unsafe.conf")"
# every sample config of tests/data and docs/examples is clean, the bad ones are not
before=$fails
for f in "$root"/tests/data/config/good_*.conf "$root"/docs/examples/*.conf; do
	expect 0 "$hbctl" config check -c "$f" && contains "$out" "$f: OK: "
done
for f in "$root"/tests/data/config/bad_*.conf; do expect 7 "$hbctl" config check -c "$f"; done
[ "$fails" -eq "$before" ] && pass "config check: every good sample config OK, every bad one exit 7"
# the agent's view is the same file: timeouts still loads a file with a typo
expect 0 "$hbctl" -c "$tmp/typo.conf" timeouts && pass "an unknown element is not an error outside config check"
expect 1 "$hbctl" config && contains "$out" "missing action" && pass "config without an action: exit 1"
expect 1 "$hbctl" config frob && contains "$out" 'unknown action "frob"' && pass "config frob: exit 1"
expect 1 "$hbctl" config check extra && pass "config check extra: exit 1"

# 12. -h on every command: usage on stdout, nothing on stderr, exit 0, no
# agent asked (a socket that does not exist would give 14)
before=$fails
for c in status liveset ping propose-master disarm arm set-excluded clear-excluded set-pool-state set-weight \
	fence-log watchdog shutdown timeouts statefile config "config check"; do
	# shellcheck disable=SC2086 # $c is a command and its arguments
	set +e; stdout=$("$hbctl" -c "$tmp/does-not-exist.conf" -S "$nosock" $c -h 2>"$tmp/stderr"); rc=$?; set -e
	[ "$rc" -eq 0 ] || fail "hbctl $c -h exited $rc: $stdout $(cat "$tmp/stderr")"
	[ ! -s "$tmp/stderr" ] || fail "hbctl $c -h wrote to stderr: $(cat "$tmp/stderr")"
	grep -q "^usage: hbctl .*${c%% *}" <<<"$stdout" || fail "hbctl $c -h: no usage line on stdout: $stdout"
done
[ "$fails" -eq "$before" ] && pass "every command's -h: usage on stdout, exit 0, no agent"

# 13. -T: the range of the man page (hbctl.8) is the one accepted
golden timeouts-T4.txt 1 "$hbctl" timeouts -T 4
golden timeouts-T600000.txt 1 "$hbctl" timeouts -T 600000
expect 0 "$hbctl" timeouts -T 6 && expect 0 "$hbctl" timeouts -T 500000 && pass "timeouts -T 6 and -T 500000 accepted"
grep -q "xapi's one HA timeout T, 6 to 500000 seconds" "$root/docs/man/hbctl.8" &&
	pass "hbctl.8 states the range 6 to 500000" || fail "hbctl.8 does not state -T's range 6 to 500000"

# 14. hbagent (next to hbctl in the build): each unknown element is logged
# with severity warning at start; --strict refuses to start (7) before it
# touches anything. The file also has an unsafe timing, checked after the
# warnings, so that no agent goes further whatever happens (a broken
# --strict is told by its message).
hbagent="$(dirname "$hbctl")/hbagent"
if [ -x "$hbagent" ]; then
	agent_opts=(--no-syslog --no-mlock --no-realtime -l "$tmp/agent.lock" --boot-id-file "$tmp/agent.boot-id")
	sed 's|<HeartbeatTimeout>60</HeartbeatTimeout>|<HeartbeatTimout>60</HeartbeatTimout><HeartbeatTimeout>3</HeartbeatTimeout>|' \
		"$tmp/xapi.conf" >"$tmp/typo-unsafe.conf"
	if expect 7 "$hbagent" -c "$tmp/typo-unsafe.conf" --strict "${agent_opts[@]}"; then
		contains "$out" "error: $tmp/typo-unsafe.conf:22: <HeartbeatTimout>: unknown element in <parameters>, ignored (did you mean <HeartbeatTimeout>?)" &&
			contains "$out" "1 unknown element(s): refused (--strict)" && pass "hbagent --strict: an unknown element refuses the start (7)"
	fi
	[ ! -e "$tmp/agent.lock" ] || fail "hbagent --strict took its lock file before refusing"
	if expect 7 "$hbagent" -c "$tmp/typo-unsafe.conf" "${agent_opts[@]}"; then
		contains "$out" "warning: $tmp/typo-unsafe.conf:22: <HeartbeatTimout>: unknown element in <parameters>" &&
			! grep -q "refused (--strict)" <<<"$out" && contains "$out" "HeartbeatTimeout T1=3000 ms" &&
			pass "hbagent without --strict: the unknown element is a warning, the start goes on"
	fi
	expect 0 "$hbagent" --help && contains "$out" "--strict" && pass "hbagent --help lists --strict"
else
	echo "skip: no hbagent next to $hbctl: its --strict checks skipped"
fi

finish
