#!/usr/bin/env bash
# test_forged_slot.sh BUILD: three real agents (hbpool, network namespaces,
# the shared statefile on loop devices, the test watchdog backend) and a
# forged STOPPED slot of a live host (tests/pool/scenarios/
# forged-stopped-slot-3.sc): host 2 runs Online, armed, as master, and
# hbforge writes a CRC-valid record into its slot claiming its current
# incarnation stopped cleanly, five times. Passes when
#   - every forgery was written (hbforge decoded host 2's slot and wrote it),
#   - the safety contract held throughout (hbpool's removal-means-fenced and
#     at-most-one-master checks ran, no VIOLATION), and
#   - either host 2 was fenced: its fence log gained a line, the agent's own
#     fence with reason slot_overwritten (then its last words in the
#     statefile say slot_overwritten too) or its test watchdog's
#     watchdog-expired, and the others dropped it afterwards; or nobody
#     dropped it: hosts 0 and 1 end with the liveset 0,1,2 and host 2 Online.
# Root only (77 otherwise).
set -uo pipefail
build=$(cd "${1:?build dir}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/lib.sh
source "$here/../lib/lib.sh"
need_root
scenario=$here/scenarios/forged-stopped-slot-3.sc
make_tmp .forged-slot
wd=$tmp
# on a failure (die), hbpool's output after the FAIL line
at_exit '[ "$fails" -eq 0 ] || { echo "--- hbpool output"; cat "$wd/out"; }'

"$here/hbpool" --build "$build" --scenario "$scenario" --scale 0.5 --workdir "$wd" --keep -v >"$wd/out" 2>&1
rc=$?
[ "$rc" = 77 ] && { cat "$wd/out"; exit 77; }
run=$(ls -d "$wd"/hbp* 2>/dev/null | head -n1)
[ -n "$run" ] || die "no run directory under $wd"

# the contract was checked, and held
grep -q '^hbpool: contract: [1-9][0-9]* rounds checked' "$wd/out" || die "the contract checks did not run"
grep -q 'VIOLATION' "$wd/out" && die "safety contract violated"
[ "$rc" = 0 ] || die "hbpool exit $rc"

# every forgery was written
n=$(grep -c 'host 2: forge-slot stopped -> 0 hbforge: slot 2 (stopped)' "$wd/out")
[ "$n" = 5 ] || die "$n of 5 forgeries written"

last_state=$(grep -E '^ +[0-9.]+s  0:' "$wd/out" | tail -n1)
if grep -q 'host 2 fenced (its fence log: ' "$wd/out"; then
	line=$(grep -m1 'host 2 fenced (its fence log: ' "$wd/out")
	case "$line" in
	*"fence slot_overwritten"*)
		# its last words in the statefile (read back from the kept backing file)
		sed "s|<StateFile>[^<]*</StateFile>|<StateFile>$run/statefile.img</StateFile>|" "$run/conf.0" >"$wd/conf.img"
		words=$("$build/agent/hbctl" -c "$wd/conf.img" fence-log --json 2>&1)
		echo "$words" | python3 -c '
import json, sys
hosts = json.load(sys.stdin)
h = [x for x in hosts if x.get("index") == 2]
words = (h[0].get("last_words") or {}) if h else {}
sys.exit(0 if words.get("reason") == "slot_overwritten" else 1)' || die "host 2's last words do not say slot_overwritten: $words"
		how="fenced itself (slot_overwritten, in its fence log and its last words)" ;;
	*"fence watchdog-expired"*)
		how="fenced by its watchdog" ;;
	*) die "host 2's fence log says neither slot_overwritten nor watchdog-expired: $line" ;;
	esac
	case "$last_state" in
	*"0:online{0,1}"*"1:online{0,1}"*) ;;
	*) die "host 2 fenced, but the others did not drop it: $last_state" ;;
	esac
	pass "host 2 $how; hosts 0 and 1 dropped it afterwards; no contract violation"
else
	case "$last_state" in
	*"0:online{0,1,2}"*"1:online{0,1,2}"*"2:online{0,1,2}"*) ;;
	*) die "host 2 did not fence, yet the pool is not whole at the end: $last_state" ;;
	esac
	pass "nobody dropped host 2 (it did not fence); no contract violation"
fi
grep '^hbpool: contract' "$wd/out"
exit 0
