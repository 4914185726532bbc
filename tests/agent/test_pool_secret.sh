#!/usr/bin/env bash
# test_pool_secret.sh HBAGENT HBCTL HBWATCHDOG_TEST CTL_CLIENT UDP_INJECT
#
# The pool secret under xapi (docs/operations.md, "The pool secret"): three
# agents on 127.0.0.1-3 (T = 6, test watchdog backend), each with its own
# copy of the secret (<PoolSecretFile>, as xapi's /etc/xensource/ptoken,
# mode 600), no <PoolKeyFile>, as xapi writes xhad.conf.
#   1. every host says pool_key.source "pool_secret", without the warning
#      pool_key_from_generation;
#   2. N heartbeats forged "from host 2" into host 1 with the key derived
#      from the GenerationUUID alone (what anyone who reads the statefile can
#      compute): host 1's bad_mac counter grows by exactly N, its view does
#      not change, it still hears host 2;
#   3. the secret is rewritten on host 0, 1 and 2, two seconds apart: the
#      hosts announce the rotation (warning pool_key_rotation), switch to the
#      new key, and finish it; meanwhile no heartbeat is refused (bad_mac
#      stays), every host stays online with liveset [0,1,2] and nobody fences;
#   4. a heartbeat made with the old secret is then refused (bad_mac).
# About 60 s. Needs root and raw sockets; exits 77 (skip) otherwise.
set -uo pipefail
source "$(dirname "$0")/../lib/lib.sh"
agent_args "$@"
agent_test .hbagent-secret 7919
N=20
# write_secret FILE TEXT: a new file, mode 600, as xapi creates the pool secret
write_secret() { (umask 077 && printf '%s' "$2" >"$1.new" && mv -f "$1.new" "$1"); }
# rewrite_secret FILE TEXT: in place, without truncating, as xapi's pool
# secret rotation copies the new secret over /etc/xensource/ptoken
rewrite_secret() { printf '%s' "$2" 1<>"$1"; }
# with_secret INDEX FILE: host INDEX's xhad.conf, with <PoolSecretFile>FILE
with_secret() {
	sed -i "s|<ControlSocket>|<PoolSecretFile>$2</PoolSecretFile><ControlSocket>|" "$tmp/conf.$1"
}

old=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/11111111-2222-3333-4444-555555555555/deadbeef-0000-1111-2222-333344445555
new=aa1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/22222222-2222-3333-4444-555555555555/feedbeef-0000-1111-2222-333344445555
for i in 0 1 2; do
	write_conf $i 127.0.0.1 127.0.0.2 127.0.0.3
	write_secret "$tmp/ptoken.$i" "$old"
	with_secret $i "$tmp/ptoken.$i"
done
# what an attacker with the old secret would use (step 4)
cp "$tmp/conf.2" "$tmp/conf.old"
write_secret "$tmp/ptoken.old" "$old"
sed -i "s|$tmp/ptoken.2|$tmp/ptoken.old|" "$tmp/conf.old"

need_raw_sockets genkey

read_timing
switch_ms=$(jq -r .derived.key_switch_ms <<<"$tj")
grace_ms=$(jq -r .derived.key_grace_ms <<<"$tj")
form_pool

# 1. the key comes from the pool secret
for i in 0 1 2; do
	k=$(field $i '[.pool_key.source, .pool_key.file, .pool_key.rotation, (.warnings | index("pool_key_from_generation"))]')
	[ "$k" = "[\"pool_secret\",\"$tmp/ptoken.$i\",\"steady\",null]" ] && pass "host $i: key from the pool secret $k" ||
		fail "host $i: pool_key and warning: $k"
done

bad_mac() { field "$1" '.dropped.net[0].dropped.bad_mac // 0'; }
no_fence() {
	local i
	for i in 0 1 2; do
		[ -s "$tmp/fence.$i.log" ] && { fail "host $i fenced: $(cat "$tmp/fence.$i.log")"; return 1; }
	done
	return 0
}
view1() { field 1 '[.phase, .liveset, .armed]'; }

# 2. heartbeats forged with the generation's key are refused
before_view=$(view1)
b=$(bad_mac 1)
for ((k = 0; k < N; k++)); do
	"$inject" "$tmp/conf.2" genkey 2 127.0.0.2 "$port" || fail "genkey: udp_inject exit $?"
	sleep 0.05
