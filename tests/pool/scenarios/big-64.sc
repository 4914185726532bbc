# big-64.sc: a 64-host pool reaches Online, then three members crash at once
# (hosts 3, 7 and 11); the survivors drop them within the failover bound and
# agree, and nobody fences. hbpool only (tests/pool); 64 real agents in
# network namespaces. Timing: T = 10 (hbctl timeouts -T 10 prints the
# failover bound); forming a pool of 64 takes a few statefile cycles once
# every agent runs (EnableJoinTimeout 70 s).
hosts 64
timeout 10

at 0s start all
expect 0s liveset 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63 within 70s

at 80s crash 3
at 80s crash 7
at 80s crash 11
expect 80s down 3,7,11
expect 80s liveset 0,1,2,4,5,6,8,9,10,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63 within 32s     # failover bound + 1 s
expect 125s liveset 0,1,2,4,5,6,8,9,10,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63
expect 125s fenced none
