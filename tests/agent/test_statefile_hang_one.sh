#!/usr/bin/env bash
# test_statefile_hang_one.sh HBAGENT HBCTL HBWATCHDOG_TEST CTL_CLIENT
#
# One host's statefile hangs in the kernel while the others keep theirs.
# The statefile is one regular file; hosts 0 and 1 reach it through a loop
# device (direct I/O) over the file, host 2 through a loop device (direct I/O)
# over the same file seen through a bindfs (FUSE, direct_io) mount. When the
# pool is online, bindfs is stopped (SIGSTOP): host 2's statefile I/O then
# blocks in the kernel (a real hang, not an error). Checks:
#   - for ~8 s: host 2's control socket answers within 1 s every time, host 0
#     still hears host 2 (heartbeat age < 2 s), host 2's watchdog is still
#     petted (last_pet_age_ms < 2 s), and host 2's status shows its statefile
#     overdue / access lost;
#   - host 2 fences itself (a line in its fence log) within 30 s;
#   - hosts 0 and 1 drop host 2 within the isolation bound
#     (hbctl timeouts: .bounds.isolation_bound_ms) and never fence.
# Cleanup always resumes bindfs, kills the agents, detaches the loop devices
# and unmounts bindfs. Needs root, losetup, /dev/fuse and bindfs; exits 77
# (skip) otherwise.
set -uo pipefail
source "$(dirname "$0")/../lib/lib.sh"
agent_args "$@"
need_root
for c in jq losetup bindfs; do need $c; done
[ -c /dev/fuse ] || skip "needs /dev/fuse"

loop_real="" loop_fuse="" bindfs_pid=""
at_exit '[ -n "$bindfs_pid" ] && kill -CONT "$bindfs_pid" 2>/dev/null'
agent_test .hbagent-sfhang 15485
at_exit unmount_all
unmount_all() {
	[ -n "$loop_fuse" ] && losetup -d "$loop_fuse" 2>/dev/null
	[ -n "$loop_real" ] && losetup -d "$loop_real" 2>/dev/null
	if fuse_mounted; then
		fusermount -u "$tmp/fuse" 2>/dev/null || umount -l "$tmp/fuse" 2>/dev/null
	fi
	if [ -n "$bindfs_pid" ]; then
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$bindfs_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$bindfs_pid" 2>/dev/null
	fi
	fuse_mounted && { echo "cleanup: $tmp/fuse is still mounted, $tmp left"; keep_tmp=1; }
	return 0
}
fuse_mounted() { grep -qF " $tmp/fuse fuse" /proc/mounts; }
trap 'fail "interrupted"; exit 1' INT TERM HUP

mkdir "$tmp/real" "$tmp/fuse"
truncate -s $((1024 * 1024)) "$tmp/real/sf.img"
bindfs -f -o direct_io "$tmp/real" "$tmp/fuse" >"$tmp/bindfs.log" 2>&1 &
bindfs_pid=$!
if ! wait_for 5 fuse_mounted; then
	echo "SKIP: bindfs -o direct_io did not mount: $(cat "$tmp/bindfs.log")"
	exit 77
fi
if ! loop_real=$(losetup --direct-io=on -f --show "$tmp/real/sf.img" 2>"$tmp/losetup.err"); then
	loop_real=""
	echo "SKIP: cannot attach a loop device: $(cat "$tmp/losetup.err")"
	exit 77
fi
if ! loop_fuse=$(losetup --direct-io=on -f --show "$tmp/fuse/sf.img" 2>"$tmp/losetup.err"); then
	loop_fuse=""
	echo "SKIP: cannot attach a loop device over bindfs: $(cat "$tmp/losetup.err")"
	exit 77
fi
dio=$(for l in "$loop_real" "$loop_fuse"; do losetup -l -n -O DIO "$l"; done | tr -d ' \n')
[ "$dio" = 11 ] || echo "note: direct I/O on the loop devices: $dio (1 = on)"

statefile=$loop_real
write_conf 0 127.0.0.1 127.0.0.2 127.0.0.3
write_conf 1 127.0.0.1 127.0.0.2 127.0.0.3
statefile=$loop_fuse
write_conf 2 127.0.0.1 127.0.0.2 127.0.0.3
read_timing
isolation=$(jq -r .bounds.isolation_bound_ms <<<"$tj")
decide=$(jq -r .bounds.hung_storage_decide_ms <<<"$tj")
form_pool "pool formed: hosts 0, 1 on $loop_real, host 2 on $loop_fuse (bindfs)"

