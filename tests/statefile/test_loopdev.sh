#!/usr/bin/env bash
# test_loopdev.sh: `hbctl statefile` on real block devices.
#
# For 512- and 4096-byte logical sectors: a loop device (direct I/O) as the
# statefile of a 3-host pool; init, dump (every slot valid, the sector size
# reported), one slot corrupted on the device (only it reads INVALID(crc)),
# set-pool-state active, set-excluded (the flag shows in dump --json), and a
# device too small for the pool refused with both sizes in the message.
# Then the hang test: the statefile's I/O hangs in the kernel and
# `hbctl statefile dump --timeout 2000` must return exit 8 within 5 s with
# "did not answer". The hang comes from a suspended device-mapper target
# when the kernel has device-mapper, else from a FUSE mount (bindfs) whose
# server is SIGSTOPped: a loop device over a file on it (reads hang) and a
# regular file on it (open itself hangs).
#
# Usage: test_loopdev.sh HBCTL. Needs root and losetup, else exits 77.
set -euo pipefail

HBCTL=${1:?usage: test_loopdev.sh HBCTL}

source "$(dirname "$0")/../lib/lib.sh"
need_root "needs root for loop devices"
need losetup jq

make_tmp .hb-loopdev
WORK=$tmp
LOOPS=()
DM_NAME=""
FUSE_PID=""
FUSE_MNT=""

cleanup() {
	# Let hung I/O finish first: resume before remove, before losetup -d.
	[ -n "$FUSE_PID" ] && kill -CONT "$FUSE_PID" 2>/dev/null
	if [ -n "$DM_NAME" ]; then
		dmsetup resume "$DM_NAME" 2>/dev/null
		dmsetup remove --retry "$DM_NAME" 2>/dev/null || { sleep 2; dmsetup remove "$DM_NAME"; }
	fi
	for dev in "${LOOPS[@]}"; do
		losetup -d "$dev" 2>/dev/null
	done
	if [ -n "$FUSE_MNT" ]; then
		for _ in 1 2 3 4 5; do
			fusermount -u "$FUSE_MNT" 2>/dev/null && break
			sleep 1
		done
		mountpoint -q "$FUSE_MNT" && fusermount -u -z "$FUSE_MNT"
	fi
	[ -n "$FUSE_PID" ] && kill "$FUSE_PID" 2>/dev/null
}
at_exit cleanup

# Three hosts; the local one (index 0 after sorting) is the last listed.
GEN=8a1c1f0e-3b0e-4c3f-9a43-1d2e3f405162
H0=11111111-1111-1111-1111-111111111111
H1=22222222-2222-2222-2222-222222222222
H2=33333333-3333-3333-3333-333333333333

write_conf() { # FILE STATEFILE
	mkconf --gen "$GEN" --host "$H2" 192.0.2.3 --host "$H1" 192.0.2.2 --host "$H0" 192.0.2.1 --local "$H0" \
		--statefile "$2" >"$1"
}

new_loop() { # BACKING SECTOR_SIZE -> sets LOOP_DEV (not in a subshell: LOOPS must keep it)
	LOOP_DEV=$(losetup --sector-size "$2" --show -f --direct-io=on "$1")
	LOOPS+=("$LOOP_DEV")
}

# run EXPECTED_RC CMD...: runs it, output in $OUT, fails on another exit code.
run() {
	local want=$1 rc=0
	shift
	OUT=$("$@" 2>&1) || rc=$?
	[ "$rc" -eq "$want" ] || die "$* exited $rc, expected $want; output:
$OUT"
}

# Flip one byte in the middle of slot SLOT (block 1+SLOT), through the device.
corrupt_slot() { # DEV SLOT
	local blk=$((1 + $2)) tmp="$WORK/block"
	dd if="$1" of="$tmp" bs=4096 skip="$blk" count=1 iflag=direct status=none
	printf '\xa5' | dd of="$tmp" bs=1 seek=2000 conv=notrunc status=none
	dd if="$tmp" of="$1" bs=4096 seek="$blk" count=1 oflag=direct conv=notrunc status=none
}

