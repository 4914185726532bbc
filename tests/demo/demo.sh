#!/usr/bin/env bash
# demo.sh BUILD: the main job of `make demo`, until the agent exists: a
# 3-host pool's configuration (as xapi writes it for T = 30), its effective
# timeouts and timelines, and its statefile created, activated and dumped.
# Everything lives in a temporary directory that is removed at the end.
set -euo pipefail
build=${1:-build}
hbctl="$build/agent/hbctl"
work=$(mktemp -d /var/tmp/hbagent-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

cat >"$work/xhad.conf" <<XML
<?xml version="1.0" encoding="utf-8"?>
<xhad-config version="1.0">
  <common-config>
    <GenerationUUID>$(cat /proc/sys/kernel/random/uuid)</GenerationUUID>
    <UDPport>694</UDPport>
    <host><HostID>6d1f2a3b-0000-4000-8000-000000000001</HostID><IPaddress>127.0.0.1</IPaddress></host>
    <host><HostID>6d1f2a3b-0000-4000-8000-000000000002</HostID><IPaddress>127.0.0.2</IPaddress></host>
    <host><HostID>6d1f2a3b-0000-4000-8000-000000000003</HostID><IPaddress>127.0.0.3</IPaddress></host>
    <parameters>
      <HeartbeatInterval>3</HeartbeatInterval><HeartbeatTimeout>30</HeartbeatTimeout>
      <StateFileInterval>2</StateFileInterval><StateFileTimeout>30</StateFileTimeout>
      <HeartbeatWatchdogTimeout>30</HeartbeatWatchdogTimeout><StateFileWatchdogTimeout>45</StateFileWatchdogTimeout>
      <BootJoinTimeout>90</BootJoinTimeout><EnableJoinTimeout>90</EnableJoinTimeout>
    </parameters>
  </common-config>
  <local-config>
    <localhost>
      <HostID>6d1f2a3b-0000-4000-8000-000000000001</HostID>
      <StateFile>$work/statefile</StateFile>
      <WatchdogBackend>test</WatchdogBackend>
      <TestFenceLog>$work/fence.log</TestFenceLog>
    </localhost>
  </local-config>
</xhad-config>
XML
truncate -s 4M "$work/statefile"

say "A 3-host pool, configured as xapi does for an HA timeout of 30 s"
run "$hbctl" -c "$work/xhad.conf" timeouts

say "Its statefile: every slot written, then the global block"
run "$hbctl" -c "$work/xhad.conf" statefile init
run "$hbctl" -c "$work/xhad.conf" statefile dump

say "The pool becomes Active, and host 0 is marked excluded (a clean shutdown)"
run "$hbctl" -c "$work/xhad.conf" statefile set-pool-state active
run "$hbctl" -c "$work/xhad.conf" statefile set-excluded
run "$hbctl" -c "$work/xhad.conf" statefile dump

say "A torn write on host 2's slot is detected, and only that slot is invalid"
printf 'torn' | dd of="$work/statefile" bs=1 seek=$((4096 * 3 + 64)) conv=notrunc status=none
run "$hbctl" -c "$work/xhad.conf" statefile dump
say "Done: the demo removed $work"
