#!/usr/bin/env bash
# test_no_leftovers.sh BUILD: hbpool leaves nothing behind (docs/testing.md):
#   - a run to its end;
#   - a run interrupted by SIGINT while a host's storage hangs in the kernel
#     (hbpool heals, kills, unmounts, detaches and deletes by itself);
#   - a run killed by SIGKILL in the same state, then `hbpool --cleanup`.
# After each: no namespace, loop device, mount or process names its prefix.
# Root only (77 otherwise).
set -uo pipefail
build=${1:?build dir}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/lib.sh
source "$here/../lib/lib.sh"
need_root
make_tmp .leftovers

# A short pool whose host 1's storage hangs from 6 s on (scaled x 0.5).
cat >"$tmp/hang.sc" <<'SC'
hosts 3
timeout 10
at 0s start all
expect 0s liveset 0,1,2 within 30s
at 12s storage-hang 1
expect 12s liveset 0,1,2
at 40s storage-heal 1
SC

# leftovers PREFIX: what still names the prefix, one line each
leftovers() {
	local p=$1
	ip netns list 2>/dev/null | grep "^$p" | sed 's/^/netns: /'
	losetup -a 2>/dev/null | grep "$p" | sed 's/^/loop: /'
	grep "$p" /proc/mounts | sed 's/^/mount: /'
	pgrep -af -- "$p" | grep -v -e "$$" -e pgrep | sed 's/^/process: /'
}

# start_pool LOG: hbpool in the background; sets pid and prefix once set up
start_pool() {
	"$here/hbpool" --build "$build" --scenario "$tmp/hang.sc" --scale 0.5 >"$1" 2>&1 &
	pid=$!
	prefix=""
	for _ in $(seq 1 100); do
		prefix=$(grep -o 'prefix hbp[0-9]*' "$1" | cut -d' ' -f2)
		[ -n "$prefix" ] && break
		sleep 0.1
	done
}

check_clean() {
	local what=$1 left
	left=$(leftovers "$prefix")
	if [ -n "$prefix" ] && [ -z "$left" ]; then
		pass "$what: nothing left behind ($prefix)"
	else
		fail "$what: left behind for '$prefix':"
		echo "$left"
	fi
}

# 1. to the end
start_pool "$tmp/run1.log"
wait "$pid"
rc=$?
grep -q '^hbpool: expectations=2 met=2 violations=0' "$tmp/run1.log" && [ $rc = 0 ] &&
	pass "a complete run: expectations met" || { fail "a complete run: exit $rc"; cat "$tmp/run1.log"; }
check_clean "a complete run"

# 2. SIGINT while host 1's I/O hangs
start_pool "$tmp/run2.log"
sleep 9 # set-up, then past 6 s (the hang)
state=$(ps -o stat= -p "$(pgrep -f -- "$prefix/conf.1" | head -n1)" 2>/dev/null)
kill -INT "$pid"
wait "$pid"
rc=$?
grep -q "interrupted" "$tmp/run2.log" && [ $rc != 0 ] &&
	pass "SIGINT: hbpool said it was interrupted and failed (exit $rc; host 1's agent was in state '$state')" ||
	{ fail "SIGINT: exit $rc"; tail -5 "$tmp/run2.log"; }
check_clean "SIGINT during a storage hang"

# 3. SIGKILL in the same state, then --cleanup
start_pool "$tmp/run3.log"
sleep 9
kill -KILL "$pid"
wait "$pid" 2>/dev/null
[ -n "$(leftovers "$prefix")" ] && pass "SIGKILL: the run left its pool behind, as expected" ||
	fail "SIGKILL: nothing was left to clean up (the test proves nothing)"
"$here/hbpool" --cleanup >"$tmp/cleanup.log" 2>&1 && pass "hbpool --cleanup: exit 0" ||
	{ fail "hbpool --cleanup failed"; cat "$tmp/cleanup.log"; }
check_clean "SIGKILL, then hbpool --cleanup"

finish
