# isolate-one.sc: one host loses every network link while its statefile
# still works. It is outside the best partition: it notices after T1, decides
# on settled views, fences and says so in its slot; the others drop it.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
# Host 3 decides at T1 + settle and writes its fencing flag; the survivors
# drop it once they have read the flag and waited the flag wait (the bound
# "failover, loser that can write"); 53 s leaves room for real hosts. The
# isolation worst case covers a slow statefile, a one-way cut or a lost
# flag, none of which happens here.
hosts 4
timeout 10
paths 2   # hbpool: two heartbeat paths
sector 4096   # hbpool: 4 KiB logical sectors

at 0s start all
expect 0s liveset 0,1,2,3 within 30s

at 30s isolate 3
expect 30s down 3 within 53s              # gone before the survivors drop it
expect 30s liveset 0,1,2 within 53s       # the flag read, with room (above)
expect 90s down 3
expect 90s liveset 0,1,2
expect 90s fenced 3
