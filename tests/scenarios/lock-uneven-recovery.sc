# lock-uneven-recovery.sc: the statefile fails for every host (survival
# rule 2 keeps everyone), then comes back for hosts 0 and 1 two seconds
# before it does for the master, host 2. A propose-master on host 0 in
# those two seconds must not take the lock from host 2.
# (Timing: hbctl timeouts -T 10.)
hosts 3
timeout 10
paths 2

at 0s start all
expect 0s liveset 0,1,2 within 30s
at 30s propose-master 2
expect 30s master 2 within 20s

at 60s storage-fail all
expect 80s liveset 0,1,2
expect 80s reported-master 0 2
at 90s storage-heal 0
at 90s storage-heal 1
at 90.500s propose-master 0
at 92s storage-heal 2
expect 92s master 2 within 15s
expect 120s master 2
expect 120s fenced none
