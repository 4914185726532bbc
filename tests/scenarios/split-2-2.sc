# split-2-2.sc: an even split of four hosts of equal weight. Equal weight,
# equal size: the partition with the smaller sorted index list ({0,1}) wins;
# hosts 2 and 3 fence.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
hosts 4
timeout 10
sector 4096   # hbpool: 4 KiB logical sectors

at 0s start all
expect 0s liveset 0,1,2,3 within 30s

at 30s partition 0,1 | 2,3
expect 30s liveset 0,1 within 62s         # isolation bound + 1 s
expect 30s down 2,3 within 53s
expect 90s liveset 0,1
expect 90s fenced 2,3
