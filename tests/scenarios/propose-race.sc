# propose-race.sc: two hosts propose themselves as master at the same
# moment. propose-master answers TRUE to exactly one (the lower index) and
# FALSE to the other; a repeated proposal by the holder is idempotent.
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
at 30s propose-master 2
at 30s propose-master 1
expect 30s master 1 within 15s            # propose-master wait + 1 s
at 60s propose-master 1
expect 65s master 1
expect 65s down none