# --- host 2's statefile hangs ----------------------------------------------
kill -STOP "$bindfs_pid"
stop_at=$(now_ms)
pass "bindfs (pid $bindfs_pid) stopped: host 2's statefile I/O hangs"
slow=0 deaf=0 unfed=0 shown=0 polls=0 maxctl=0 maxage=0 maxpet=0
while [ $(($(now_ms) - stop_at)) -lt 8000 ] && [ ! -s "$tmp/fence.2.log" ]; do
	t=$(now_ms)
	s2=$(timeout 1 "$client" "$tmp/ctl.2.sock" '{"cmd":"status"}' 2>/dev/null | jq -c .result 2>/dev/null)
	dt=$(($(now_ms) - t))
	[ -s "$tmp/fence.2.log" ] && break
	polls=$((polls + 1))
	[ "$dt" -gt "$maxctl" ] && maxctl=$dt
	if [ -z "$s2" ] || [ "$dt" -gt 1000 ]; then
		slow=$((slow + 1))
		echo "host 2's control socket: ${dt} ms at +$((t - stop_at)) ms, reply '${s2:0:80}'"
	else
		pet=$(jq -r '.watchdog.last_pet_age_ms // 999999' <<<"$s2")
		[ "$pet" -gt "$maxpet" ] && maxpet=$pet
		[ "$pet" -lt 2000 ] || { unfed=$((unfed + 1)); echo "host 2's last pet ${pet} ms ago at +$((t - stop_at)) ms"; }
		jq -e '.sf_access == false or .statefile.read.overdue > 0 or .statefile.write.overdue > 0' \
			<<<"$s2" >/dev/null && shown=1
	fi
	a=$(field 0 '.hosts[2].heartbeat_age_ms[0] // 999999')
	[ -n "$a" ] || a=999999
	[ "$a" -gt "$maxage" ] && maxage=$a
	[ "$a" -lt 2000 ] || { deaf=$((deaf + 1)); echo "host 0 last heard host 2 ${a} ms ago at +$(($(now_ms) - stop_at)) ms"; }
	sleep 0.5
done
watched=$(($(now_ms) - stop_at))
[ "$polls" -ge 5 ] || fail "only $polls polls of host 2 before it fenced (${watched} ms)"
[ "$slow" -eq 0 ] && pass "host 2's control socket answered within 1 s, $polls times in ${watched} ms (max ${maxctl} ms)" ||
	fail "host 2's control socket was slow or silent $slow times"
[ "$deaf" -eq 0 ] && pass "host 0 kept hearing host 2 (max age ${maxage} ms)" ||
	fail "host 0 stopped hearing host 2 ($deaf times)"
[ "$unfed" -eq 0 ] && pass "host 2's watchdog kept being petted (max last_pet_age ${maxpet} ms)" ||
	fail "host 2's watchdog was not petted ($unfed times)"
[ "$shown" -eq 1 ] && pass "host 2's status shows its statefile overdue / lost" ||
	fail "host 2's status never showed the statefile hang: $(status 2 | jq -c '{sf_access,rule2,statefile}')"

# --- host 2 fences itself, the others drop it ------------------------------
if wait_for $((30 - watched / 1000)) fence_time 2; then
	dt=$(($(fence_time 2) - stop_at))
	pass "host 2 fenced itself ${dt} ms after its statefile hung (hung_storage_decide_ms ${decide}): $(head -n1 "$tmp/fence.2.log")"
else
	fail "host 2 did not fence itself within 30 s: $(status 2 | jq -c '{phase,sf_access,rule2,liveset}')"
fi
dropped() { online 0 '[0,1]' && online 1 '[0,1]'; }
if wait_for $(((isolation - ($(now_ms) - stop_at)) / 1000 + 10)) dropped; then
	dt=$(($(now_ms) - stop_at))
	[ "$dt" -le "$isolation" ] && pass "hosts 0 and 1 dropped host 2 after ${dt} ms (isolation bound ${isolation} ms)" ||
		fail "hosts 0 and 1 dropped host 2 after ${dt} ms (> isolation bound ${isolation} ms)"
else
	fail "hosts 0 and 1 never dropped host 2: $(for i in 0 1; do status $i | jq -c '{phase,liveset}'; done)"
fi
for i in 0 1; do
	[ -s "$tmp/fence.$i.log" ] && fail "host $i was fenced: $(cat "$tmp/fence.$i.log")"
done
[ -s "$tmp/fence.0.log" ] || [ -s "$tmp/fence.1.log" ] || pass "hosts 0 and 1 never fenced"

finish
