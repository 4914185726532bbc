# sf-lost-one.sc: the statefile fails (I/O errors) for host 2 only. Its own
# writes stop showing up in its reads, so after T2 it has no statefile
# access; the others still have theirs, so it leaves the candidates of
# survival rule 1 and fences; the others drop it.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
# Host 2 is down within the bound "hung statefile, network whole" plus the
# last-words write wait (its final write fails). Its last sign of life (a
# heartbeat) is at most that late; the others drop it a removal wait, a
# settle time and a tick after that.
hosts 4
timeout 10

at 0s start all
expect 0s liveset 0,1,2,3 within 30s

at 30s storage-fail 2
expect 30s down 2 within 28s
expect 30s liveset 0,1,3 within 55s
expect 100s liveset 0,1,3
expect 100s down 2
expect 100s fenced 2