done
sleep 1.5
a=$(bad_mac 1)
[ $((a - b)) -eq "$N" ] && pass "generation-key forgeries: host 1's bad_mac grew by $N ($b -> $a)" ||
	fail "generation-key forgeries: bad_mac $b -> $a after $N packets: $(status 1 | jq -c .dropped)"
v=$(view1)
[ "$v" = "$before_view" ] && pass "host 1's view unchanged $v" || fail "host 1's view changed: $before_view -> $v"
age=$(field 1 '.hosts[2].heartbeat_age_ms[0]')
[ -n "$age" ] && [ "$age" != null ] && [ "$age" -lt 2000 ] && pass "host 1 still hears host 2 (${age} ms)" ||
	fail "host 1's view of host 2: $(status 1 | jq -c '.hosts[2]')"

# 3. rotation, one host after another
declare -a mac0=()
for i in 0 1 2; do mac0[$i]=$(bad_mac $i); done
t0=$(now_ms)
rewrite_secret "$tmp/ptoken.0" "$new"
sleep 2
rewrite_secret "$tmp/ptoken.1" "$new"
sleep 2
rewrite_secret "$tmp/ptoken.2" "$new"
saw_rotation=0 saw_switch=0 broken=""
# until every host is steady again (the last saw it ~4 s after the first,
# plus a second or two to confirm the file), watching every half second
limit=$((t0 + 4000 + grace_ms + 8000))
while [ "$(now_ms)" -lt "$limit" ]; do
	states=""
	for i in 0 1 2; do
		s=$(field $i '[.phase, .liveset, .armed, .pool_key.rotation, .pool_key.rotations, (.warnings | index("pool_key_rotation") != null)]')
		states="$states $s"
		case "$s" in
		'["online",[0,1,2],true,"pending",1,true]') saw_rotation=1 ;;
		'["online",[0,1,2],true,"retiring",1,true]') saw_switch=1 ;;
		'["online",[0,1,2],true,"steady",1,false]' | '["online",[0,1,2],true,"steady",0,false]') ;;
		*) [ -z "$broken" ] && broken="host $i at +$(($(now_ms) - t0)) ms: $s" ;;
		esac
	done
	case "$states" in *pending*|*retiring*|*',0,'*) ;; *) break ;; esac
	sleep 0.5
done
[ "$saw_rotation" = 1 ] && [ "$saw_switch" = 1 ] &&
	pass "the hosts announced the rotation (pending, then retiring: switch $switch_ms ms, grace $grace_ms ms)" ||
	fail "rotation phases not seen (pending $saw_rotation, retiring $saw_switch): $states"
[ -z "$broken" ] && pass "every host online, liveset [0,1,2], armed, throughout the rotation" || fail "during the rotation: $broken"
for i in 0 1 2; do
	s=$(field $i '[.pool_key.rotation, .pool_key.rotations, (.warnings | index("pool_key_rotation"))]')
	[ "$s" = '["steady",1,null]' ] && pass "host $i: rotation done $s" || fail "host $i after the grace: $s"
	a=$(bad_mac $i)
	[ "$a" = "${mac0[$i]}" ] && pass "host $i refused no heartbeat during the rotation (bad_mac $a)" ||
		fail "host $i: bad_mac ${mac0[$i]} -> $a during the rotation"
done
grep -q "sending with the new key" "$tmp/agent.0.log" && pass "host 0 logged the switch to the new key" ||
	fail "no switch in host 0's log"
no_fence && pass "nobody fenced during the rotation"

# 4. the old secret no longer authenticates anything
b=$(bad_mac 1)
"$inject" "$tmp/conf.old" stale 2 127.0.0.2 "$port" || fail "old key: udp_inject exit $?"
sleep 1
a=$(bad_mac 1)
[ $((a - b)) -eq 1 ] && pass "a heartbeat made with the old secret is refused (bad_mac $b -> $a)" ||
	fail "old secret: bad_mac $b -> $a: $(status 1 | jq -c .dropped)"
all_online && pass "the pool is whole" || fail "the pool: $(for i in 0 1 2; do field $i '[.phase,.liveset]'; done)"
no_fence

finish
