# lock-propose-gives-up.sc: host 1 proposes itself while host 0's statefile
# is slow (24 s per I/O), so host 1 waits for host 0's grant and its
# propose gives up (FALSE) after the lock wait. Host 0's late write of that
# grant lands just before; for a moment the registers show host 1
# requesting and granted by all, though host 1 never took the lock and is
# about to withdraw. Host 3, which proposed later, then takes it. Nobody
# may report host 1 as master meanwhile: a host is reported once it says it
# took the lock. (Found by hbsim --random, seed 113054.)
# hbpool-skip: the outcome hangs on which of two I/Os held 24 s lands first; real agents at --scale race them differently (host 1 may take the lock), so only hbsim's event order can assert it
hosts 5
timeout 35
paths 2
heartbeat-interval 1.900s
heartbeat-timeout 19.500s
statefile-interval 1.700s
statefile-timeout 34.300s
watchdog-timeout 10s

at 0s start all
expect 0s liveset 0,1,2,3,4 within 30s
at 9.002s propose-master 1
at 10.898s storage-slow 0 24.124s
at 25.626s propose-master 3
at 27.965s storage-heal all
expect 27.965s master 3 within 40s
