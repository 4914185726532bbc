# freeze-short.sc: the agent of host 0, the master, is frozen (SIGSTOP, or
# starved) for 2 s, shorter than its watchdog timeout W = 5 s less two pet
# intervals; then host 2's. Their watchdogs do not fire, nobody notices, the
# master keeps the lock.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
hosts 4
timeout 10
paths 2   # hbpool: two heartbeat paths

at 0s start all
expect 0s liveset 0,1,2,3 within 30s
at 25s propose-master 0
expect 25s master 0 within 15s

at 50s freeze 0 2s
at 60s freeze 2 2s
expect 80s liveset 0,1,2,3
expect 80s master 0
expect 80s down none
expect 80s fenced none
