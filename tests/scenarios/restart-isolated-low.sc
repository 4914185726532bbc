# restart-isolated-low.sc: three hosts restart while host 0, the lowest
# index, is cut off. The statefile shows all three: {1,2} is the bigger
# partition and forms; host 0 waits and gives up (exit 13).
# (Timing: hbctl timeouts -T 15; BootJoinTimeout 75 s.)
hosts 3
timeout 15
paths 2

at 0s start all
expect 0s liveset 0,1,2 within 40s
at 50s crash 0
at 50s crash 1
at 50s crash 2
at 51s isolate 0
at 52s boot 0
at 52s boot 1
at 52s boot 2
expect 52s liveset 1,2 within 70s
expect 127s down 0 within 15s
expect 150s fenced none
