# fenced-rejoin.sc: host 3 is isolated and fences itself; the network heals
# and host 3 boots again with a new boot id. Its fencing reason is in its
# slot's last words; the new incarnation joins the existing liveset.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
# Join within 30 s (BootJoinTimeout 70 s).
hosts 4
timeout 10
paths 2   # hbpool: two heartbeat paths
sector 4096   # hbpool: 4 KiB logical sectors

at 0s start all
expect 0s liveset 0,1,2,3 within 30s

at 30s isolate 3
expect 30s down 3 within 53s
expect 30s liveset 0,1,2 within 62s       # isolation bound + 1 s
at 90s heal
at 95s boot 3
expect 95s liveset 0,1,2,3 within 30s
expect 130s down none
expect 130s fenced 3
