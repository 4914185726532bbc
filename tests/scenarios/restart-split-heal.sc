# restart-split-heal.sc: as restart-split-2-2.sc, but the switch comes
# back before BootJoinTimeout: the waiting hosts 2 and 3 join the liveset
# that {0,1} formed, and the pool converges on one liveset and one master.
# (Timing: hbctl timeouts -T 10; BootJoinTimeout 70 s.)
hosts 4
timeout 10
paths 2

at 0s start all
expect 0s liveset 0,1,2,3 within 30s
at 40s crash 0
at 40s crash 1
at 40s crash 2
at 40s crash 3
at 41s partition 0,1 | 2,3
at 45s boot 0
at 45s boot 1
at 45s boot 2
at 45s boot 3
expect 45s liveset 0,1 within 60s
at 95s propose-master 1
expect 95s master 1 within 20s
at 100s heal
expect 100s liveset 0,1,2,3 within 25s
expect 130s master 1
expect 130s reported-master 3 1
expect 130s fenced none
