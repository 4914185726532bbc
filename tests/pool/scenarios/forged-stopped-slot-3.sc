# forged-stopped-slot-3.sc: tests/pool/test_forged_slot.sh runs it with
# hbpool. Three real agents; host 2 runs Online, armed, as master. Something
# other than host 2 (hbforge) writes a CRC-valid record into host 2's slot
# claiming that its current incarnation stopped cleanly (phase Stopped,
# excluded, not armed), five times in two seconds. Acceptable: host 2 fences
# (it reads its slot back and finds a record it did not write: reason
# slot_overwritten; or its watchdog fires) and only then do the others drop
# it; or nobody drops it. Never: a peer drops host 2 while it still runs
# Online and armed (hbpool's contract check, removal means fenced). The
# expectations below hold either way; the test script tells which happened.
# (Timing: hbctl timeouts -T 10.)
hosts 3
timeout 10
at 0s start all
expect 0s liveset 0,1,2 within 30s
at 30s propose-master 2
expect 30s master 2 within 20s
at 60s forge-slot 2 stopped
at 60.500s forge-slot 2 stopped
at 61s forge-slot 2 stopped
at 61.500s forge-slot 2 stopped
at 62s forge-slot 2 stopped
expect 62s reported-master 0 2     # host 0 still names host 2 right after
at 110s heal                       # nothing to heal: the pool runs until 110 s
