# sf-slow-one.sc: statefile I/O of host 2 gets slow. 3 s per I/O is within
# the I/O deadline (6 s): a write and the read that confirms it still fit in
# T2, nothing happens. Then 15 s per I/O: every I/O is overdue, host 2 loses
# statefile access and fences, as with hung storage.
#
# Timing: T = 20; `hbctl timeouts -T 20` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Second phase: as in sf-hang-one.sc (same T), with up to one more I/O
# deadline before host 2 counts its slow I/O as overdue.
hosts 3
timeout 20
paths 2   # hbpool: two heartbeat paths

at 0s start all
expect 0s liveset 0,1,2 within 40s

at 40s storage-slow 2 3s
expect 100s liveset 0,1,2
expect 100s down none
at 100s storage-heal 2

at 110s storage-slow 2 15s
expect 110s down 2 within 49s
expect 110s liveset 0,1 within 86s
expect 200s fenced 2
