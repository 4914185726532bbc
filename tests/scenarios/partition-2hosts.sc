# partition-2hosts.sc: a 2-host pool splits. Both sides have one host of
# weight 1: the tie goes to the lowest index, so host 0 survives and host 1,
# the master, fences. The lock is free again, and host 0 can take it.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
hosts 2
timeout 10
sector 4096   # hbpool: 4 KiB logical sectors

at 0s start all
expect 0s liveset 0,1 within 30s
at 30s propose-master 1
expect 30s master 1 within 15s

at 60s partition 0 | 1
expect 60s liveset 0 within 62s           # isolation bound + 1 s
expect 60s down 1 within 53s
expect 114s master none
at 115s propose-master 0
expect 115s master 0 within 15s
expect 135s fenced 1
