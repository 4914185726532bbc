# forged-fencing-slot.sc: one CRC-valid slot claiming that host 1's current
# incarnation is fencing, written by someone else while host 1 runs and is
# heard by all. Its heartbeats contradict the claim, so nobody drops it on
# the flag bound. Host 1's next read (a cycle reads before it writes) shows
# the foreign record in its own slot: it fences, and only then do the
# others drop it.
# (Timing: hbctl timeouts -T 10.)
hosts 4
timeout 10
paths 2

at 0s start all
expect 0s liveset 0,1,2,3 within 30s
at 60s forge-slot 1 fencing
expect 60s fenced 1 within 10s
expect 60s liveset 0,2,3 within 40s
