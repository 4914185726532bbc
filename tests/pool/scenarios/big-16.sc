# big-16.sc: a 16-host pool reaches Online, then three members crash at once
# (hosts 3, 7 and 11); the survivors drop them within the failover bound and
# agree, and nobody fences. hbpool only (tests/pool); 16 real agents in
# network namespaces. Timing: T = 10 (hbctl timeouts -T 10 prints the
# failover bound); forming a pool of 16 takes a few statefile cycles once
# every agent runs (EnableJoinTimeout 70 s).
hosts 16
timeout 10

at 0s start all
expect 0s liveset 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 within 70s

at 80s crash 3
at 80s crash 7
at 80s crash 11
expect 80s down 3,7,11
expect 80s liveset 0,1,2,4,5,6,8,9,10,12,13,14,15 within 32s     # failover bound + 1 s
expect 125s liveset 0,1,2,4,5,6,8,9,10,12,13,14,15
expect 125s fenced none
