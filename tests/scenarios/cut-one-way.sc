# cut-one-way.sc: packets from host 1 no longer reach host 3; everything
# else works. 1 and 3 no longer both hear each other, so the best partition
# is one of {0,1,2} and {0,2,3} (equal weight and size): the smaller index
# list, {0,1,2}, wins and host 3 fences. The views stay inconsistent (1
# hears 3, 3 does not hear 1), so the longer settle time applies; the
# isolation bound covers it.
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

at 30s cut 1 -> 3
expect 30s liveset 0,1,2 within 62s       # isolation bound + 1 s
expect 30s down 3 within 53s
expect 90s liveset 0,1,2
expect 90s fenced 3
