# sf-lost-all-partition.sc: the statefile is lost by every host (rule 2:
# nobody fences), then the network splits on top. Under rule 2 any further
# failure fences: no host can prove it may live (no statefile, and not every
# host heard), so every host is gone, and no host removes another while it
# still runs.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
# After the split, heartbeats from the other side stay fresh for T1; then
# the proof lapses, the feeder stops after P and the watchdog fires W +
# slack later: every host is down within the fence bound F (+ 1 s).
hosts 4
timeout 10
paths 2   # hbpool: two heartbeat paths

at 0s start all
expect 0s liveset 0,1,2,3 within 30s

at 30s storage-fail all
expect 60s liveset 0,1,2,3
expect 60s down none

at 60s partition 0,1 | 2,3
expect 60s down 0,1,2,3 within 19s
expect 80s fenced 0,1,2,3
