# split-2-2-weights.sc: an even split where hosts 2 and 3 weigh more
# (2 each, against 1 each): the heavier partition {2,3} wins although it
# does not hold the lowest index; hosts 0 and 1 fence.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
# The weights are published in every view; 20 s (ten heartbeat and
# statefile cycles) is left for them to spread before the split.
hosts 4
timeout 10

at 0s start all
expect 0s liveset 0,1,2,3 within 30s
at 20s set-weight 2 2
at 20s set-weight 3 2

at 40s partition 0,1 | 2,3
expect 40s liveset 2,3 within 62s         # isolation bound + 1 s
expect 40s down 0,1 within 53s
expect 100s liveset 2,3
expect 100s fenced 0,1
