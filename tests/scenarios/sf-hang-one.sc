# sf-hang-one.sc: statefile I/O of host 1 hangs (never completes). After the
# I/O deadline the statefile counts as lost for host 1; the others still have
# theirs, so it fences, and the others drop it. When storage comes back, the
# late completions are reaped and discarded.
#
# Timing: T = 20; `hbctl timeouts -T 20` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Host 1 is down within the bound "hung statefile, network whole" plus the
# last-words write wait; its last heartbeat is at most that late; the others
# drop it a removal wait, a settle time and a tick after that.
hosts 4
timeout 20
sector 4096   # hbpool: 4 KiB logical sectors

at 0s start all
expect 0s liveset 0,1,2,3 within 40s

at 40s storage-hang 1
expect 40s down 1 within 49s
expect 40s liveset 0,2,3 within 86s
at 130s storage-heal 1
expect 140s liveset 0,2,3
expect 140s fenced 1