check_sector_size() { # SECTOR_SIZE
	local s=$1 dev conf
	truncate -s 4M "$WORK/back-$s"
	new_loop "$WORK/back-$s" "$s"
	dev=$LOOP_DEV
	conf="$WORK/xhad-$s.conf"
	write_conf "$conf" "$dev"
	echo "== sector size $s: $dev"

	run 0 "$HBCTL" -c "$conf" statefile init
	run 0 "$HBCTL" -c "$conf" statefile dump
	echo "$OUT"
	grep -q "^device: *block device$" <<<"$OUT" || die "dump does not report a block device"
	grep -q "^logical sector: *$s bytes$" <<<"$OUT" || die "dump does not report logical sector $s"
	grep -q "^global block: *VALID$" <<<"$OUT" || die "global block not valid after init"
	[ "$(grep -c '^slot [0-2] .*: EMPTY$' <<<"$OUT")" -eq 3 ] || die "not every slot valid (EMPTY) after init"
	run 0 "$HBCTL" -c "$conf" statefile dump --json
	[ "$(jq '.statefile.logical_sector_size' <<<"$OUT")" -eq "$s" ] || die "JSON logical sector size is not $s"
	[ "$(jq '[.slots[] | select(.valid)] | length' <<<"$OUT")" -eq 3 ] || die "JSON: not every slot valid"

	corrupt_slot "$dev" 1
	run 0 "$HBCTL" -c "$conf" statefile dump
	echo "$OUT"
	grep -Eq "^slot 1 $H1: INVALID\([a-z_]*crc\)$" <<<"$OUT" || die "slot 1 not reported INVALID(crc)"
	[ "$(grep -c '^slot [02] .*: EMPTY$' <<<"$OUT")" -eq 2 ] || die "the other slots are not valid"
	grep -q "^global block: *VALID$" <<<"$OUT" || die "global block hit by a slot corruption"

	run 0 "$HBCTL" -c "$conf" statefile set-pool-state active
	run 0 "$HBCTL" -c "$conf" statefile set-excluded
	run 0 "$HBCTL" -c "$conf" statefile dump --json
	[ "$(jq -r '.global.pool_state' <<<"$OUT")" = active ] || die "pool state is not active"
	[ "$(jq '.slots[0].flags | index("excluded") != null' <<<"$OUT")" = true ] || die "excluded flag not in dump --json"
	[ "$(jq '.slots[1].reject | test("crc")' <<<"$OUT")" = true ] || die "JSON: slot 1 not rejected for crc"

	# A device too small for 3 hosts (2 blocks) is refused, naming both sizes.
	truncate -s 8192 "$WORK/small-$s"
	new_loop "$WORK/small-$s" "$s"
	dev=$LOOP_DEV
	write_conf "$WORK/small-$s.conf" "$dev"
	run 8 "$HBCTL" -c "$WORK/small-$s.conf" statefile init
	echo "$OUT"
	grep -q "too small: 8192 bytes.*16384 bytes" <<<"$OUT" || die "too-small message does not name both sizes"
}

# ---- the hung device ---------------------------------------------------------

# Each hang_setup_* adds statefile paths to HANG_PATHS (initialised while the
# device still answers) and defines hang_start, or returns 1.
HANG_PATHS=()

hang_setup_dm() {
	command -v dmsetup >/dev/null && grep -qw device-mapper /proc/misc || return 1
	truncate -s 4M "$WORK/back-dm"
	new_loop "$WORK/back-dm" 512
	DM_NAME="hbsf-hang-$$"
	dmsetup create "$DM_NAME" --table "0 $(blockdev --getsz "$LOOP_DEV") linear $LOOP_DEV 0"
	HANG_PATHS=("/dev/mapper/$DM_NAME")
	hang_start() { dmsetup suspend "$DM_NAME"; }
	echo "hang test: device-mapper linear target $DM_NAME, suspended"
}

# A loop device over a file on FUSE (its reads hang in the loop worker), and
# a regular file on the same FUSE mount (there open() itself hangs).
hang_setup_fuse() {
	command -v bindfs >/dev/null && command -v fusermount >/dev/null && [ -c /dev/fuse ] || return 1
	mkdir -p "$WORK/fuse-src" "$WORK/fuse-mnt"
	truncate -s 4M "$WORK/fuse-src/back"
	bindfs -f "$WORK/fuse-src" "$WORK/fuse-mnt" &
	FUSE_PID=$!
	FUSE_MNT="$WORK/fuse-mnt"
	for _ in $(seq 50); do
		[ -e "$WORK/fuse-mnt/back" ] && break
		sleep 0.1
	done
	[ -e "$WORK/fuse-mnt/back" ] || die "bindfs did not mount"
	new_loop "$WORK/fuse-mnt/back" 512
	HANG_PATHS=("$LOOP_DEV" "$WORK/fuse-mnt/statefile")
	hang_start() { kill -STOP "$FUSE_PID"; }
	echo "hang test: FUSE (bindfs) server SIGSTOPped under a loop device and a regular file"
}

check_hang() {
	if ! hang_setup_dm && ! hang_setup_fuse; then
		echo "WARNING: hang test not run: neither device-mapper (dmsetup) nor FUSE (bindfs) is available"
		return 0
	fi
	local i start end ms
	for i in "${!HANG_PATHS[@]}"; do
		write_conf "$WORK/xhad-hang-$i.conf" "${HANG_PATHS[$i]}"
		run 0 "$HBCTL" -c "$WORK/xhad-hang-$i.conf" statefile init
	done
	hang_start
	for i in "${!HANG_PATHS[@]}"; do
		start=$(date +%s%N)
		run 8 timeout 20 "$HBCTL" -c "$WORK/xhad-hang-$i.conf" statefile dump --timeout 2000
		end=$(date +%s%N)
		ms=$(((end - start) / 1000000))
		echo "$OUT"
		echo "hbctl returned after $ms ms on the hung ${HANG_PATHS[$i]}"
		grep -q "did not answer within 2000 ms" <<<"$OUT" || die "no 'did not answer' message"
		[ "$ms" -lt 5000 ] || die "hbctl took $ms ms on a hung device (limit 5000)"
	done
}

for s in 512 4096; do
	check_sector_size "$s"
done
check_hang
pass "statefile on loop devices"
finish
