# cut-one-way.sc: packets from host 1 no longer reach host 3; everything
# else works. 1 and 3 no longer both hear each other, so the best partition
# is one of {0,1,2} and {0,2,3} (equal weight and size): the smaller index
# list, {0,1,2}, wins and host 3 fences. The views stay inconsistent (1
# hears 3, 3 does not hear 1), so the longer settle time applies; the
# isolation bound covers it.
#
# Timing for T = 10 (`hbctl timeouts -T 10`, docs/timing.md): t1 = t2 = 2 s,
# T1 = T2 = 10 s, W = 5 s, tick 1 s, I/O deadline 2.666 s, settle 7 s,
# removal wait 18.008 s, propose-master wait 13.998 s,
# failover bound (crash) 30.674 s, isolation bound 51.340 s, hung agent 8 s.
# A bound B measured on host clocks is allowed B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
hosts 4
timeout 10
paths 2   # hbpool: two heartbeat paths

at 0s start all
expect 0s liveset 0,1,2,3 within 30s

at 30s cut 1 -> 3
expect 30s liveset 0,1,2 within 53s       # isolation bound + 1 s
expect 30s down 3 within 53s
expect 90s liveset 0,1,2
expect 90s fenced 3
