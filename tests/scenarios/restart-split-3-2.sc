# restart-split-3-2.sc: five hosts restart under `partition 0,1 | 2,3,4`:
# the statefile shows all five and the bigger half {2,3,4} forms; 0 and 1
# wait and give up (exit 13). Then the network heals and 0 and 1 join.
# (Timing: hbctl timeouts -T 30; BootJoinTimeout 90 s.)
hosts 5
timeout 30

at 0s start all
expect 0s liveset 0,1,2,3,4 within 40s
at 60s crash 0
at 60s crash 1
at 60s crash 2
at 60s crash 3
at 60s crash 4
at 60s partition 0,1 | 2,3,4
at 62s boot 0
at 62s boot 1
at 62s boot 2
at 62s boot 3
at 62s boot 4
expect 62s liveset 2,3,4 within 80s
at 150s propose-master 2
expect 150s master 2 within 30s
expect 152s down 0,1 within 15s
at 180s heal
at 185s boot 0
at 185s boot 1
expect 185s liveset 0,1,2,3,4 within 50s
expect 240s master 2
expect 240s fenced none
