# lock-holder-io-stall.sc: the master's statefile I/O hangs for less than
# its statefile loss grace (T2 + t1 + tick), so it stays alive
# and keeps the lock, while its slot stops advancing for the others. A
# propose-master on a lower index meanwhile must not be granted: a grant to
# a holder that may still be alive is never withdrawn.
# (Timing: hbctl timeouts -T 10.)
hosts 3
timeout 10

at 0s start all
expect 0s liveset 0,1,2 within 30s
at 30s propose-master 2
expect 30s master 2 within 20s

at 60s storage-hang 2
at 71s propose-master 0        # 2's slot has been stale for a second: never TRUE
expect 73s reported-master 0 2
expect 73s reported-master 1 2
at 73s storage-heal 2
expect 73s master 2 within 15s
expect 100s master 2
expect 100s liveset 0,1,2
expect 100s fenced none
