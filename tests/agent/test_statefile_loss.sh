#!/usr/bin/env bash
# test_statefile_loss.sh HBAGENT HBCTL HBWATCHDOG_TEST CTL_CLIENT
#
# Survival rule 2 end to end: three agents on 127.0.0.1-3 share a statefile on
# a loop device with 4096-byte logical sectors (a 4Kn LUN). The device then
# "dies" for everybody at once (its capacity drops to 0: every read comes
# back short, every write fails) while the network stays whole. Checks:
#   - the pool forms on the block device;
#   - every host loses statefile access, survival rule 2 comes into force on
#     all three, the liveset stays 0,1,2 and nobody fences, well past the
#     fence bound and the hung-statefile bounds;
#   - the I/O errors are counted in status;
#   - when the device comes back, every host regains access, rule 2 ends and
#     the liveset is still 0,1,2 with nobody fenced.
# Needs root and loop devices; exits 77 (skip) otherwise.
set -uo pipefail
source "$(dirname "$0")/../lib/lib.sh"
agent_args "$@"
need losetup
agent_test .hbagent-sfloss 7919
loop=""
at_exit '[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null'

size=$((1024 * 1024))
truncate -s "$size" "$tmp/sf.img"
if ! loop=$(losetup -f --show -b 4096 "$tmp/sf.img" 2>/dev/null); then
	echo "SKIP: cannot attach a loop device with 4096-byte sectors"
	exit 77
fi
statefile=$loop

for i in 0 1 2; do write_conf $i 127.0.0.1 127.0.0.2 127.0.0.3; done
read_timing
fence_bound=$(jq -r .derived.fence_bound_ms <<<"$tj")
hung=$(jq -r .bounds.hung_storage_decide_ms <<<"$tj")
form_pool "pool formed on $loop (4096-byte sectors)"

# --- the statefile dies for everybody ---------------------------------------
dd if="$loop" of="$tmp/sf.save" bs=4096 count=4 iflag=direct status=none
truncate -s 0 "$tmp/sf.img"
losetup -c "$loop"
lost_at=$(now_ms)
rule2() { [ "$(field "$1" '[.rule2, .sf_access, .liveset]')" = '[true,false,[0,1,2]]' ]; }
all_rule2() { rule2 0 && rule2 1 && rule2 2; }
if wait_for 20 all_rule2; then
	pass "statefile lost by all: rule 2 in force on every host after $(($(now_ms) - lost_at)) ms"
else
	fail "rule 2 did not come into force: $(for i in 0 1 2; do status $i | jq -c '[.phase,.rule2,.sf_access,.liveset]'; done)"
fi
hold=$(((fence_bound > hung ? fence_bound : hung) / 1000 + 5))
sleep "$hold"
if all_rule2; then
	pass "after ${hold} s more: still rule 2, liveset 0,1,2 everywhere"
else
	fail "rule 2 did not hold: $(for i in 0 1 2; do status $i | jq -c '[.phase,.rule2,.sf_access,.liveset]'; done)"
fi
errs=$(field 0 '.statefile.read.errors + .statefile.read.short + .statefile.write.errors + .statefile.write.short')
[ "${errs:-0}" -gt 0 ] && pass "I/O errors counted in status ($errs)" || fail "no I/O error counted in status"
grep -q "survival rule 2 in force" "$tmp/agent.1.log" && pass "rule 2 logged" || fail "rule 2 not logged"

# --- the statefile comes back ----------------------------------------------
truncate -s "$size" "$tmp/sf.img"
dd if="$tmp/sf.save" of="$tmp/sf.img" bs=4096 conv=notrunc oflag=direct status=none
losetup -c "$loop"
back_at=$(now_ms)
healthy() { [ "$(field "$1" '[.rule2, .sf_access, .liveset, .phase]')" = '[false,true,[0,1,2],"online"]' ]; }
all_healthy() { healthy 0 && healthy 1 && healthy 2; }
if wait_for 30 all_healthy; then
	pass "statefile back: access regained, rule 2 over after $(($(now_ms) - back_at)) ms"
else
	fail "did not recover: $(for i in 0 1 2; do status $i | jq -c '[.phase,.rule2,.sf_access,.liveset]'; done)"
fi
for i in 0 1 2; do
	[ -s "$tmp/fence.$i.log" ] && fail "host $i was fenced: $(cat "$tmp/fence.$i.log")"
done
[ "$fails" -eq 0 ] && pass "nobody fenced"

finish
