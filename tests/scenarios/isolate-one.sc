# isolate-one.sc: one host loses every network link while its statefile
# still works. It is outside the best partition: it notices after T1, decides
# on settled views, fences and says so in its slot; the others drop it.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
# Typically (`hbctl timeouts`): decision at T1 + settle = 18 s, survivors
# drop it at about 26 s; at the latest the isolation bound, 51.340 s.
hosts 4
timeout 10
paths 2   # hbpool: two heartbeat paths
sector 4096   # hbpool: 4 KiB logical sectors

at 0s start all
expect 0s liveset 0,1,2,3 within 30s

at 30s isolate 3
expect 30s down 3 within 53s              # gone before the survivors drop it
expect 30s liveset 0,1,2 within 53s       # isolation bound 51.340 s + 1 s
expect 90s down 3
expect 90s liveset 0,1,2
expect 90s fenced 3
