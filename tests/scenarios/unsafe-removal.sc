# unsafe-removal.sc: host 2 is isolated from the network; its statefile
# works, so it keeps running (and writing) until it notices it lost (T1) and
# fences. A safe core drops it only after its fencing flag and flag bound,
# or after its fence bound: this scenario passes.
# tests/sim/test_unsafe_removal.sh runs it with --unsafe-skip-removal-wait
# (the core removes hosts as soon as they fall silent) and requires hbsim to
# report the removal-means-fenced violation.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
hosts 3
timeout 10
paths 2   # hbpool: two heartbeat paths
sector 4096   # hbpool: 4 KiB logical sectors

at 0s start all
expect 0s liveset 0,1,2 within 30s
at 30s isolate 2
expect 30s liveset 0,1 within 62s         # isolation bound + 1 s
expect 30s down 2 within 53s
