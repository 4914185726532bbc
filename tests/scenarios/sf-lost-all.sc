# sf-lost-all.sc: the statefile fails for every host while the network is
# whole. Survival rule 2: every host still hears every other, so nobody
# fences and the liveset stays whole. When the statefile comes back, rule 1
# takes over again, still without fencing anyone.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
# 60 s under rule 2 is six times T2.
hosts 4
timeout 10
paths 2   # hbpool: two heartbeat paths
sector 4096   # hbpool: 4 KiB logical sectors

at 0s start all
expect 0s liveset 0,1,2,3 within 30s
at 25s propose-master 0
expect 25s master 0 within 15s

at 50s storage-fail all
expect 80s liveset 0,1,2,3
expect 110s liveset 0,1,2,3
expect 110s down none
at 110s storage-heal all
expect 140s liveset 0,1,2,3
expect 140s down none
expect 140s fenced none
